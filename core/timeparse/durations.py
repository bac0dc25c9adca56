"""Durations members type: "30m", "1h30", "2 semaines", "an hour and 10 minutes"."""

from __future__ import annotations

import re
from datetime import timedelta

from core.timeparse.errors import TimeParseError, quote
from core.timeparse.words import normalize


_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "mo": 30 * 86400, "y": 365 * 86400}
_UNIT_WORDS = {
    "s": "s sec secs second seconds seconde secondes",
    "m": "m min mins minute minutes mn",
    "h": "h hr hrs hour hours heure heures",
    "d": "d day days j jour jours",
    "w": "w wk wks week weeks sem semaine semaines",
    "mo": "mo month months mois",
    "y": "y yr yrs year years an ans annee annees",
}
_UNITS = {word: unit for unit, words in _UNIT_WORDS.items() for word in words.split()}
_DURATION_PART = re.compile(
    r"\s*(?:(?P<num>\d+(?:[.,]\d+)?)\s*|(?P<word>an?|one|une?)\s+)(?P<unit>[a-z]+)?\s*(?:,|\+|\band\b|\bet\b)?"
)


def duration_parts(folded: str, original: str) -> dict[str, float]:
    """Split "1h30m", "2 semaines", "an hour and 10 minutes" into {unit: amount}; {} if not a duration."""
    if re.match(r"^-|.*(?:^|\s)-\s*\d", folded):
        raise TimeParseError("time.duration_not_positive", text=quote(original))
    parts: list[tuple[float, str | None]] = []
    pos = 0
    while pos < len(folded):
        match = _DURATION_PART.match(folded, pos)
        if not match or match.end() == pos:
            return {}
        amount = float(match.group("num").replace(",", ".")) if match.group("num") else 1.0
        unit = match.group("unit")
        if unit is not None and unit not in _UNITS:
            return {}
        parts.append((amount, _UNITS[unit] if unit else None))
        pos = match.end()
    if parts and parts[-1][1] is None:  # "1h30" -> 30 minutes, "2m30" -> 30 seconds
        follows = {"h": "m", "m": "s"}.get(parts[-2][1] or "") if len(parts) > 1 else None
        if follows is None:
            raise TimeParseError("time.duration_unit", text=quote(original))
        parts[-1] = (parts[-1][0], follows)
    result: dict[str, float] = {}
    for amount, unit in parts:
        if unit is None:
            return {}
        result[unit] = result.get(unit, 0.0) + amount
    return result


def seconds_of(parts: dict[str, float]) -> float:
    return sum(_UNIT_SECONDS[unit] * amount for unit, amount in parts.items())


def parse_duration(
    text: str, *, minimum: timedelta = timedelta(seconds=1), maximum: timedelta = timedelta(days=366)
) -> timedelta:
    """Read a duration such as "30m", "1h30m", "90 min", "2 hours", "3 days", "2 semaines", "1 jour".

    Units: s, m/min, h/hours/heures, d/days/jours, w/weeks/semaines, mo/months/mois (30 days),
    y/years/ans (365 days). Parts can be combined ("1h30m", "1 hour and 30 minutes", "1h30").

    Args:
        text: what the member typed.
        minimum: the shortest duration accepted (inclusive).
        maximum: the longest duration accepted (inclusive).

    Returns:
        The duration.

    Raises:
        UsageError: the text is empty, not a duration, not positive, or outside [minimum, maximum].
    """
    folded = normalize(text)
    if not folded:
        raise TimeParseError("time.duration_missing")
    parts = duration_parts(folded, text)
    if not parts:
        raise TimeParseError("time.duration_unreadable", text=quote(text))
    seconds = seconds_of(parts)
    if seconds <= 0:
        raise TimeParseError("time.duration_not_positive", text=quote(text))
    if seconds > maximum.total_seconds():
        raise TimeParseError("time.duration_too_long", text=quote(text), maximum=maximum)
    span = timedelta(seconds=seconds)
    if span < minimum:
        raise TimeParseError("time.duration_too_short", text=quote(text), minimum=minimum)
    return span
