"""Local-zone handling: wall-clock arithmetic happens in the community's time zone, results are UTC.

A wall-clock time skipped by a DST change (02:30 on the last Sunday of March in Paris) moves forward
by the gap (03:30); a repeated one (02:30 in late October) means its first occurrence.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo


UTC = timezone.utc


def to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    """Naive wall-clock time in `tz` -> aware UTC (gap times move forward, repeated ones take the first)."""
    return local.replace(tzinfo=tz, fold=0).astimezone(UTC)


def local_now(now: datetime, tz: ZoneInfo) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("`now` must be an aware datetime")
    return now.astimezone(tz).replace(tzinfo=None)
