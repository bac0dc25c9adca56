"""Declared checks for a plugin's settings (the frozen dataclass of `[plugins.<name>]`).

A key says its rule where it is declared, instead of an if/raise of its own in `__post_init__`:

    @dataclass(frozen=True)
    class PollsConfig(Settings):
        max_options: int = setting(20, between(2, 50))
        max_duration: str = setting("30d", duration_text())
        quiet_hours: str = setting("", clock_range_text())

        def check(self) -> None:  # what one key alone cannot say
            if self.topics_limit > self.max_options: ...

`Settings.__post_init__` checks every declared key, then calls `check()`. A broken rule raises
ValueError("key 'max_options' must be between 2 and 50"), which `core.schema.validate` turns into a
ConfigError naming the file and the table. Durations and clock ranges are read back with
`span(name)` / `spans(name)` / `hours(name)` using the same rule, so a key is parsed one way only.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any

from core.errors import UsageError
from core.timeparse import parse_clock_range, parse_duration

RULE = "practica.rule"
"""The key of a dataclass field's metadata that holds its Rule."""


class Rule:
    """What one key's value must be. `check` raises ValueError naming the key."""

    def check(self, key: str, value: Any) -> None:
        raise NotImplementedError


def _why(why: str) -> str:
    return f" ({why})" if why else ""


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


@dataclass(frozen=True, slots=True)
class Between(Rule):
    """A number from `low` to `high`, both included."""

    low: float
    high: float
    why: str = ""

    def check(self, key: str, value: Any) -> None:
        if not self.low <= value <= self.high:
            raise ValueError(f"key {key!r} must be between {_number(self.low)} and {_number(self.high)}{_why(self.why)}")


@dataclass(frozen=True, slots=True)
class AtLeast(Rule):
    """A number of `low` or more; `zero` says what 0 means when `low` is 0 ("off", "no cap")."""

    low: float
    zero: str = ""

    def check(self, key: str, value: Any) -> None:
        if value < self.low:
            raise ValueError(f"key {key!r} must be {_number(self.low)}{_why(self.zero)} or more")


@dataclass(frozen=True, slots=True)
class Above(Rule):
    """A number strictly above `low` (a length of time that must not be zero)."""

    low: float = 0

    def check(self, key: str, value: Any) -> None:
        if value <= self.low:
            raise ValueError(f"key {key!r} must be more than {_number(self.low)}")


@dataclass(frozen=True, slots=True)
class NonEmpty(Rule):
    """A text with something other than spaces; for a list, every item."""

    def check(self, key: str, value: Any) -> None:
        if isinstance(value, tuple):
            if any(not str(item).strip() for item in value):
                raise ValueError(f"key {key!r} must not contain empty items")
        elif not str(value).strip():
            raise ValueError(f"key {key!r} must not be empty")


@dataclass(frozen=True, slots=True)
class DurationText(Rule):
    """A duration as members write it ("30m", "1h30", "2 semaines"); one of `off` means none."""

    minimum: timedelta = timedelta(minutes=1)
    maximum: timedelta = timedelta(days=366)
    off: tuple[str, ...] = ()

    def check(self, key: str, value: Any) -> None:
        for item in value if isinstance(value, tuple) else (value,):
            self.read(key, item)

    def read(self, key: str, text: str) -> timedelta | None:
        """The duration `text` names (None when it is one of the `off` words)."""
        if text.strip().lower() in self.off:
            return None
        try:
            return parse_duration(text, minimum=self.minimum, maximum=self.maximum)
        except UsageError as exc:
            raise ValueError(f"key {key!r}: {exc}") from None


@dataclass(frozen=True, slots=True)
class ClockRangeText(Rule):
    """Daily hours such as "22:00-06:00"; an empty text means none."""

    def check(self, key: str, value: Any) -> None:
        self.read(key, value)

    def read(self, key: str, text: str) -> tuple[time, time] | None:
        if not text.strip():
            return None
        try:
            return parse_clock_range(text)
        except UsageError as exc:
            raise ValueError(f"key {key!r}: {exc}") from None


def between(low: float, high: float, *, why: str = "") -> Between:
    """A number from `low` to `high`; `why` is shown after the bounds ("one week")."""
    return Between(low, high, why)


def at_least(low: float, *, zero: str = "") -> AtLeast:
    """A number of `low` or more; `zero` says what 0 means ("off", "no cap")."""
    return AtLeast(low, zero)


def above(low: float = 0) -> Above:
    """A number strictly above `low`."""
    return Above(low)


def non_empty() -> NonEmpty:
    """A text (or every text of a list) that is not empty."""
    return NonEmpty()


def duration_text(*, minimum: timedelta = timedelta(minutes=1), maximum: timedelta = timedelta(days=366),
                  off: tuple[str, ...] = ()) -> DurationText:
    """A duration text within [minimum, maximum]; the words in `off` (e.g. `("", "off")`) mean none."""
    return DurationText(minimum, maximum, off)


def clock_range_text() -> ClockRangeText:
    """Daily hours ("22:00-06:00", "22h-6h"); "" means none."""
    return ClockRangeText()


def setting(default: Any = dataclasses.MISSING, *rules: Rule, default_factory: Any = dataclasses.MISSING) -> Any:
    """A settings key with its default and the rules its value must follow."""
    metadata = {RULE: rules}
    if default_factory is not dataclasses.MISSING:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


class Settings:
    """Base class of a settings dataclass: checks the rules its keys declare with `setting(...)`."""

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            for rule in f.metadata.get(RULE, ()):
                rule.check(f.name, getattr(self, f.name))
        self.check()

    def check(self) -> None:
        """Checks that involve several keys or a plugin's own syntax; raise ValueError naming the key."""

    def _rule(self, name: str, kind: type[Any]) -> Any:
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            if f.name == name:
                for rule in f.metadata.get(RULE, ()):
                    if isinstance(rule, kind):
                        return rule
        raise KeyError(f"{type(self).__name__}.{name} has no {kind.__name__} rule")

    def span(self, name: str) -> timedelta | None:
        """The duration key `name` names (None when switched off), read by its own rule."""
        return self._rule(name, DurationText).read(name, getattr(self, name))  # type: ignore[no-any-return]

    def spans(self, name: str) -> tuple[timedelta, ...]:
        """The durations of the list key `name`, largest first, without repeats."""
        rule: DurationText = self._rule(name, DurationText)
        found = {rule.read(name, text) for text in getattr(self, name)}
        return tuple(sorted((span for span in found if span is not None), reverse=True))

    def hours(self, name: str) -> tuple[time, time] | None:
        """The (start, end) of the clock range key `name` (None when empty)."""
        return self._rule(name, ClockRangeText).read(name, getattr(self, name))  # type: ignore[no-any-return]
