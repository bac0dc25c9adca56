"""`[plugins.polls]`: limits, closing times, reminders, quiet hours and the topics provider."""

from __future__ import annotations

from dataclasses import dataclass

from core import Settings, between, clock_range_text, duration_text, non_empty, setting

_OPTIONAL = duration_text(off=("",))


@dataclass(frozen=True)
class PollsConfig(Settings):
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

    Durations and quiet hours are read with `span("max_duration")` / `hours("quiet_hours")` (core.Settings).
    """

    native: bool = True
    max_options: int = setting(20, between(2, 50))
    max_option_length: int = setting(100, between(10, 300))
    max_question_length: int = setting(300, between(20, 1000))
    max_duration: str = setting("30d", duration_text())
    default_duration: str = setting("", _OPTIONAL)
    remind_before: str = setting("", _OPTIONAL)
    quiet_hours: str = setting("", clock_range_text())
    topics_provider: str = setting("resources", non_empty())
    topics_limit: int = 6
    topics_duration: str = setting("3d", _OPTIONAL)

    def check(self) -> None:
        if not 2 <= self.topics_limit <= self.max_options:
            raise ValueError("key 'topics_limit' must be between 2 and max_options")
