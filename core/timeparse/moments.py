"""Moments members type: "next monday 18:00", "demain 8h30", "in 3 days", "2027-01-05 10:00".

dateparser is imported lazily (it is slow to import) and only for phrases the local rules don't cover.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta, weekday as rd_weekday

from core.timeparse.clock import BARE_HOURS, extract_clock, reads_as_time_of_day
from core.timeparse.durations import duration_parts, parse_duration, seconds_of
from core.timeparse.errors import TimeInPast, TimeParseError, quote
from core.timeparse.words import DAY_WORDS, NEXT_WORDS, THIS_WORDS, alternation, normalize, weekday_names
from core.timeparse.zone import local_now, to_utc


DEFAULT_TIME_OF_DAY = time(9, 0)
"""Local time used when a member names a day without a time ("friday", "2027-01-05", "every day")."""


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
    parts = duration_parts(rest, text)
    if not parts:
        clock, span_text = extract_clock(rest)
        parts = duration_parts(span_text, text) if clock else {}
    if not parts:
        return None
    if seconds_of(parts) <= 0:
        raise TimeInPast("time.relative_past", text=quote(text))
    calendar = {u: parts.pop(u, 0.0) for u in ("y", "mo", "w", "d")}
    if any(v != int(v) for v in calendar.values()):
        parts.update({u: v for u, v in calendar.items() if v})
        calendar = {}
    elapsed = timedelta(seconds=seconds_of(parts))
    if clock is not None and elapsed:
        raise TimeParseError("time.relative_mixed", text=quote(text))
    shift = relativedelta(years=int(calendar.get("y", 0)), months=int(calendar.get("mo", 0)),
                          weeks=int(calendar.get("w", 0)), days=int(calendar.get("d", 0)))
    day = now_local + shift
    if clock is not None:
        return to_utc(datetime.combine(day.date(), clock), tz)
    return to_utc(day, tz) + elapsed if shift else now + elapsed


def resolve(text: str, *, now: datetime, tz: ZoneInfo, languages: Sequence[str], default: time) -> datetime:
    """The moment `text` names, aware UTC; `default` is the time of day for a bare date."""
    now_local = local_now(now, tz)
    folded = normalize(text)
    if not folded:
        raise TimeParseError("time.when_missing")
    relative = re.match(r"^(?:in|dans)\s+(.+)$", folded)
    if relative:
        try:
            moment = _relative(relative.group(1), text, now, now_local, tz)
        except (OverflowError, ValueError) as exc:
            raise TimeParseError("time.when_too_far", text=quote(text)) from exc
        if moment is not None:
            return moment
    clock, rest = extract_clock(folded)
    today = now_local.date()

    def at(day: date) -> datetime:
        return to_utc(datetime.combine(day, clock or default), tz)

    if not rest:
        if clock is None:
            raise TimeParseError("time.when_unreadable", text=quote(text))
        return at(today) if at(today) > now else at(today + timedelta(days=1))
    day_words = {w: n for lang in languages for w, n in DAY_WORDS.get(lang, {}).items()}
    if rest in day_words:
        return at(today + timedelta(days=day_words[rest]))
    names = weekday_names(languages)
    nexts = [w for lang in languages for w in NEXT_WORDS.get(lang, ())]
    these = [w for lang in languages for w in THIS_WORDS.get(lang, ())]
    weekday = re.fullmatch(
        rf"(?:(?P<pre>{alternation(nexts + these)})\s+)?(?P<day>{alternation(names)})"
        rf"(?:\s+(?P<post>{alternation(nexts)}))?",
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
        raise TimeParseError("time.when_unreadable", text=quote(text))
    if clock is not None:
        found = datetime.combine(found.date(), clock)
    elif found.time() == time(0):
        found = datetime.combine(found.date(), default)
    return to_utc(found, tz)


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
    moment = resolve(text, now=now, tz=tz, languages=languages, default=DEFAULT_TIME_OF_DAY)
    if moment <= now:
        raise TimeInPast("time.when_past", text=quote(text), when=moment.astimezone(tz).strftime("%Y-%m-%d %H:%M"))
    return moment


def parse_moment(text: str, *, now: datetime, tz: ZoneInfo, language: str) -> datetime:
    """Like `parse_when`, with a bare "17h" read the way writers of `language` mean it.

    French: 17:00 (the next one). English: 17 hours from now ("due 17h" is "due in 17h"); a time of
    day is "17:00" or "5pm". Everything else is `parse_when`'s.
    """
    folded = normalize(text)
    if BARE_HOURS.match(folded) and not reads_as_time_of_day(text, language):
        return now + parse_duration(text, minimum=timedelta(seconds=1), maximum=timedelta(days=5))
    return parse_when(text, now=now, tz=tz)
