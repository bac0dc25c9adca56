"""Settings keys declare their rules (core.Settings): an operator's mistake stops the start naming the key."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time, timedelta

import pytest

from core import ConfigError, Settings, above, at_least, between, clock_range_text, duration_text, non_empty, setting
from core.schema import validate
from plugins.homework.config import HomeworkConfig
from plugins.leaderboards.config import LeaderboardsConfig
from plugins.polls.config import PollsConfig
from plugins.resources.config import ResourcesConfig

WHERE = "plugins.toml [plugins.x]"


@dataclass(frozen=True)
class Sample(Settings):
    size: int = setting(10, between(1, 30, why="rows per page"))
    cap: int = setting(5, at_least(0, zero="no cap"))
    wait: float = setting(1.0, above(0))
    title: str = setting("t", non_empty())
    every: str = setting("6h", duration_text(off=("", "off")))
    steps: tuple[str, ...] = setting(("2h", "48h", "2h"), duration_text(maximum=timedelta(days=60)))
    quiet: str = setting("", clock_range_text())


@pytest.mark.parametrize(("table", "message"), [
    ({"size": 31}, "key 'size' must be between 1 and 30 (rows per page)"),
    ({"cap": -1}, "key 'cap' must be 0 (no cap) or more"),
    ({"wait": 0}, "key 'wait' must be more than 0"),
    ({"title": "  "}, "key 'title' must not be empty"),
    ({"every": "soon"}, "key 'every':"),
    ({"steps": ["1h", "90d"]}, "key 'steps':"),
    ({"quiet": "late"}, "key 'quiet':"),
])
def test_a_broken_rule_names_the_file_table_and_key(table, message):
    with pytest.raises(ConfigError, match=r"plugins\.toml \[plugins\.x\]: ") as caught:
        validate(Sample, table, WHERE)
    assert message in str(caught.value)


def test_durations_and_hours_are_read_back_by_the_same_rule():
    sample = validate(Sample, {"every": "off", "quiet": "22h-6h"}, WHERE)
    assert sample.span("every") is None
    assert sample.spans("steps") == (timedelta(hours=48), timedelta(hours=2))  # largest first, no repeats
    assert sample.hours("quiet") == (time(22), time(6))
    assert validate(Sample, {"every": "90 min"}, WHERE).span("every") == timedelta(minutes=90)


def test_every_plugin_key_with_bounds_says_them_in_the_same_words():
    with pytest.raises(ConfigError, match=r"\[plugins.resources\]: key 'page_size' must be between 1 and 30"):
        validate(ResourcesConfig, {"page_size": 0}, "plugins.toml [plugins.resources]")
    with pytest.raises(ConfigError, match=r"\[plugins.polls\]: key 'max_options' must be between 2 and 50"):
        validate(PollsConfig, {"max_options": 99}, "plugins.toml [plugins.polls]")
    with pytest.raises(ConfigError, match=r"key 'quiz': key 'daily_cap' must be 0 \(no cap\) or more"):
        validate(LeaderboardsConfig, {"quiz": {"daily_cap": -1}}, "plugins.toml [plugins.leaderboards]")
    with pytest.raises(ConfigError, match=r"key 'social_proof_every'"):
        validate(HomeworkConfig, {"social_proof_every": "sometimes"}, "plugins.toml [plugins.homework]")


def test_checks_across_keys_still_run_after_the_declared_rules():
    with pytest.raises(ConfigError, match="topics_limit"):
        validate(PollsConfig, {"max_options": 4, "topics_limit": 6}, "plugins.toml [plugins.polls]")
    assert validate(HomeworkConfig, {"social_proof_every": "off"}, "plugins.toml [plugins.homework]").proof_interval is None


@dataclass(frozen=True)
class Limits(Settings):
    points: int = setting(0, between(0, 1000))
    daily_cap: int = 0


@dataclass(frozen=True)
class Sections:
    quiz: Limits = field(default_factory=lambda: Limits(points=2, daily_cap=20))


def test_a_partial_nested_table_keeps_the_values_of_its_sections_default():
    """`[plugins.x.quiz] points = 4` changes the points only: the quiz's own daily cap stays 20."""
    assert validate(Sections, {"quiz": {"points": 4}}, WHERE).quiz == Limits(points=4, daily_cap=20)
    assert validate(Sections, {}, WHERE).quiz == Limits(points=2, daily_cap=20)
    with pytest.raises(ConfigError, match=r"key 'quiz': key 'points' must be between 0 and 1000"):
        validate(Sections, {"quiz": {"points": 1001}}, WHERE)
    config = validate(LeaderboardsConfig, {"quiz": {"points": 4}, "thanks": {"words": ["merci"]}}, WHERE)
    assert (config.quiz.points, config.quiz.daily_cap) == (4, 20)
    assert (config.thanks.points, config.thanks.cooldown_minutes, config.thanks.words) == (3, 60.0, ("merci",))
