"""Smaller moderation fixes: private /report acknowledgement, announcing a new code of conduct, mute times
with the zone's name."""

from __future__ import annotations

import pytest

from core import DeleteMessage, DirectMessage, Reply

from .conftest import chat

REPORT = {
    "en": "Thank you for your report (case #1).",
    "fr": "Merci pour votre signalement (dossier n°1).",
}


@pytest.mark.parametrize("platform", ["console", "telegram"])
@pytest.mark.parametrize("locale", ["en", "fr"])
async def test_report_is_acknowledged_privately_and_leaves_the_group(cohort_bot, platform, locale):
    bot = await cohort_bot(platform, locale)
    message = await bot.send("buy my cream", user="amina")
    report = await bot.send("/report advertising", user="bekele", reply_to=message)
    messages = bot.new_messages()
    in_group = [m for m in messages if isinstance(m, Reply) and m.chat.id == "g1"]
    assert in_group == []  # nothing in the group says who reported whom
    assert report.id in [a.message_id for a in bot.actions(DeleteMessage)]
    private = [m for m in messages if isinstance(m, DirectMessage) and m.user.id == "bekele"]
    assert len(private) == 1 and private[0].text.startswith(REPORT[locale])
    assert any(isinstance(m, Reply) and m.chat.id == "review" and "buy my cream" in m.text for m in messages)


ANNOUNCE = {
    "en": "The code of conduct was updated (version 2). Please read it (/rules) and accept it (/accept) to keep posting.",
    "fr": "Le code de conduite a été mis à jour (version 2). Merci de le lire (/rules) et de l'accepter (/accept) pour continuer à écrire.",
}


@pytest.mark.parametrize("platform", ["console", "discord"])
@pytest.mark.parametrize("locale", ["en", "fr"])
async def test_a_new_rules_version_is_announced_once_in_every_chat_of_the_community(cohort_bot, platform, locale):
    old = await cohort_bot(platform, locale, rules="Be kind.", rules_version="1")
    await old.send("/accept", user="amina")
    old.new_messages()
    await old.restart()
    assert old.new_messages() == []  # version 1 was not new: nothing to announce
    await old.runtime.stop()

    new = await cohort_bot(platform, locale, rules="Be kind. No patient names.", rules_version="2")
    await new.runtime.stop()
    bot = await new.build(old.clock, old.database)  # the same database, started with version 2
    try:
        await bot.runtime.idle()
        announced = [m for m in bot.new_messages() if isinstance(m, Reply)]
        assert sorted(m.chat.id for m in announced) == ["g1", "g2", "g3"]
        assert {m.text for m in announced} == {ANNOUNCE[locale]}
        await bot.restart()
        assert bot.new_messages() == []  # once per version, across restarts
    finally:
        await bot.runtime.stop()


MUTED = {"en": "You are muted in the group until Thu 26 Nov 14:00 EAT.",
         "fr": "jusqu'au jeu. 26 nov. 14:00 EAT."}


@pytest.mark.parametrize("platform", ["console", "telegram"])
@pytest.mark.parametrize("locale", ["en", "fr"])
async def test_mute_times_name_the_time_zone(cohort_bot, platform, locale):
    bot = await cohort_bot(platform, locale, timezone="Africa/Addis_Ababa")
    await bot.send("hello", user="amina")
    await bot.send("/mute @amina 2h too many messages", user="trainer")
    messages = bot.new_messages()
    notice = [m for m in messages if isinstance(m, DirectMessage) and m.user.id == "amina"][0]
    assert MUTED[locale] in notice.text
    assert any(isinstance(m, Reply) and m.chat.id == "g1" and "14:00 EAT" in m.text for m in messages)
    await bot.send("/case 1", user="trainer", chat=chat(bot, "review"))
    assert "14:00 EAT" in bot.next_reply().text
