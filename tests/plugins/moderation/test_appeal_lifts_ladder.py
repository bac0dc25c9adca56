"""Item: an accepted appeal on a warning ends the ladder mute that warning caused."""

from __future__ import annotations

import pytest

from core import DeleteMessage, DirectMessage, Restrict, Unrestrict

from .conftest import chat

TEXT = {
    "en": {"lifted": "The mute it caused (case #3) has ended: you can post again.", "status": "(lifted on appeal)"},
    "fr": {"lifted": "La mise en sourdine qu'il avait entraînée (dossier n°3) est terminée : vous pouvez de nouveau écrire.",
           "status": "(levé après recours)"},
}


@pytest.mark.parametrize("platform", ["console", "telegram"])
@pytest.mark.parametrize("locale", ["en", "fr"])
async def test_accepted_appeal_on_a_warning_ends_the_ladder_mute_it_caused(cohort_bot, platform, locale):
    t = TEXT[locale]
    bot = await cohort_bot(platform, locale, ladder={"2": "mute 1d"})
    review = chat(bot, "review")
    first = await bot.send("rude words", user="amina")
    await bot.send("/warn stay polite", user="trainer", reply_to=first)
    second = await bot.send("more rude words", user="amina")
    await bot.send("/warn second time", user="trainer", reply_to=second)  # case 2; the ladder mutes: case 3
    assert {(a.user.id, a.chat.id) for a in bot.actions(Restrict)} == {("amina", g) for g in ("g1", "g2", "g3")}
    await bot.send("muted, so removed", user="amina")
    assert len(bot.actions(DeleteMessage)) == 1
    bot.new_messages()

    await bot.send("/appeal 2 I was quoting a guideline", user="amina", chat="dm")
    bot.new_messages()
    await bot.send("/appeal_accept 1", user="nurse2", chat=review)
    assert {(a.user.id, a.chat.id) for a in bot.actions(Unrestrict)} == {("amina", g) for g in ("g1", "g2", "g3")}
    told = [m for m in bot.new_messages() if isinstance(m, DirectMessage) and m.user.id == "amina"]
    assert told and t["lifted"] in told[-1].text
    await bot.send("I can talk again", user="amina")
    assert len(bot.actions(DeleteMessage)) == 1  # no longer removed
    await bot.send("/case 3", user="trainer", chat=review)
    assert t["status"] in bot.next_reply().text

    await bot.restart()
    await bot.advance(days=1, hours=1)  # the end-of-mute job was cancelled: no "ended on time" later
    assert not bot.actions(Unrestrict) and not bot.new_messages()


async def test_a_ladder_mute_still_justified_by_other_warnings_keeps_running(cohort_bot):
    bot = await cohort_bot("discord", ladder={"2": "mute 1d"})
    for n in range(2):
        message = await bot.send(f"rude {n}", user="amina")
        await bot.send("/warn rude", user="trainer", reply_to=message)  # cases 1, 2; the ladder mute is case 3
    await bot.send("/warn @amina still rude", user="trainer")  # case 4: three points
    await bot.send("/appeal 1 that one was a joke", user="amina", chat="dm")
    await bot.send("/appeal_accept 1", user="nurse2", chat="dm")
    assert not bot.actions(Unrestrict)  # two warnings still stand: the mute keeps running
    await bot.send("still muted", user="amina")
    assert len(bot.actions(DeleteMessage)) == 1
    bot.new_messages()
    await bot.send("/case 3", user="trainer")
    shown = bot.next_reply().text
    assert "Until" in shown and "lifted" not in shown
