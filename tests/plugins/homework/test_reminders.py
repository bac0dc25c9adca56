"""Reminders: only non-submitters, quiet hours, snoozes, DM fallback, and restarts (no loss, no burst)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from core import DeliveryError, DirectMessage, Reply

from .conftest import MEMBERS, group_texts, reminders

# "in 3 days" from Thu 26 Nov 09:00 UTC: due Sun 29 Nov 09:00 UTC (12:00 local);
# reminders 48h before (Fri 27 09:00 UTC) and 2h before (Sun 29 07:00 UTC).
ADD = "/homework add Manikin practice | due in 3 days | 10 minutes"


async def test_reminders_go_only_to_members_who_have_not_submitted(homework_bot):
    bot = await homework_bot()
    await bot.send(ADD, user="trainer")
    await bot.send("/done 1", user="amina")
    bot.new_messages()
    await bot.advance(hours=23, minutes=59)
    assert reminders(bot.new_messages()) == {}
    await bot.advance(minutes=1)
    messages = bot.new_messages()
    assert reminders(messages) == {"bekele": 1, "chala": 1}  # not amina (submitted), not the trainer
    dm = next(m for m in messages if isinstance(m, DirectMessage))
    assert "homework #1 “Manikin practice” is due Sun 29 Nov 12:00" in dm.text and "/snooze 1 2h" in dm.text
    await bot.send("/done 1", user="bekele")
    await bot.advance(days=2)
    assert reminders(bot.new_messages()) == {"chala": 1}


async def test_quiet_hours_delay_a_reminder_to_the_morning(homework_bot):
    bot = await homework_bot({"remind_before": ["10h"]})
    await bot.send("/quiet 22:00-06:00", user="amina")
    assert bot.next_reply().text == "Quiet hours set: no reminders from 22:00 to 06:00 (Africa/Addis_Ababa)."
    # Due Saturday 08:00 local (05:00 UTC): the reminder falls on Friday 22:00 local, in amina's quiet hours.
    await bot.send("/homework add Read protocol | due saturday 08:00", user="trainer")
    bot.new_messages()
    await bot.clock.set(datetime(2026, 11, 27, 19, 0, tzinfo=timezone.utc))  # Fri 22:00 local
    await bot.runtime.idle()
    assert reminders(bot.new_messages()) == {"bekele": 1, "chala": 1}
    await bot.clock.set(datetime(2026, 11, 28, 2, 59, tzinfo=timezone.utc))  # Sat 05:59 local
    await bot.runtime.idle()
    assert reminders(bot.new_messages()) == {}
    await bot.advance(minutes=1)  # Sat 06:00 local: end of amina's quiet hours, still before the due time
    assert reminders(bot.new_messages()) == {"amina": 1}
    await bot.advance(days=1)
    assert reminders(bot.new_messages()) == {}


async def test_quiet_hours_past_the_due_time_drop_the_reminder(homework_bot):
    bot = await homework_bot({"remind_before": ["2h"]})
    await bot.send("/quiet 22:00-09:00", user="amina")
    await bot.send("/homework add Read protocol | due saturday 08:00", user="trainer")  # reminder Sat 06:00 local
    bot.new_messages()
    await bot.advance(days=3)
    assert reminders(bot.new_messages()) == {"bekele": 1, "chala": 1}
    await bot.send("/quiet off", user="amina")
    assert bot.next_reply().text.startswith("Quiet hours removed")


async def test_snooze_moves_only_that_members_reminder(homework_bot):
    bot = await homework_bot()
    await bot.send(ADD, user="trainer")
    bot.new_messages()
    await bot.advance(days=1)  # the 48h reminder
    assert reminders(bot.new_messages()) == {"amina": 1, "bekele": 1, "chala": 1}
    await bot.send("/snooze 1 3h", user="amina", chat="dm")
    assert bot.next_reply().text == "OK, I will remind you about #1 again Fri 27 Nov 15:00."
    await bot.send("/homework", user="amina")
    assert "#1 Manikin practice: due Sun 29 Nov 12:00" in bot.next_reply().text  # the assignment did not move
    await bot.advance(hours=2, minutes=59)
    assert reminders(bot.new_messages()) == {}
    await bot.advance(minutes=1)
    assert reminders(bot.new_messages()) == {"amina": 1}
    await bot.advance(days=2)  # the 2h reminder, unchanged for everyone
    assert reminders(bot.new_messages()) == {"amina": 1, "bekele": 1, "chala": 1}


async def test_snooze_bad_input(homework_bot):
    bot = await homework_bot()
    await bot.send(ADD, user="trainer")
    bot.new_messages()
    await bot.send("/snooze 1 forever", user="amina")
    assert bot.next_reply().text == "I could not read “forever” as a duration. Try /snooze 1 2h."
    await bot.send("/snooze 1 5 days", user="amina")
    assert bot.next_reply().text == "That is after the due time of #1 (Sun 29 Nov 12:00). Choose a shorter snooze."
    await bot.send("/snooze 7 2h", user="amina")
    assert "no homework #7" in bot.next_reply().text
    await bot.send("/quiet whenever", user="amina")
    assert bot.next_reply().text.startswith("I could not read “whenever” as hours.")


async def test_undeliverable_dm_falls_back_to_one_anonymous_group_post(homework_bot):
    bot = await homework_bot({"remind_before": ["2h"]})
    await bot.send("/homework add Read | due in 1 day", user="trainer")
    bot.new_messages()
    await bot.advance(hours=21)
    bot.adapter.failures.extend([DeliveryError("bot was blocked by the user", permanent=True)] * 2)
    await bot.advance(hours=1)
    messages = bot.new_messages()
    group = [t for t in group_texts(messages) if t.startswith("Reminder")]
    assert len(group) == 1
    assert not any(name in group[0].lower() for name in MEMBERS)  # names nobody
    assert sum(reminders(messages).values()) == 1  # the third member still got a DM


async def test_restart_neither_loses_nor_duplicates_reminders(homework_bot):
    bot = await homework_bot()
    await bot.send(ADD, user="trainer")
    await bot.advance(hours=20)
    await bot.restart()
    await bot.advance(hours=4)  # the 48h reminder
    assert reminders(bot.new_messages()) == {"amina": 1, "bekele": 1, "chala": 1}
    await bot.restart()
    await bot.restart()
    assert reminders(bot.new_messages()) == {}
    await bot.advance(days=2)  # the 2h reminder
    assert reminders(bot.new_messages()) == {"amina": 1, "bekele": 1, "chala": 1}


async def test_reminder_missed_during_downtime_fires_once(homework_bot):
    bot = await homework_bot()
    await bot.send(ADD, user="trainer")
    await bot.restart(downtime=timedelta(hours=30))  # down across the 48h reminder; the due time is still ahead
    assert reminders(bot.new_messages()) == {"amina": 1, "bekele": 1, "chala": 1}
    await bot.advance(hours=1)
    assert reminders(bot.new_messages()) == {}


async def test_two_missed_reminders_never_burst(homework_bot):
    bot = await homework_bot()
    await bot.send(ADD, user="trainer")
    await bot.restart(downtime=timedelta(hours=71))  # down across both reminders; one hour before the due time
    assert reminders(bot.new_messages()) == {"amina": 1, "bekele": 1, "chala": 1}


async def test_reminder_missed_past_due_is_dropped(homework_bot):
    bot = await homework_bot()
    await bot.send(ADD, user="trainer")
    await bot.restart(downtime=timedelta(days=4))
    assert reminders(bot.new_messages()) == {}
    assert not [a for a in bot.actions(Reply) if a.text.startswith("Reminder")]


async def test_quiet_follow_up_survives_a_restart(homework_bot):
    bot = await homework_bot({"remind_before": ["10h"]})
    await bot.send("/quiet 22:00-06:00", user="amina")
    await bot.send("/homework add Read protocol | due saturday 08:00", user="trainer")
    await bot.clock.set(datetime(2026, 11, 27, 19, 0, tzinfo=timezone.utc))  # Fri 22:00 local
    await bot.runtime.idle()
    bot.new_messages()
    await bot.restart()
    await bot.clock.set(datetime(2026, 11, 28, 3, 0, tzinfo=timezone.utc))  # Sat 06:00 local
    await bot.runtime.idle()
    assert reminders(bot.new_messages()) == {"amina": 1}


async def test_reminder_speaks_the_members_language(homework_bot):
    bot = await homework_bot({"remind_before": ["2h"]})
    await bot.send("/lang fr", user="amina")
    await bot.send("/homework add Read | due in 1 day", user="trainer")
    bot.new_messages()
    await bot.advance(hours=22)
    texts = {m.user.id: m.text for m in bot.new_messages() if isinstance(m, DirectMessage)}
    assert texts["amina"].startswith("Rappel : le devoir n°1 « Read » est à rendre ven. 27 nov. 12:00")
    assert texts["bekele"].startswith("Reminder: homework #1 “Read” is due Fri 27 Nov 12:00")


@pytest.mark.parametrize("platform", ["console", "telegram"])
async def test_a_reminder_39_hours_ahead_says_1_day_and_15_hours_not_2_days(homework_bot, platform):
    """Due Sun 29 Nov 12:00 local; reminded 39 hours before (Fri 21:00 local)."""
    bot = await homework_bot({"remind_before": ["39h"]}, platform=platform)
    await bot.send("/lang fr", user="bekele", chat="dm")
    await bot.send(ADD, user="trainer")
    bot.new_messages()
    await bot.advance(hours=33)
    texts = {m.user.id: m.text for m in bot.new_messages() if isinstance(m, DirectMessage)}
    assert "is due Sun 29 Nov 12:00 (in 1 day and 15 hours)." in texts["amina"]
    assert "est à rendre dim. 29 nov. 12:00 (dans 1\u00a0jour et 15\u00a0heures)." in texts["bekele"]
    assert "Plus tard : /plustard 1 2h." in texts["bekele"]
