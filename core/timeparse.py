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
dateparser is imported lazily (it is slow to import) and only for phrases the local rules don't cover.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta, weekday as rd_weekday

from core.errors import UsageError
from core.i18n import core_english
from core.recurrence import next_occurrence
from core.text import fold

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


class TimeParseError(UsageError):
    """A text that does not read as the time asked for.

    `key` names the message in core's catalogs (`time.*`, in every language core speaks) and `params`
    fill it in (durations as timedeltas), so a caller can show the hint in the reader's language:
    `ctx.t(error.key, **error.params)`; a command that lets it through does that by itself.
    `str(error)` is the English sentence.
    """

    def __init__(self, key: str, /, **params: Any) -> None:
        english = {name: _describe(value) if isinstance(value, timedelta) else value for name, value in params.items()}
        super().__init__(core_english(key, **english))
        self.key = key
        self.params = params


class TimeInPast(TimeParseError):
    """The text reads as a moment that is already past (so callers can word their own answer)."""


DEFAULT_TIME_OF_DAY = time(9, 0)
"""Local time used when a member names a day without a time ("friday", "2027-01-05", "every day")."""

_UTC = timezone.utc
_END_OF_DAY = time(23, 59, 59)
_RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

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

_WEEKDAY_WORDS = {
    "en": ("monday mon", "tuesday tue tues", "wednesday wed", "thursday thu thur thurs", "friday fri",
           "saturday sat", "sunday sun"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
}
_DAY_WORDS = {
    "en": {"today": 0, "tomorrow": 1, "tmrw": 1, "day after tomorrow": 2, "the day after tomorrow": 2},
    "fr": {"aujourd'hui": 0, "aujourdhui": 0, "demain": 1, "apres-demain": 2, "apres demain": 2},
}
_NEXT_WORDS = {"en": ("next",), "fr": ("prochain", "qui vient")}
_THIS_WORDS = {"en": ("this", "coming", "on"), "fr": ("ce", "le")}

_NOT_BEFORE = r"(?<![\w:/.-])"
_TIME_PATTERNS = (
    ("ampm", re.compile(_NOT_BEFORE + r"(\d{1,2})(?:[:h](\d{2}))?\s*([ap])\.?m\.?(?!\w)")),
    ("hm", re.compile(_NOT_BEFORE + r"(\d{1,2})\s*[:h]\s*(\d{2})(?!\d)")),
    ("h", re.compile(_NOT_BEFORE + r"(\d{1,2})\s*h(?!\w)")),
    ("named", re.compile(r"(?<!\w)(noon|midday|midi|midnight|minuit)(?!\w)")),
    ("at", re.compile(r"(?<!\w)(?:at|a|@)\s*(\d{1,2})(?![\w:/.-])")),
)
_NAMED_TIMES = {"noon": time(12), "midday": time(12), "midi": time(12), "midnight": time(0), "minuit": time(0)}
_EDGE_WORDS = re.compile(r"^(?:at|a|@|,|vers|on)\s+|\s*(?:\bat|\ba|@|,|\bvers|\bon|\ble)$")


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


# ---------------------------------------------------------------------------------------------- helpers


def _fold(text: str) -> str:
    """Lowercase, strip accents, straighten apostrophes and collapse spaces."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u2013", "-").replace("\u2014", "-")
    return " ".join(fold(text).split())


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return f"'{text[:40]}...'" if len(text) > 43 else f"'{text}'"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _describe(span: timedelta) -> str:
    """A duration in words: "366 days", "2 weeks", "1 hour and 30 minutes"."""
    secs = round(span.total_seconds())
    if secs and secs % 604800 == 0:
        return _plural(secs // 604800, "week")
    parts = []
    for word, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        if secs >= size:
            parts.append(_plural(secs // size, word))
            secs %= size
    if not parts:
        return "0 seconds"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    """Naive wall-clock time in `tz` -> aware UTC (gap times move forward, repeated ones take the first)."""
    return local.replace(tzinfo=tz, fold=0).astimezone(_UTC)


def _local_now(now: datetime, tz: ZoneInfo) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("`now` must be an aware datetime")
    return now.astimezone(tz).replace(tzinfo=None)


def _make_clock(hour: int, minute: int, source: str, meridiem: str | None = None) -> time:
    if meridiem is not None:
        if not 1 <= hour <= 12:
            raise TimeParseError("time.not_clock", text=_quote(source))
        hour = hour % 12 + (12 if meridiem == "p" else 0)
    if hour > 23 or minute > 59:
        raise TimeParseError("time.not_clock", text=_quote(source))
    return time(hour, minute)


def _clock_from(kind: str, match: re.Match[str]) -> time:
    source = match.group(0).strip()
    if kind == "named":
        return _NAMED_TIMES[match.group(1)]
    if kind == "ampm":
        return _make_clock(int(match.group(1)), int(match.group(2) or 0), source, match.group(3))
    if kind == "hm":
        return _make_clock(int(match.group(1)), int(match.group(2)), source)
    return _make_clock(int(match.group(1)), 0, source)


def _strip_edges(text: str) -> str:
    previous = None
    while previous != text:
        previous, text = text, _EDGE_WORDS.sub("", text).strip()
    return text


def _extract_clock(text: str) -> tuple[time | None, str]:
    """Find one time of day in folded text; return it and the rest of the text."""
    for kind, pattern in _TIME_PATTERNS:
        match = pattern.search(text)
        if match:
            clock = _clock_from(kind, match)
            rest = _strip_edges(" ".join((text[: match.start()] + " " + text[match.end():]).split()))
            if any(p.search(rest) for k, p in _TIME_PATTERNS if k != "at"):
                raise TimeParseError("time.several_clocks", text=_quote(text))
            return clock, rest
    return None, text


def _duration_parts(folded: str, original: str) -> dict[str, float]:
    """Split "1h30m", "2 semaines", "an hour and 10 minutes" into {unit: amount}; {} if not a duration."""
    if re.match(r"^-|.*(?:^|\s)-\s*\d", folded):
        raise TimeParseError("time.duration_not_positive", text=_quote(original))
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
            raise TimeParseError("time.duration_unit", text=_quote(original))
        parts[-1] = (parts[-1][0], follows)
    result: dict[str, float] = {}
    for amount, unit in parts:
        if unit is None:
            return {}
        result[unit] = result.get(unit, 0.0) + amount
    return result


def _seconds(parts: dict[str, float]) -> float:
    return sum(_UNIT_SECONDS[unit] * amount for unit, amount in parts.items())


# ---------------------------------------------------------------------------------------------- durations


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
    folded = _fold(text)
    if not folded:
        raise TimeParseError("time.duration_missing")
    parts = _duration_parts(folded, text)
    if not parts:
        raise TimeParseError("time.duration_unreadable", text=_quote(text))
    seconds = _seconds(parts)
    if seconds <= 0:
        raise TimeParseError("time.duration_not_positive", text=_quote(text))
    if seconds > maximum.total_seconds():
        raise TimeParseError("time.duration_too_long", text=_quote(text), maximum=maximum)
    span = timedelta(seconds=seconds)
    if span < minimum:
        raise TimeParseError("time.duration_too_short", text=_quote(text), minimum=minimum)
    return span


# ---------------------------------------------------------------------------------------------- moments

_BARE_HOURS = re.compile(r"^\d{1,2}\s*h(?:\s*\d{2})?$")
_CLOCK_LANGUAGES = frozenset({"fr"})  # where "17h" is written for 17:00 (and "17 h 30" for 17:30)


def reads_as_time_of_day(text: str, language: str) -> bool:
    """Whether a bare "17h" / "9h30" (no day, no "in"/"dans") is a time of day for readers of `language`.

    French writes times of day as "17h" or "17 h 30", so there it is 17:00 and a duration needs a word
    ("dans 17h", "17 heures"). English reads "17h" as 17 hours and writes times as "17:00" or "5pm".
    Places that accept both a duration and a moment ("closes: ...") ask this first; with a day
    ("friday 17h") the text is a moment in every language.
    """
    base = (language or "en").replace("-", "_").split("_", 1)[0].lower()
    return base in _CLOCK_LANGUAGES and bool(_BARE_HOURS.match(_fold(text)))



def _weekday_names(languages: Iterable[str], plural: bool = False) -> dict[str, int]:
    names: dict[str, int] = {}
    for lang in languages:
        for index, words in enumerate(_WEEKDAY_WORDS.get(lang, ())):
            for word in words.split():
                names[word] = index
                if plural and len(word) > 4:
                    names[word + "s"] = index
    return names


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _dateparser(text: str, now_local: datetime, tz: ZoneInfo, languages: Sequence[str]) -> datetime | None:
    """Ask dateparser; return a naive local wall-clock datetime or None."""
    import dateparser  # noqa: PLC0415 - slow import, only when needed

    settings = {
        "RELATIVE_BASE": now_local,
        "PREFER_DATES_FROM": "future",
        "PREFER_DAY_OF_MONTH": "first",
        "DATE_ORDER": "DMY",
        "TIMEZONE": tz.key or "UTC",
        "RETURN_AS_TIMEZONE_AWARE": True,
    }
    try:
        found: datetime | None = dateparser.parse(text, languages=list(languages), settings=settings)
    except (ValueError, OverflowError, TypeError):
        return None
    if found is None:
        return None
    return found.astimezone(tz).replace(tzinfo=None) if found.tzinfo else found


def _relative(rest: str, text: str, now: datetime, now_local: datetime, tz: ZoneInfo) -> datetime | None:
    """ "3 days", "2 heures", "3 jours a 9h" after "in"/"dans": days count on the calendar, hours elapse."""
    clock, span_text = None, rest
    parts = _duration_parts(rest, text)
    if not parts:
        clock, span_text = _extract_clock(rest)
        parts = _duration_parts(span_text, text) if clock else {}
    if not parts:
        return None
    if _seconds(parts) <= 0:
        raise TimeInPast("time.relative_past", text=_quote(text))
    calendar = {u: parts.pop(u, 0.0) for u in ("y", "mo", "w", "d")}
    if any(v != int(v) for v in calendar.values()):
        parts.update({u: v for u, v in calendar.items() if v})
        calendar = {}
    elapsed = timedelta(seconds=_seconds(parts))
    if clock is not None and elapsed:
        raise TimeParseError("time.relative_mixed", text=_quote(text))
    shift = relativedelta(years=int(calendar.get("y", 0)), months=int(calendar.get("mo", 0)),
                          weeks=int(calendar.get("w", 0)), days=int(calendar.get("d", 0)))
    day = now_local + shift
    if clock is not None:
        return _to_utc(datetime.combine(day.date(), clock), tz)
    return _to_utc(day, tz) + elapsed if shift else now + elapsed


def _resolve(text: str, *, now: datetime, tz: ZoneInfo, languages: Sequence[str], default: time) -> datetime:
    """The moment `text` names, aware UTC; `default` is the time of day for a bare date."""
    now_local = _local_now(now, tz)
    folded = _fold(text)
    if not folded:
        raise TimeParseError("time.when_missing")
    relative = re.match(r"^(?:in|dans)\s+(.+)$", folded)
    if relative:
        try:
            moment = _relative(relative.group(1), text, now, now_local, tz)
        except (OverflowError, ValueError) as exc:
            raise TimeParseError("time.when_too_far", text=_quote(text)) from exc
        if moment is not None:
            return moment
    clock, rest = _extract_clock(folded)
    today = now_local.date()

    def at(day: date) -> datetime:
        return _to_utc(datetime.combine(day, clock or default), tz)

    if not rest:
        if clock is None:
            raise TimeParseError("time.when_unreadable", text=_quote(text))
        return at(today) if at(today) > now else at(today + timedelta(days=1))
    day_words = {w: n for lang in languages for w, n in _DAY_WORDS.get(lang, {}).items()}
    if rest in day_words:
        return at(today + timedelta(days=day_words[rest]))
    names = _weekday_names(languages)
    nexts = [w for lang in languages for w in _NEXT_WORDS.get(lang, ())]
    these = [w for lang in languages for w in _THIS_WORDS.get(lang, ())]
    weekday = re.fullmatch(
        rf"(?:(?P<pre>{_alternation(nexts + these)})\s+)?(?P<day>{_alternation(names)})"
        rf"(?:\s+(?P<post>{_alternation(nexts)}))?",
        rest,
    ) if names else None
    if weekday:
        target = rd_weekday(names[weekday.group("day")])
        strictly_next = weekday.group("post") is not None or weekday.group("pre") in nexts
        if not strictly_next:
            candidate = at(today + relativedelta(weekday=target(+1)))
            if candidate > now:
                return candidate
        return at(today + relativedelta(days=+1, weekday=target(+1)))
    found = _dateparser(rest, now_local, tz, languages) or (
        _dateparser(folded, now_local, tz, languages) if clock else None
    )
    if found is None:
        raise TimeParseError("time.when_unreadable", text=_quote(text))
    if clock is not None:
        found = datetime.combine(found.date(), clock)
    elif found.time() == time(0):
        found = datetime.combine(found.date(), default)
    return _to_utc(found, tz)


def parse_when(
    text: str, *, now: datetime, tz: ZoneInfo, languages: Sequence[str] = ("en", "fr")
) -> datetime:
    """Read a future moment such as "next monday 18:00", "demain 8h30", "in 3 days", "2027-01-05 10:00".

    Rules, all in the community's time zone `tz`:

    - "18:00", "9h", "9am": today if that time is still ahead, else tomorrow.
    - "friday", "vendredi 17h", "this friday": the next such day whose time is still ahead (today counts).
      "next friday", "vendredi prochain": the next such day after today (never today).
    - "tomorrow", "demain", "apres-demain", "today": that day.
    - "in 2 hours", "dans 3 jours": hours, minutes and seconds elapse as real time; days, weeks, months
      and years move on the calendar and keep the wall-clock time ("in 3 days" across a DST change is
      the same local time). "dans 3 jours 9h" sets the time of day.
    - Anything else goes to dateparser ("2027-01-05", "05/01/2027 10:00" (day first), "le 5 janvier").
    - A day given without a time means `DEFAULT_TIME_OF_DAY` (09:00 local).

    Args:
        text: what the member typed.
        now: the current moment (aware).
        tz: the community's time zone.
        languages: languages to understand (ISO 639-1 codes known to dateparser); words of the built-in
            rules are known for "en" and "fr".

    Returns:
        An aware UTC datetime strictly after `now`.

    Raises:
        UsageError: the text is empty, unreadable, or names a moment that is not in the future.
        ValueError: `now` is naive.
    """
    moment = _resolve(text, now=now, tz=tz, languages=languages, default=DEFAULT_TIME_OF_DAY)
    if moment <= now:
        raise TimeInPast("time.when_past", text=_quote(text), when=moment.astimezone(tz).strftime("%Y-%m-%d %H:%M"))
    return moment


def parse_moment(text: str, *, now: datetime, tz: ZoneInfo, language: str) -> datetime:
    """Like `parse_when`, with a bare "17h" read the way writers of `language` mean it.

    French: 17:00 (the next one). English: 17 hours from now ("due 17h" is "due in 17h"); a time of
    day is "17:00" or "5pm". Everything else is `parse_when`'s.
    """
    folded = _fold(text)
    if _BARE_HOURS.match(folded) and not reads_as_time_of_day(text, language):
        return now + parse_duration(text, minimum=timedelta(seconds=1), maximum=timedelta(days=5))
    return parse_when(text, now=now, tz=tz)


# ---------------------------------------------------------------------------------------------- recurrence


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
    folded = _fold(text)
    start = re.match(rf"^(?:{'|'.join(_EVERY.values())})\s+(?P<body>.+)$", folded)
    if not start:
        return None
    body = start.group("body")
    until: datetime | None = None
    until_match = _UNTIL.search(body)
    if until_match:
        until = _resolve(until_match.group("until"), now=now, tz=tz, languages=("en", "fr"), default=_END_OF_DAY)
        body = body[: until_match.start()]
    clock, body = _extract_clock(body)
    clock = clock or DEFAULT_TIME_OF_DAY
    body = _strip_edges(body)
    names = _weekday_names(("en", "fr"), plural=True)
    interval, freq = 1, "WEEKLY"
    days: list[int] | None = None
    span = _SPAN.fullmatch(body)
    if span:
        interval = 2 if span.group("n") == "other" else int(span.group("n") or 1)
        if span.group("unit").startswith(("d", "j")):
            freq, days = "DAILY", [] if span.group("days") is None else None
        else:
            days = _byday(span.group("days"), names) if span.group("days") else [_local_now(now, tz).weekday()]
    elif _WORKDAYS.fullmatch(body):
        days = [0, 1, 2, 3, 4]
    else:
        days = _byday(body, names)
    if days is None or interval < 1:
        raise TimeParseError("time.recurrence_unreadable", text=_quote(text))
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
        raise TimeParseError("time.recurrence_ends_early", text=_quote(text))
    return Recurrence(rrule=rule, tz=tz.key, first=first, until=until)


# ---------------------------------------------------------------------------------------------- clock ranges


def _clock_alone(text: str) -> time | None:
    for kind, pattern in (*_TIME_PATTERNS[:4], ("h", re.compile(r"(\d{1,2})"))):
        match = pattern.fullmatch(text)
        if match:
            return _clock_from(kind, match)
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
    folded = _fold(text)
    match = re.fullmatch(r"(?:from\s+|de\s+)?(?P<a>.+?)\s*(?:-|\bto\b|\buntil\b|\ba\b)\s*(?P<b>.+)", folded)
    start = _clock_alone(match.group("a")) if match else None
    end = _clock_alone(match.group("b")) if match else None
    if start is None or end is None:
        raise TimeParseError("time.range_unreadable", text=_quote(text))
    if start == end:
        raise TimeParseError("time.range_empty", text=_quote(text))
    return start, end
