"""Pure pieces (time windows, words, rankings) and config validation."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from core import ConfigError
from plugins.leaderboards.logic import (find_module, most_improved, parse_amount, parse_level, parse_reset, position_of,
                                        rank, team_averages, thanks_pattern, week_start)


def test_week_start_follows_local_time_and_dst():
    reset = parse_reset("monday 08:00")
    assert reset.rrule == "FREQ=WEEKLY;BYDAY=MO;BYHOUR=8;BYMINUTE=0;BYSECOND=0"
    addis = ZoneInfo("Africa/Addis_Ababa")
    thursday = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)
    assert week_start(thursday, reset, addis) == datetime(2026, 11, 23, 5, 0, tzinfo=timezone.utc)
    monday_early = datetime(2026, 11, 30, 4, 59, tzinfo=timezone.utc)
    assert week_start(monday_early, reset, addis) == datetime(2026, 11, 23, 5, 0, tzinfo=timezone.utc)
    paris = ZoneInfo("Europe/Paris")  # summer time begins 29 March 2026
    assert week_start(datetime(2026, 3, 31, 12, tzinfo=timezone.utc), reset, paris) == datetime(2026, 3, 30, 6, tzinfo=timezone.utc)
    assert parse_reset("Lundi 8h30").at.minute == 30


@pytest.mark.parametrize("bad", ["someday 08:00", "monday 25:00", "monday", ""])
def test_bad_reset_is_refused(bad):
    with pytest.raises(ValueError):
        parse_reset(bad)


def test_words_levels_and_amounts():
    pattern = thanks_pattern(("thanks", "thank you", "merci"))
    assert pattern.search("ok, thank you so much")
    assert pattern.search("merci beaucoup")
    assert not pattern.search("thanksgiving menu")
    assert [parse_level(w) for w in ("Expert", "compétent", "FAMILIER", "guru")] == [3, 2, 1, None]
    assert find_module("postpartum haemorrhage", {"pph": "Postpartum haemorrhage"}) == "pph"
    assert [parse_amount(a) for a in ("+5", "-3", "7", "five", "1e3", "+")] == [5, -3, 7, None, None, None]


def test_rankings():
    ranking = rank({"a": 5, "b": 9, "c": 5, "d": 0, "e": -2})
    assert ranking == [("b", 9), ("a", 5), ("c", 5)]
    assert [position_of(m, ranking) for m in ("b", "a", "c", "d")] == [1, 2, 2, None]
    assert most_improved({"a": 10, "b": 12}, {"a": 1, "b": 10}) == ("a", 9)
    assert most_improved({"a": 3}, {"a": 5}) is None
    assert team_averages({"x": "Big", "y": "big", "z": "Small"}, {"x": 10, "z": 6}) == [("Small", 6.0, 1), ("Big", 5.0, 2)]


async def test_bad_config_stops_the_start_with_the_key(make_bot):
    with pytest.raises(ConfigError, match="weekly_reset"):
        await make_bot(plugins={"leaderboards"}, config={"plugins": {"leaderboards": {"weekly_reset": "funday 8:00"}}})
    with pytest.raises(ConfigError, match="daily_cap"):
        await make_bot(plugins={"leaderboards"}, config={"plugins": {"leaderboards": {"quiz": {"daily_cap": -1}}}})
