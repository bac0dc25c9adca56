"""The plugin tests run in `default` and in a named community: the kit really puts them there."""

from __future__ import annotations


async def test_members_roles_and_settings_live_in_the_community_under_test(make_bot, practica_community):
    bot = await make_bot(platform="telegram", plugins=set(), moderators=["trainer"], members=("amina",),
                         community={"timezone": "Africa/Addis_Ababa", "locale": "fr"})
    assert bot.home == practica_community
    assert bot.runtime.config.community_for(bot.group).name == practica_community
    await bot.send("/whoami", user="trainer")
    assert f"modérateur dans la communauté {practica_community}" in bot.next_reply().text
    await bot.send("/whoami", user="amina", chat="dm")  # a member's private chat acts in her community
    assert f"communauté {practica_community}" in bot.next_reply().text
