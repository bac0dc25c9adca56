"""Repeating times members type: "every monday 08:00", "tous les vendredis 17h", "every 2 weeks on friday".

The phrase becomes an RRULE (`Recurrence`); its occurrences are core.recurrence's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from core.recurrence import next_occurrence
from core.timeparse.clock import extract_clock, strip_edges
from core.timeparse.errors import TimeParseError, quote
from core.timeparse.moments import DEFAULT_TIME_OF_DAY, resolve
from core.timeparse.words import normalize, weekday_names
from core.timeparse.zone import local_now


_END_OF_DAY = time(23, 59, 59)
_RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True, slots=True)
class Recurrence:
    """A repeating time read from a phrase such as "every monday 08:00 until 2027-03-01".

    Attributes:
        rrule: RFC 5545 RRULE value without DTSTART, in floating local time of `tz`
            (e.g. "FREQ=WEEKLY;BYDAY=MO;BYHOUR=8;BYMINUTE=0;BYSECOND=0;UNTIL=20270301T235959";
            UNTIL, when present, is local wall-clock time, as RFC 5545 requires for floating rules).
        tz: IANA name of the time zone the rule is evaluated in (e.g. "Europe/Paris").
        first: the first occurrence strictly after the `now` given to `parse_recurrence`, aware UTC.
            It is the rule's anchor (DTSTART): pass it as `anchor=` to `occurrences` and
            `next_occurrence` so that "every 2 weeks" keeps its weeks.
        until: the last moment an occurrence may happen, aware UTC (end of the local day when the
            phrase gave only a date), or None when the recurrence never ends.
    """

    rrule: str
    tz: str
    first: datetime
    until: datetime | None


_EVERY = {"en": r"every|each", "fr": r"chaque|tous les|toutes les"}
_UNTIL = re.compile(r"\s+(?:until|till|up to|jusqu'?\s?(?:au|a|en)|jusque)\s+(?P<until>.+)$")
_SPAN = re.compile(
    r"(?:(?P<n>\d+|other)\s+)?(?P<unit>days?|jours?|weeks?|semaines?)(?:\s+(?:on|le|les)?\s*(?P<days>.+))?"
)
_WORKDAYS = re.compile(r"weekdays?|working days?|jours? ouvr(?:e|able)s?|jours? de (?:la )?semaine|en semaine")


def _byday(text: str, names: dict[str, int]) -> list[int] | None:
    words = [w for w in re.split(r"\s*(?:,|&|\band\b|\bet\b|\s)\s*", text) if w]
    if not words or any(w not in names for w in words):
        return None
    return sorted({names[w] for w in words})


def parse_recurrence(text: str, *, now: datetime, tz: ZoneInfo) -> Recurrence | None:
    """Read a repeating time such as "every monday 08:00", "tous les vendredis 17h", "every day 7:30".

    Understood: "every/each" or "chaque/tous les/toutes les", then "day"/"jour", "weekday"/"jours
    ouvrés", one or more weekdays ("monday and thursday", "lundis"), or "N days/weeks" ("every 2 weeks
    on friday", "toutes les 2 semaines le vendredi", "every other week"); then an optional time
    (default `DEFAULT_TIME_OF_DAY`) and an optional end ("until 2027-03-01", "jusqu'au 1er mars"; a
    date alone means the end of that local day). "every week" repeats on today's weekday.

    Args:
        text: what the member typed.
        now: the current moment (aware); the first occurrence is strictly after it.
        tz: the community's time zone.

    Returns:
        The recurrence, or None when the text does not start like a recurrence ("every", "chaque"...).

    Raises:
        UsageError: the text starts like a recurrence but cannot be read, or it ends before it starts.
        ValueError: `now` is naive.
    """
    folded = normalize(text)
    start = re.match(rf"^(?:{'|'.join(_EVERY.values())})\s+(?P<body>.+)$", folded)
    if not start:
        return None
    body = start.group("body")
    until: datetime | None = None
    until_match = _UNTIL.search(body)
    if until_match:
        until = resolve(until_match.group("until"), now=now, tz=tz, languages=("en", "fr"), default=_END_OF_DAY)
        body = body[: until_match.start()]
    clock, body = extract_clock(body)
    clock = clock or DEFAULT_TIME_OF_DAY
    body = strip_edges(body)
    names = weekday_names(("en", "fr"), plural=True)
    interval, freq = 1, "WEEKLY"
    days: list[int] | None = None
    span = _SPAN.fullmatch(body)
    if span:
        interval = 2 if span.group("n") == "other" else int(span.group("n") or 1)
        if span.group("unit").startswith(("d", "j")):
            freq, days = "DAILY", [] if span.group("days") is None else None
        else:
            days = _byday(span.group("days"), names) if span.group("days") else [local_now(now, tz).weekday()]
    elif _WORKDAYS.fullmatch(body):
        days = [0, 1, 2, 3, 4]
    else:
        days = _byday(body, names)
    if days is None or interval < 1:
        raise TimeParseError("time.recurrence_unreadable", text=quote(text))
    fields = [f"FREQ={freq}"] + ([f"INTERVAL={interval}"] if interval > 1 else [])
    if days:
        fields.append("BYDAY=" + ",".join(_RRULE_DAYS[d] for d in days))
    fields += [f"BYHOUR={clock.hour}", f"BYMINUTE={clock.minute}", "BYSECOND=0"]
    if until is not None:
        fields.append("UNTIL=" + until.astimezone(tz).strftime("%Y%m%dT%H%M%S"))
    rule = ";".join(fields)
    # The first matching day after now starts the rule, so "every 2 weeks on friday" begins this friday.
    first = next_occurrence(rule.replace(f";INTERVAL={interval}", ""), tz, now)
    if first is None:
        raise TimeParseError("time.recurrence_ends_early", text=quote(text))
    return Recurrence(rrule=rule, tz=tz.key, first=first, until=until)
