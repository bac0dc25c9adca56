"""Adding homework: one-off and recurring assignments, listing, and bad input."""

from __future__ import annotations

import pytest

from datetime import datetime, timezone

from core import Reply

from .conftest import group_texts


async def test_add_posts_assignment_with_local_due_time(homework_bot):
    bot = await homework_bot()
    await bot.send("/homework add Manikin practice | due next monday 18:00 | 10 minutes on the newborn manikin #pph",
                   user="trainer")
    post = bot.next_reply().text
    assert post.startswith("Homework #1: Manikin practice")
    assert "Due: Mon 30 Nov 18:00" in post  # local Addis Ababa time
    assert "10 minutes on the newborn manikin" in post and "/done 1" in post
    await bot.send("/homework", user="amina")
    listing = bot.next_reply().text
    assert "#1 Manikin practice: due Mon 30 Nov 18:00" in listing


async def test_french_community_reads_french_due_time(homework_bot):
    bot = await homework_bot(community={"locale": "fr"})
    await bot.send("/homework add Lire le protocole HPP | pour vendredi 17h | chapitre 2", user="trainer")
    post = bot.next_reply().text
    assert post.startswith("Devoir n°1 : Lire le protocole HPP")
    assert "ven. 27 nov. 17:00" in post
    await bot.send("/help", user="amina")
    help_text = bot.next_reply().text
    assert "Rendre un devoir" in help_text and "Hand in" not in help_text


async def test_weekly_series_posts_each_occurrence_at_local_time(homework_bot):
    bot = await homework_bot()
    await bot.send("/homework add Weekly manikin | every monday 08:00 until 2027-03-01 | Practise 10 minutes #pph",
                   user="trainer")
    confirm = bot.next_reply().text
    assert "Mon 30 Nov 08:00" in confirm and "/homework stop S1" in confirm
    # Monday 30 Nov 08:00 in Addis Ababa is 05:00 UTC.
    await bot.clock.set(datetime(2026, 11, 30, 4, 59, tzinfo=timezone.utc))
    await bot.runtime.idle()
    assert not [t for t in group_texts(bot.new_messages()) if t.startswith("Homework #")]
    await bot.advance(minutes=1)
    posts = [t for t in group_texts(bot.new_messages()) if t.startswith("Homework #")]
    assert len(posts) == 1
    assert posts[0].startswith("Homework #1: Weekly manikin") and "Due: Mon 7 Dec 08:00" in posts[0]
    await bot.advance(days=7)
    posts = [t for t in group_texts(bot.new_messages()) if t.startswith("Homework #")]
    assert len(posts) == 1 and posts[0].startswith("Homework #2: Weekly manikin") and "Due: Mon 14 Dec 08:00" in posts[0]


async def test_series_with_own_due_period_and_stop(homework_bot):
    bot = await homework_bot()
    await bot.send("/homework add MyLearning test | every monday 08:00 | due 3 days", user="trainer")
    bot.next_reply()
    await bot.clock.set(datetime(2026, 11, 30, 5, 0, tzinfo=timezone.utc))
    await bot.runtime.idle()
    post = next(t for t in group_texts(bot.new_messages()) if t.startswith("Homework #"))
    assert "Due: Thu 3 Dec 08:00" in post
    await bot.send("/homework stop 1", user="trainer")
    assert "stopped" in bot.next_reply().text
    await bot.advance(days=7)
    assert not [t for t in group_texts(bot.new_messages()) if t.startswith("Homework #")]


async def test_bad_due_times_get_one_clear_line(homework_bot):
    bot = await homework_bot()
    await bot.send("/homework add Read protocol | due someday maybe", user="trainer")
    text = bot.next_reply().text
    assert "could not read" in text and "\n" not in text
    await bot.send("/homework add Read protocol | due 2020-01-05 10:00", user="trainer")
    text = bot.next_reply().text
    assert "already past" in text and "\n" not in text
    await bot.send("/homework add Read protocol", user="trainer")
    assert bot.next_reply().text.startswith("Usage: /homework add")
    await bot.send("/homework add Read | every blue moon", user="trainer")
    assert "repeating time" in bot.next_reply().text
    await bot.send("/homework", user="amina")
    assert bot.next_reply().text == "There is no open homework right now."


async def test_members_cannot_add_or_see_status(homework_bot):
    bot = await homework_bot()
    await bot.send("/homework add Read | due in 3 days", user="amina")
    assert bot.next_reply().text == "Only a trainer or moderator can do that."
    await bot.send("/homework status 1", user="amina")
    assert bot.next_reply().text == "Only a trainer or moderator can do that."


async def test_unknown_assignment_id(homework_bot):
    bot = await homework_bot()
    await bot.send("/done 42", user="amina")
    assert bot.next_reply().text == "There is no homework #42 here. Send /homework to see open homework."
    await bot.send("/homework status 42", user="trainer")
    assert "no homework #42" in bot.next_reply().text


async def test_cancel_stops_reminders(homework_bot):
    bot = await homework_bot({"remind_before": ["2h"]})
    await bot.send("/homework add Read | due in 1 day", user="trainer")
    bot.next_reply()
    await bot.send("/homework cancel 1", user="trainer")
    assert "cancelled" in bot.next_reply().text
    await bot.advance(days=2)
    assert not bot.new_messages()
    await bot.send("/done 1", user="amina")
    assert "no homework #1" in bot.next_reply().text
    assert not [a for a in bot.actions(Reply) if "Reminder" in a.text]


@pytest.mark.parametrize("platform", ["console", "telegram"])
async def test_a_series_and_its_homework_never_share_a_visible_number(homework_bot, platform):
    bot = await homework_bot(platform=platform)
    await bot.send("/homework add Partograph | due in 2 days", user="trainer")
    bot.new_messages()
    await bot.send("/homework add Weekly manikin | every monday 08:00 | Practise 10 minutes", user="trainer")
    confirm = bot.next_reply().text
    assert confirm.startswith("Repeating homework S1 “Weekly manikin” created") and "#1" not in confirm
    assert confirm.endswith("Stop the series with /homework stop S1.")
    await bot.clock.set(datetime(2026, 11, 30, 5, 0, tzinfo=timezone.utc))
    await bot.runtime.idle()
    assert [t.split(":")[0] for t in group_texts(bot.new_messages()) if t.startswith("Homework #")] == ["Homework #2"]
    await bot.send("/homework stop S1", user="trainer")
    assert bot.next_reply().text == "Repeating homework S1 “Weekly manikin” stopped; homework already posted stays open."


async def test_series_labels_in_french(homework_bot):
    bot = await homework_bot(community={"locale": "fr"})
    await bot.send("/devoirs ajouter Mannequin | tous les lundis 8h | 10 minutes", user="trainer")
    confirm = bot.next_reply().text
    assert confirm.startswith("Devoir répété S1 « Mannequin » créé") and confirm.endswith("/devoirs arreter S1.")
    await bot.send("/devoirs arreter S1", user="trainer")
    assert bot.next_reply().text.startswith("Devoir répété S1 « Mannequin » arrêté")


@pytest.mark.parametrize("platform", ["console", "telegram"])
async def test_due_17h_is_17_hours_in_english_and_17_00_in_french(homework_bot, platform):
    """Thursday 26 Nov, 12:00 in Addis Ababa: the same "17h" as polls' "closes: 17h" in each language."""
    bot = await homework_bot(platform=platform)
    await bot.send("/homework add Partograph | due 17h", user="trainer")
    assert "Due: Fri 27 Nov 05:00" in bot.next_reply().text
    fr = await homework_bot(platform=platform, community={"locale": "fr"})
    await fr.send("/devoirs ajouter Partogramme | pour 17h", user="trainer")
    assert "À rendre : jeu. 26 nov. 17:00" in fr.next_reply().text
