"""One person, two accounts: /link across Telegram and Discord merges points, homework and /mydata."""

from __future__ import annotations

import re

from core import UploadFile
from core.testing import Bot

COMMUNITIES = {"cohort7": {"chats": ["telegram:g7", "discord:d7"], "moderators": ["mod7", "discord:mod7"],
                           "members": ["amina", "bekele"]}}


async def two_platform_bot(make_bot, **kwargs) -> Bot:  # type: ignore[no-untyped-def]
    bot = await make_bot(platform="telegram", also=("discord",), communities=COMMUNITIES,
                         plugins={"leaderboards", "homework"},
                         config={"plugins": {"homework": {"digest": "", "remind_before": []},
                                             "leaderboards": {"activity": {"points": 0}}}}, **kwargs)
    await bot.send("hello", user=bot.user("amina", platform="discord"), chat=bot.chat("cohort7", platform="discord"))
    bot.new_messages()
    return bot


async def link(bot: Bot) -> str:
    tg, dc = bot.user("amina"), bot.user("amina", platform="discord")
    await bot.send("/link", user=tg, chat="dm")
    code = re.search(r"/link ([A-Z0-9]{6})", bot.next_reply().text).group(1)  # type: ignore[union-attr]
    await bot.send(f"/link {code}", user=dc, chat="dm")
    return bot.next_reply().text


async def rank(bot: Bot, user) -> str:  # type: ignore[no-untyped-def]
    await bot.send("/rank", user=user, chat="dm")
    return bot.next_reply().text


async def test_link_merges_points_and_homework_and_either_side_unlinks(make_bot):
    bot = await two_platform_bot(make_bot)
    tg, dc = bot.user("amina"), bot.user("amina", platform="discord")
    await bot.send("/points @amina +5 notes", user="mod7", chat="cohort7")
    await bot.send("/points <@amina> +3 slides", user=bot.user("mod7", platform="discord"),
                   chat=bot.chat("cohort7", platform="discord"), mentions=[dc])
    bot.new_messages()
    assert "5 points" in await rank(bot, tg) and "3 points" in await rank(bot, dc)  # opt-in: separate until linked

    assert "Linked: telegram:amina, discord:amina" in await link(bot)
    assert "8 points" in await rank(bot, dc) and "8 points" in await rank(bot, tg)
    await bot.send("/points <@amina> +1 again", user=bot.user("mod7", platform="discord"),
                   chat=bot.chat("cohort7", platform="discord"), mentions=[dc])
    bot.new_messages()
    assert "9 points" in await rank(bot, tg)

    await bot.send("/homework add Manikin | due in 3 days", user="mod7", chat="cohort7")
    bot.new_messages()
    await bot.send("/done 1 practised", user=dc, chat="dm")
    texts = [m.text for m in bot.new_messages()]
    assert any("is recorded" in t for t in texts) and "1 member of 2 has done homework #1 “Manikin”. Well done, keep going!" in texts
    await bot.send("/done 1 once more", user=tg, chat="dm")
    assert any("already handed in #1" in m.text for m in bot.new_messages())
    await bot.send("/homework status 1", user="mod7", chat="dm")
    status = bot.next_reply().text
    assert "On time (1)" in status and "Not yet (1): @bekele" in status

    await bot.send("/unlink", user=tg, chat="dm")
    assert "Separated again: telegram:amina, discord:amina" in bot.next_reply().text
    await bot.send("/unlink", user=dc, chat="dm")
    assert "not linked" in bot.next_reply().text


async def test_mydata_and_forgetme_follow_the_person(make_bot):
    bot = await two_platform_bot(make_bot)
    tg, dc = bot.user("amina"), bot.user("amina", platform="discord")
    await link(bot)
    await bot.send("/points @amina +5 notes", user="mod7", chat="cohort7")
    bot.new_messages()
    await bot.send("/mydata", user=dc, chat="dm")
    files = [a for a in bot.actions(UploadFile)]
    content = files[-1].content.decode()
    assert "telegram:amina" in content and "discord:amina" in content and "notes" in content
    bot.new_messages()
    await bot.send("/forgetme confirm", user=dc, chat="dm")
    await bot.send("/forgetme confirm", user=dc, chat="dm")
    assert any(m.text.startswith("Done: your data was deleted") for m in bot.new_messages())
    assert "amina: 0 points in total" in await rank(bot, tg)  # the other account's points went too
    await bot.send("/unlink", user=tg, chat="dm")
    assert "not linked" in bot.next_reply().text


async def test_a_code_works_once_and_not_from_the_same_account(make_bot):
    bot = await two_platform_bot(make_bot)
    tg = bot.user("amina")
    await bot.send("/link", user=tg, chat="dm")
    code = re.search(r"/link ([A-Z0-9]{6})", bot.next_reply().text).group(1)  # type: ignore[union-attr]
    await bot.send(f"/link {code}", user=tg, chat="dm")
    assert "unknown, expired, or already yours" in bot.next_reply().text
    await bot.send("/link ZZZZZZ", user=bot.user("bekele", platform="discord"), chat="dm")
    assert "unknown, expired" in bot.next_reply().text
