"""The error every parser here raises, and the wording of what members typed inside it.

`TimeParseError` carries a message key of core's catalogs (`time.*`, English and French) and its
parameters, so the answer is one plain sentence in the reader's language that says which format works.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core.errors import UsageError
from core.i18n import core_english


class TimeParseError(UsageError):
    """A text that does not read as the time asked for.

    `key` names the message in core's catalogs (`time.*`, in every language core speaks) and `params`
    fill it in (durations as timedeltas), so a caller can show the hint in the reader's language:
    `ctx.t(error.key, **error.params)`; a command that lets it through does that by itself.
    `str(error)` is the English sentence.
    """

    def __init__(self, key: str, /, **params: Any) -> None:
        english = {name: describe(value) if isinstance(value, timedelta) else value for name, value in params.items()}
        super().__init__(core_english(key, **english))
        self.key = key
        self.params = params


class TimeInPast(TimeParseError):
    """The text reads as a moment that is already past (so callers can word their own answer)."""


def quote(text: str) -> str:
    text = " ".join(text.split())
    return f"'{text[:40]}...'" if len(text) > 43 else f"'{text}'"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def describe(span: timedelta) -> str:
    """A duration in words: "366 days", "2 weeks", "1 hour and 30 minutes"."""
    secs = round(span.total_seconds())
    if secs and secs % 604800 == 0:
        return plural(secs // 604800, "week")
    parts = []
    for word, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        if secs >= size:
            parts.append(plural(secs // size, word))
            secs %= size
    if not parts:
        return "0 seconds"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
