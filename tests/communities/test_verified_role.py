"""`verified_role` where README and docs/discord.md put it: [adapters.discord] (or [plugins.moderation])."""

from __future__ import annotations

from core import AddRole, ApproveJoin


async def approve_newcomer(make_bot, settings):  # type: ignore[no-untyped-def]
    bot = await make_bot(platform="discord", plugins={"moderation"}, communities={"cohort7": {"moderators": ["mod7"]}},
                         config={"plugins": {"moderation": {"verify_joins": True, "questions": ["Cadre?"], **settings}}})
    await bot.join("amina", chat="cohort7")
    await bot.send("midwife", user="amina", chat="dm")
    await bot.send("/approve 1", user="mod7", chat="cohort7")
    return bot


async def test_without_a_moderation_role_the_discord_adapter_gives_its_verified_role(make_bot):
    bot = await approve_newcomer(make_bot, {})
    assert [a.user.id for a in bot.actions(ApproveJoin)] == ["amina"]  # the adapter maps it to [adapters.discord] verified_role
    assert not bot.actions(AddRole)


async def test_a_moderation_verified_role_is_given_as_such(make_bot):
    bot = await approve_newcomer(make_bot, {"verified_role": "Members"})
    assert [(a.user.id, a.role) for a in bot.actions(AddRole)] == [("amina", "Members")]
