from __future__ import annotations

from core import Role


async def test_help_lists_commands_for_member(make_bot):
    bot = await make_bot()
    await bot.send("/help")
    text = bot.next_reply().text
    assert "/whoami" in text and "/help" in text


async def test_whoami_moderator_role_from_config(make_bot):
    bot = await make_bot(platform="telegram", moderators=["trainer"])
    await bot.send("/whoami", user="trainer")
    assert "moderator" in bot.next_reply().text
    bot.set_platform_role("boss", Role.ADMIN)
    await bot.send("/whoami", user="boss")
    assert "admin" in bot.next_reply().text
