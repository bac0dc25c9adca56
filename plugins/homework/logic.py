"""Pure homework rules: reading `/homework add`, quiet hours, who gets a reminder when. No I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from core import UsageError
from core.timeparse import parse_recurrence

MAX_TITLE = 120
MAX_INSTRUCTIONS = 1000
MAX_NOTE = 500
MIN_GAP = timedelta(hours=1)
"""Two offset reminders to one member about one assignment are never closer than this (no bursts)."""

_MODULE = re.compile(r"(?<![\w#])#([A-Za-z][\w-]{0,31})")
_DUE_WORDS = re.compile(r"^(?:due|for|pour|avant|echeance|échéance|deadline)\b[:\s]*", re.IGNORECASE)
_EVERY_WORDS = re.compile(r"^(?:every|each|chaque|tous les|toutes les)\b", re.IGNORECASE)
_RELATIVE = re.compile(r"^(?:in|dans|after|apres|après)\s+", re.IGNORECASE)




@dataclass(frozen=True, slots=True)
class Assignment:
    """One piece of homework with its due time (aware UTC)."""

    id: int
    community: str
    title: str
    instructions: str
    module: str | None
    due_at: datetime
    chat_platform: str
    chat_id: str
    chat_thread: str | None
    message_id: str | None
    status: str
    series_id: int | None = None
    proof_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AddRequest:
    """What `/homework add <title> | due <when> | <instructions>` asked for (times still as text)."""

    title: str
    instructions: str
    module: str | None
    due: str | None
    every: str | None


def module_tag(*texts: str) -> str | None:
    """The first `#tag` in the texts, lower-cased ("#PPH" -> "pph"), or None."""
    for text in texts:
        match = _MODULE.search(text)
        if match:
            return match.group(1).lower()
    return None


def parse_add(text: str) -> AddRequest:
    """Split the `/homework add` line on "|".

    The first part is the title; a part starting with "due"/"pour" gives the due time; a part starting
    with "every"/"chaque"/"tous les" makes a series; the remaining parts are the instructions.

    Raises:
        UsageError: (English; callers show their own translated sentence) when the title is empty or
            neither a due time nor a recurrence is given.
    """
    parts = [p.strip() for p in text.split("|")]
    title = parts[0] if parts else ""
    due: str | None = None
    every: str | None = None
    rest: list[str] = []
    for part in parts[1:]:
        if not part:
            continue
        if due is None and _DUE_WORDS.match(part):
            due = _DUE_WORDS.sub("", part, count=1).strip()
        elif every is None and _EVERY_WORDS.match(part):
            every = part
        else:
            rest.append(part)
    if not title or (due is None and every is None) or (due is not None and not due):
        raise UsageError("missing title or due time")
    instructions = " | ".join(rest)
    module = module_tag(title, instructions, due or "", every or "")
    due = _MODULE.sub("", due).strip() if due is not None else None
    every = _MODULE.sub("", every).strip() if every is not None else None
    if due == "" and every is None:
        raise UsageError("missing due time")
    return AddRequest(title=title[:MAX_TITLE], instructions=instructions[:MAX_INSTRUCTIONS],
                      module=module, due=due, every=every)


def series_due_text(due: str) -> str:
    """The duration part of a series' `due` ("in 3 days" -> "3 days")."""
    return _RELATIVE.sub("", due.strip(), count=1)


def digest_rule(text: str) -> str | None:
    """The digest's RRULE from config: an RRULE as is, or words like "monday 08:00"; None when empty.

    Raises:
        ValueError: the text is neither a valid RRULE nor a readable repeating time.
    """
    text = text.strip()
    if not text:
        return None
    if text.upper().startswith("FREQ="):
        try:
            rrulestr(text, dtstart=datetime(2026, 1, 1), ignoretz=True)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"not a valid RRULE: {text!r}") from exc
        return text
    phrase = text if _EVERY_WORDS.match(text) else f"every {text}"
    try:
        found = parse_recurrence(phrase, now=datetime(2026, 1, 1, tzinfo=timezone.utc), tz=ZoneInfo("UTC"))
    except UsageError as exc:
        raise ValueError(f"{text!r} is not a repeating time; write 'monday 08:00' or an RRULE") from exc
    if found is None:
        raise ValueError(f"{text!r} is not a repeating time; write 'monday 08:00' or an RRULE")
    return found.rrule


# --- quiet hours ------------------------------------------------------------------------------------


def parse_clock(text: str) -> time:
    return time.fromisoformat(text)


def in_quiet(now: datetime, quiet: tuple[time, time], tz: ZoneInfo) -> bool:
    """Whether `now` falls in the daily local range [start, end) (which may wrap midnight)."""
    start, end = quiet
    local = now.astimezone(tz).time()
    if start < end:
        return start <= local < end
    return local >= start or local < end


def quiet_end(now: datetime, quiet: tuple[time, time], tz: ZoneInfo) -> datetime:
    """The next end of the quiet period after `now`, aware UTC."""
    local = now.astimezone(tz)
    candidate = datetime.combine(local.date(), quiet[1], tzinfo=tz)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), quiet[1], tzinfo=tz)
    return candidate.astimezone(timezone.utc)


@dataclass(frozen=True, slots=True)
class Plan:
    """Who is reminded now, and who later (uid -> aware UTC moment)."""

    now: tuple[str, ...]
    later: Mapping[str, datetime]


def plan_reminders(now: datetime, due: datetime, audience: Iterable[str], submitted: set[str],
                   quiet: Mapping[str, tuple[time, time]], snoozed: Mapping[str, datetime],
                   last_reminded: Mapping[str, datetime], tz: ZoneInfo) -> Plan:
    """Split the members still to remind into "now" and "later".

    A member who submitted is skipped; a snoozed one is skipped (their snooze follow-up reminds them);
    one reminded less than MIN_GAP ago is skipped; one in quiet hours is reminded when they end, if that
    is still before the due time.
    """
    send: list[str] = []
    later: dict[str, datetime] = {}
    for uid in audience:
        if uid in submitted:
            continue
        until = snoozed.get(uid)
        if until is not None and until > now:
            continue
        last = last_reminded.get(uid)
        if last is not None and now - last < MIN_GAP:
            continue
        window = quiet.get(uid)
        if window is not None and in_quiet(now, window, tz):
            end = quiet_end(now, window, tz)
            if end < due:
                later[uid] = end
            continue
        send.append(uid)
    return Plan(now=tuple(send), later=later)


def superseded(offset: timedelta, offsets: Iterable[timedelta], due: datetime, now: datetime) -> bool:
    """True when a closer reminder of the same assignment is also already due (after downtime): only
    the closest one is sent, never a burst."""
    return any(other < offset and due - other <= now for other in offsets)
