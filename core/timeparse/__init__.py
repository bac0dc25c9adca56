"""Turn times that members and trainers type into datetimes, durations and recurrence rules.

Pure functions: no I/O, no global state, no clock reads (callers pass `now`). English and French are
understood. Every datetime returned is aware and in UTC; wall-clock arithmetic ("tomorrow 9h",
"every monday 08:00") happens in the community's time zone, so it stays right across DST changes.
A wall-clock time skipped by a DST change (02:30 on the last Sunday of March in Paris) moves forward
by the gap (03:30); a repeated one (02:30 in late October) means its first occurrence.

Bad input raises `TimeParseError` (a UsageError) carrying a message key of core's catalogs (`time.*`,
English and French) and its parameters: one plain sentence that says which format works. The
recurrence of scheduled jobs (RRULE occurrences) is core.recurrence; `parse_recurrence` reads a
member's phrase into such a rule.

One module per job: `durations` ("1h30"), `clock` (times of day, daily ranges), `moments` (days and
moments; dateparser, imported lazily, only for phrases the local rules don't cover), `recurring`
("every monday 08:00"), `zone` (local wall-clock <-> UTC), `words` (shared vocabulary), `errors`.
Import the public names from here.
"""

from __future__ import annotations

from core.timeparse.clock import parse_clock_range, reads_as_time_of_day
from core.timeparse.durations import parse_duration
from core.timeparse.errors import TimeInPast, TimeParseError
from core.timeparse.moments import DEFAULT_TIME_OF_DAY, parse_moment, parse_when
from core.timeparse.recurring import Recurrence, parse_recurrence

__all__ = [
    "DEFAULT_TIME_OF_DAY",
    "Recurrence",
    "TimeInPast",
    "TimeParseError",
    "parse_clock_range",
    "parse_duration",
    "parse_moment",
    "parse_recurrence",
    "parse_when",
    "reads_as_time_of_day",
]
