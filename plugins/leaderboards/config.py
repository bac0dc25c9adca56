"""The `[plugins.leaderboards]` settings (per-community overrides allowed)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from plugins.leaderboards.logic import parse_reset


def _check_rule(name: str, points: int, cooldown_minutes: float, daily_cap: int) -> None:
    if not 0 <= points <= 1000:
        raise ValueError(f"key '{name}.points' must be between 0 and 1000, got {points}")
    if not 0 <= cooldown_minutes <= 7 * 24 * 60:
        raise ValueError(f"key '{name}.cooldown_minutes' must be between 0 and 10080 (one week)")
    if daily_cap < 0:
        raise ValueError(f"key '{name}.daily_cap' must be 0 (no cap) or more")


@dataclass(frozen=True)
class HomeworkRule:
    """`[plugins.leaderboards.homework]`: points for a submitted homework."""

    on_time: int = 10
    late: int = 5
    cooldown_minutes: float = 0.0
    daily_cap: int = 0

    def __post_init__(self) -> None:
        _check_rule("homework", self.on_time, self.cooldown_minutes, self.daily_cap)
        _check_rule("homework", self.late, self.cooldown_minutes, self.daily_cap)


@dataclass(frozen=True)
class QuizRule:
    """`[plugins.leaderboards.quiz]`: points for a correct quiz answer."""

    points: int = 2
    cooldown_minutes: float = 0.0
    daily_cap: int = 20

    def __post_init__(self) -> None:
        _check_rule("quiz", self.points, self.cooldown_minutes, self.daily_cap)


@dataclass(frozen=True)
class ThanksRule:
    """`[plugins.leaderboards.thanks]`: points for the member who is thanked."""

    points: int = 3
    cooldown_minutes: float = 60.0
    daily_cap: int = 15
    per_giver_daily: int = 3
    words: tuple[str, ...] = ("thanks", "thank you", "thx", "merci")

    def __post_init__(self) -> None:
        _check_rule("thanks", self.points, self.cooldown_minutes, self.daily_cap)
        if self.per_giver_daily < 0:
            raise ValueError("key 'thanks.per_giver_daily' must be 0 (no limit) or more")
        if any(not w.strip() for w in self.words):
            raise ValueError("key 'thanks.words' must not contain empty words")


@dataclass(frozen=True)
class ResourceRule:
    """`[plugins.leaderboards.resource]`: points for a resource a moderator verified."""

    points: int = 5
    cooldown_minutes: float = 0.0
    daily_cap: int = 0

    def __post_init__(self) -> None:
        _check_rule("resource", self.points, self.cooldown_minutes, self.daily_cap)


@dataclass(frozen=True)
class ActivityRule:
    """`[plugins.leaderboards.activity]`: optional points for ordinary messages (off by default)."""

    enabled: bool = False
    points: int = 1
    cooldown_minutes: float = 10.0
    daily_cap: int = 5
    min_length: int = 20

    def __post_init__(self) -> None:
        _check_rule("activity", self.points, self.cooldown_minutes, self.daily_cap)
        if self.min_length < 0:
            raise ValueError("key 'activity.min_length' must be 0 or more")


@dataclass(frozen=True)
class LeaderboardsConfig:
    """Settings of the leaderboards plugin."""

    top: int = 10
    weekly_reset: str = "monday 08:00"
    announce_top: int = 3
    max_adjustment: int = 1000
    confirm_levels: bool = False
    modules: Mapping[str, str] | tuple[str, ...] = ()
    homework: HomeworkRule = field(default_factory=HomeworkRule)
    quiz: QuizRule = field(default_factory=QuizRule)
    thanks: ThanksRule = field(default_factory=ThanksRule)
    resource: ResourceRule = field(default_factory=ResourceRule)
    activity: ActivityRule = field(default_factory=ActivityRule)

    def __post_init__(self) -> None:
        if not 1 <= self.top <= 50:
            raise ValueError("key 'top' must be between 1 and 50")
        if not 0 <= self.announce_top <= 20:
            raise ValueError("key 'announce_top' must be between 0 and 20")
        if not 1 <= self.max_adjustment <= 100_000:
            raise ValueError("key 'max_adjustment' must be between 1 and 100000")
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
