"""Recurrence for the scheduler: the occurrences of an RFC 5545 rule in a community's wall clock.

Pure functions (callers pass the moment). A rule is evaluated in the wall-clock time of its time zone
(a floating rule), so "BYHOUR=8" stays 08:00 local across DST changes; the moments returned are aware
UTC. Members' phrases ("every monday 08:00") are read into rules by core.timeparse.parse_recurrence.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulebase, rrulestr

__all__ = ["next_occurrence", "occurrences"]


def _local(moment: datetime, tz: ZoneInfo) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("`after` must be an aware datetime")
    return moment.astimezone(tz).replace(tzinfo=None)


def _to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    """Naive wall-clock time in `tz` -> aware UTC (gap times move forward, repeated ones take the first)."""
    return local.replace(tzinfo=tz, fold=0).astimezone(timezone.utc)


def _rule(rule: str, tz: ZoneInfo, start: datetime) -> rrulebase:
    local_start = start.astimezone(tz).replace(tzinfo=None, microsecond=0)
    try:
        return rrulestr(rule, dtstart=local_start, ignoretz=True)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not a valid RRULE: {rule!r} ({exc})") from exc


def occurrences(
    rule: str, tz: ZoneInfo, after: datetime, count: int, *, anchor: datetime | None = None
) -> list[datetime]:
    """The next `count` occurrences of an RRULE strictly after `after`.

    The rule is evaluated in the wall-clock time of `tz` (a floating RFC 5545 rule), so
    "BYHOUR=8" stays 08:00 local across DST changes; UNTIL is read as local wall-clock time.

    Args:
        rule: an RRULE value ("FREQ=WEEKLY;BYDAY=MO;BYHOUR=8;BYMINUTE=0;BYSECOND=0"), optionally
            preceded by a "DTSTART:..." line (which then wins over `anchor`).
        tz: the time zone whose wall clock the rule follows.
        after: only occurrences strictly after this aware moment are returned.
        count: how many occurrences to return at most.
        anchor: the rule's first occurrence (DTSTART, e.g. `Recurrence.first`). It sets the phase of
            INTERVAL > 1 ("every 2 weeks") and where COUNT starts; it defaults to `after`, which is
            right only for rules whose INTERVAL is 1 and that have no COUNT.

    Returns:
        Aware UTC datetimes in increasing order (fewer than `count` when the rule ends).

    Raises:
        ValueError: the rule is not a valid RRULE, `count` is negative or `after` is naive.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    after_local = _local(after, tz)
    rules = _rule(rule, tz, anchor or after)
    found: list[datetime] = []
    # Start three hours early: a wall time in a DST gap maps forward and may still be after `after`.
    for local in rules.xafter(after_local - timedelta(hours=3), inc=False):
        if len(found) >= count:
            break
        moment = _to_utc(local, tz)
        if moment > after and moment not in found:
            found.append(moment)
    return sorted(found)


def next_occurrence(rule: str, tz: ZoneInfo, after: datetime, *, anchor: datetime | None = None) -> datetime | None:
    """The first occurrence of an RRULE strictly after `after`, or None when the rule has ended.

    See `occurrences` for how the rule, `tz` and `anchor` are read.

    Returns:
        An aware UTC datetime, or None.
    """
    found = occurrences(rule, tz, after, 1, anchor=anchor)
    return found[0] if found else None
