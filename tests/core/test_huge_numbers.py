"""Numbers beyond any id (2^63 and more) get a plain "does not exist", never a crash."""

from __future__ import annotations

import pytest

HUGE = str(2 ** 63)
ID_COMMANDS = [
    f"/homework {HUGE}", f"/homework status {HUGE}", f"/done {HUGE}", f"/review {HUGE} @amina", f"/snooze {HUGE} 2h",
    f"/case {HUGE}", f"/reason {HUGE} spam", f"/approve {HUGE}", f"/deny {HUGE}", f"/appeal_accept {HUGE}",
    f"/appeal_refuse {HUGE}", f"/redact {HUGE}", f"/get {HUGE}", f"/verify {HUGE}", f"/supersede {HUGE} 1",
    f"/delete {HUGE}", f"/results {HUGE}", f"/closepoll {HUGE}", f"/vote {HUGE} 1",
]


@pytest.mark.parametrize("platform", ["console", "telegram"])
async def test_huge_ids_get_a_plain_answer_in_every_command(make_bot, platform):
    bot = await make_bot(platform=platform, moderators=["trainer"])
    for text in ID_COMMANDS:
        await bot.send(text, user="trainer")
        answer = bot.next_reply().text
        assert "went wrong" not in answer and "Overflow" not in answer, (text, answer)
    await bot.send(f"/appeal {HUGE} I did nothing", user="amina", chat="dm")
    answer = bot.next_reply().text
    assert "went wrong" not in answer, answer


async def test_huge_ids_are_refused_in_french(make_bot):
    bot = await make_bot(platform="discord", moderators=["trainer"], community={"locale": "fr"})
    await bot.send(f"/case {HUGE}", user="trainer")
    assert bot.next_reply().text == f"Le n° {HUGE} n'existe pas."
    await bot.send(f"/get #{HUGE}", user="amina")
    assert bot.next_reply().text == f"Le n° {HUGE} n'existe pas."


async def test_huge_ids_are_refused_in_english(make_bot):
    bot = await make_bot(moderators=["trainer"])
    await bot.send(f"/approve {HUGE}", user="trainer")
    assert bot.next_reply().text == f"#{HUGE} does not exist."
    await bot.send("/get " + "9" * 400, user="amina")
    assert bot.next_reply().text == "#" + "9" * 20 + "… does not exist."
