"""`[plugins.polls]`: limits, closing times, reminders, quiet hours and the topics provider."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta

from core import UsageError
from core.timeparse import parse_clock_range, parse_duration


def _duration(name: str, value: str) -> timedelta | None:
    if not value.strip():
        return None
    try:
        return parse_duration(value, minimum=timedelta(minutes=1), maximum=timedelta(days=366))
    except UsageError as exc:
        raise ValueError(f"key {name!r}: {exc}") from None


@dataclass(frozen=True)
class PollsConfig:
    """Settings of the polls plugin (every key optional).

    Attributes:
        native: use the platform's own polls where they fit (else always numbered text).
        max_options: most options a poll may have (text polls; native polls also obey the platform).
        max_option_length: longest option text, in characters.
        max_question_length: longest question text, in characters.
        max_duration: the latest a poll may close, counted from its creation ("30d").
        default_duration: closing time of polls that give none ("" = open until /closepoll).
        remind_before: DM members who have not voted this long before the close ("" = no reminder).
        quiet_hours: local hours without reminders, e.g. "22:00-06:00" ("" = none).
        topics_provider: the plugin that answers `/poll topics` (normally "resources").
        topics_limit: how many frequent questions a topics poll offers at most.
        topics_duration: how long a topics poll stays open ("" = until /closepoll).
    """

    native: bool = True
    max_options: int = 20
    max_option_length: int = 100
    max_question_length: int = 300
    max_duration: str = "30d"
    default_duration: str = ""
    remind_before: str = ""
    quiet_hours: str = ""
    topics_provider: str = "resources"
    topics_limit: int = 6
    topics_duration: str = "3d"

    def __post_init__(self) -> None:
        if not 2 <= self.max_options <= 50:
            raise ValueError("key 'max_options' must be between 2 and 50")
        if not 10 <= self.max_option_length <= 300:
            raise ValueError("key 'max_option_length' must be between 10 and 300")
        if not 20 <= self.max_question_length <= 1000:
            raise ValueError("key 'max_question_length' must be between 20 and 1000")
        if not 2 <= self.topics_limit <= self.max_options:
            raise ValueError("key 'topics_limit' must be between 2 and max_options")
        if not self.topics_provider.strip():
            raise ValueError("key 'topics_provider' must name a plugin, e.g. \"resources\"")
        if self.max_duration_delta is None:
            raise ValueError("key 'max_duration' must be a duration such as \"30d\"")
        for name in ("default_duration", "remind_before", "topics_duration"):
            _duration(name, getattr(self, name))
        if self.quiet_hours.strip():
            try:
                parse_clock_range(self.quiet_hours)
            except UsageError as exc:
                raise ValueError(f"key 'quiet_hours': {exc}") from None

    @property
    def max_duration_delta(self) -> timedelta | None:
        return _duration("max_duration", self.max_duration)

    @property
    def default_duration_delta(self) -> timedelta | None:
        return _duration("default_duration", self.default_duration)

    @property
    def remind_before_delta(self) -> timedelta | None:
        return _duration("remind_before", self.remind_before)

    @property
    def topics_duration_delta(self) -> timedelta | None:
        return _duration("topics_duration", self.topics_duration)

    @property
    def quiet_range(self) -> tuple[time, time] | None:
        return parse_clock_range(self.quiet_hours) if self.quiet_hours.strip() else None
