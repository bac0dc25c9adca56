"""Times of day: "18:00", "9h30", "5pm", "midi", and daily ranges such as quiet hours ("22h-6h")."""

from __future__ import annotations

import re
from datetime import time

from core.timeparse.errors import TimeParseError, quote
from core.timeparse.words import normalize


_NOT_BEFORE = r"(?<![\w:/.-])"
TIME_PATTERNS = (
    ("ampm", re.compile(_NOT_BEFORE + r"(\d{1,2})(?:[:h](\d{2}))?\s*([ap])\.?m\.?(?!\w)")),
    ("hm", re.compile(_NOT_BEFORE + r"(\d{1,2})\s*[:h]\s*(\d{2})(?!\d)")),
    ("h", re.compile(_NOT_BEFORE + r"(\d{1,2})\s*h(?!\w)")),
    ("named", re.compile(r"(?<!\w)(noon|midday|midi|midnight|minuit)(?!\w)")),
    ("at", re.compile(r"(?<!\w)(?:at|a|@)\s*(\d{1,2})(?![\w:/.-])")),
)
_NAMED_TIMES = {"noon": time(12), "midday": time(12), "midi": time(12), "midnight": time(0), "minuit": time(0)}
_EDGE_WORDS = re.compile(r"^(?:at|a|@|,|vers|on)\s+|\s*(?:\bat|\ba|@|,|\bvers|\bon|\ble)$")


def _make_clock(hour: int, minute: int, source: str, meridiem: str | None = None) -> time:
    if meridiem is not None:
        if not 1 <= hour <= 12:
            raise TimeParseError("time.not_clock", text=quote(source))
        hour = hour % 12 + (12 if meridiem == "p" else 0)
    if hour > 23 or minute > 59:
        raise TimeParseError("time.not_clock", text=quote(source))
    return time(hour, minute)


def clock_from(kind: str, match: re.Match[str]) -> time:
    source = match.group(0).strip()
    if kind == "named":
        return _NAMED_TIMES[match.group(1)]
    if kind == "ampm":
        return _make_clock(int(match.group(1)), int(match.group(2) or 0), source, match.group(3))
    if kind == "hm":
        return _make_clock(int(match.group(1)), int(match.group(2)), source)
    return _make_clock(int(match.group(1)), 0, source)


def strip_edges(text: str) -> str:
    previous = None
    while previous != text:
        previous, text = text, _EDGE_WORDS.sub("", text).strip()
    return text


def extract_clock(text: str) -> tuple[time | None, str]:
    """Find one time of day in folded text; return it and the rest of the text."""
    for kind, pattern in TIME_PATTERNS:
        match = pattern.search(text)
        if match:
            clock = clock_from(kind, match)
            rest = strip_edges(" ".join((text[: match.start()] + " " + text[match.end():]).split()))
            if any(p.search(rest) for k, p in TIME_PATTERNS if k != "at"):
                raise TimeParseError("time.several_clocks", text=quote(text))
            return clock, rest
    return None, text


BARE_HOURS = re.compile(r"^\d{1,2}\s*h(?:\s*\d{2})?$")
_CLOCK_LANGUAGES = frozenset({"fr"})  # where "17h" is written for 17:00 (and "17 h 30" for 17:30)


def reads_as_time_of_day(text: str, language: str) -> bool:
    """Whether a bare "17h" / "9h30" (no day, no "in"/"dans") is a time of day for readers of `language`.

    French writes times of day as "17h" or "17 h 30", so there it is 17:00 and a duration needs a word
    ("dans 17h", "17 heures"). English reads "17h" as 17 hours and writes times as "17:00" or "5pm".
    Places that accept both a duration and a moment ("closes: ...") ask this first; with a day
    ("friday 17h") the text is a moment in every language.
    """
    base = (language or "en").replace("-", "_").split("_", 1)[0].lower()
    return base in _CLOCK_LANGUAGES and bool(BARE_HOURS.match(normalize(text)))


def _clock_alone(text: str) -> time | None:
    for kind, pattern in (*TIME_PATTERNS[:4], ("h", re.compile(r"(\d{1,2})"))):
        match = pattern.fullmatch(text)
        if match:
            return clock_from(kind, match)
    return None


def parse_clock_range(text: str) -> tuple[time, time]:
    """Read a daily time range such as quiet hours: "22:00-06:00", "22h-6h", "10pm to 6am", "de 22h à 6h".

    The range may wrap midnight (start later than end).

    Args:
        text: what the member typed.

    Returns:
        (start, end) local times of day.

    Raises:
        UsageError: the text is not two times of day, or both are the same.
    """
    folded = normalize(text)
    match = re.fullmatch(r"(?:from\s+|de\s+)?(?P<a>.+?)\s*(?:-|\bto\b|\buntil\b|\ba\b)\s*(?P<b>.+)", folded)
    start = _clock_alone(match.group("a")) if match else None
    end = _clock_alone(match.group("b")) if match else None
    if start is None or end is None:
        raise TimeParseError("time.range_unreadable", text=quote(text))
    if start == end:
        raise TimeParseError("time.range_empty", text=quote(text))
    return start, end
