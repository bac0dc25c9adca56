"""The `[plugins.leaderboards]` settings (per-community overrides allowed)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from core import Settings, at_least, between, non_empty, setting
from plugins.leaderboards.logic import parse_reset

POINTS = between(0, 1000)
COOLDOWN = between(0, 7 * 24 * 60, why="one week")
CAP = at_least(0, zero="no cap")


@dataclass(frozen=True)
class PointsRule(Settings):
    """Points for one kind of contribution, and how often they can be earned.

    `[plugins.leaderboards.quiz]` (a correct quiz answer) and `[plugins.leaderboards.resource]` (a
    resource a moderator verified) are this rule; the defaults of each are in `LeaderboardsConfig`.
    """

    points: int = setting(0, POINTS)
    cooldown_minutes: float = setting(0.0, COOLDOWN)
    daily_cap: int = setting(0, CAP)


@dataclass(frozen=True)
class HomeworkRule(Settings):
    """`[plugins.leaderboards.homework]`: points for a submitted homework."""

    on_time: int = setting(10, POINTS)
    late: int = setting(5, POINTS)
    cooldown_minutes: float = setting(0.0, COOLDOWN)
    daily_cap: int = setting(0, CAP)


@dataclass(frozen=True)
class ThanksRule(PointsRule):
    """`[plugins.leaderboards.thanks]`: points for the member who is thanked."""

    per_giver_daily: int = setting(3, at_least(0, zero="no limit"))
    words: tuple[str, ...] = setting(("thanks", "thank you", "thx", "merci"), non_empty())


@dataclass(frozen=True)
class ActivityRule(PointsRule):
    """`[plugins.leaderboards.activity]`: optional points for ordinary messages (off by default)."""

    enabled: bool = False
    min_length: int = setting(20, at_least(0))


@dataclass(frozen=True)
class LeaderboardsConfig(Settings):
    """Settings of the leaderboards plugin."""

    top: int = setting(10, between(1, 50))
    weekly_reset: str = "monday 08:00"
    announce_top: int = setting(3, between(0, 20))
    max_adjustment: int = setting(1000, between(1, 100_000))
    confirm_levels: bool = False
    modules: Mapping[str, str] | tuple[str, ...] = ()
    homework: HomeworkRule = field(default_factory=HomeworkRule)
    quiz: PointsRule = field(default_factory=lambda: PointsRule(points=2, daily_cap=20))
    thanks: ThanksRule = field(default_factory=lambda: ThanksRule(points=3, cooldown_minutes=60.0, daily_cap=15))
    resource: PointsRule = field(default_factory=lambda: PointsRule(points=5))
    activity: ActivityRule = field(default_factory=lambda: ActivityRule(points=1, cooldown_minutes=10.0, daily_cap=5))

    def check(self) -> None:
        parse_reset(self.weekly_reset)  # raises ValueError with the accepted forms
        keys = [k.strip().lower() for k in self.module_labels()]
        if any(not k or " " in k for k in keys):
            raise ValueError("key 'modules': module keys must be single words, e.g. modules = { pph = \"Postpartum haemorrhage\" }")
        if len(set(keys)) != len(keys):
            raise ValueError("key 'modules': a module is listed twice")

    def module_labels(self) -> dict[str, str]:
        """{key: label} of the configured clinical modules, in configured order."""
        if isinstance(self.modules, Mapping):
            return {str(k).strip().lower(): str(v) for k, v in self.modules.items()}
        return {str(k).strip().lower(): str(k).strip() for k in self.modules}
