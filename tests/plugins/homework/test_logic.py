"""Pure rules: reading /homework add, quiet hours, reminder planning."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from core import UsageError
from plugins.homework.logic import digest_rule, in_quiet, parse_add, plan_reminders, quiet_end, superseded

ADDIS = ZoneInfo("Africa/Addis_Ababa")
NOW = datetime(2026, 11, 26, 19, 30, tzinfo=timezone.utc)  # 22:30 local


def test_parse_add_parts_and_module():
    req = parse_add("Manikin #PPH | due next monday 18:00 | 10 minutes | then rest")
    assert (req.title, req.due, req.every, req.module) == ("Manikin #PPH", "next monday 18:00", None, "pph")
    assert req.instructions == "10 minutes | then rest"
    series = parse_add("Weekly | every monday 08:00 | due 3 days")
    assert (series.every, series.due) == ("every monday 08:00", "3 days")
    french = parse_add("Protocole | pour vendredi 17h")
    assert french.due == "vendredi 17h"
    with pytest.raises(UsageError):
        parse_add("Only a title")
    with pytest.raises(UsageError):
        parse_add(" | due tomorrow")


def test_quiet_hours_wrap_midnight():
    quiet = (time(22), time(6))
    assert in_quiet(NOW, quiet, ADDIS)
    assert not in_quiet(NOW - timedelta(hours=1), quiet, ADDIS)
    assert quiet_end(NOW, quiet, ADDIS) == datetime(2026, 11, 27, 3, 0, tzinfo=timezone.utc)


def test_plan_skips_submitted_snoozed_recent_and_defers_quiet():
    due = NOW + timedelta(days=1)
    plan = plan_reminders(NOW, due, ["a", "b", "c", "d", "e"], {"a"}, {"c": (time(22), time(6))},
                          {"d": NOW + timedelta(hours=1)}, {"e": NOW - timedelta(minutes=10)}, ADDIS)
    assert plan.now == ("b",)
    assert dict(plan.later) == {"c": datetime(2026, 11, 27, 3, 0, tzinfo=timezone.utc)}


def test_only_the_closest_missed_reminder_is_sent():
    due = NOW + timedelta(hours=1)
    offsets = [timedelta(hours=48), timedelta(hours=2)]
    assert superseded(timedelta(hours=48), offsets, due, NOW)
    assert not superseded(timedelta(hours=2), offsets, due, NOW)


def test_digest_rule_accepts_words_and_rrules():
    assert digest_rule("") is None
    assert digest_rule("FREQ=WEEKLY;BYDAY=MO;BYHOUR=8;BYMINUTE=0") == "FREQ=WEEKLY;BYDAY=MO;BYHOUR=8;BYMINUTE=0"
    assert digest_rule("monday 08:00").startswith("FREQ=WEEKLY;BYDAY=MO;BYHOUR=8;BYMINUTE=0")
    with pytest.raises(ValueError):
        digest_rule("FREQ=SOMETIMES")
