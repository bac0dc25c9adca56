"""Pure domain code of the polls plugin: the poll model, the /poll syntax, votes, tallies, times.

Nothing here does I/O. Errors are `PollInputError(key, **params)`: the catalog key of a one-line
message that the command layer translates for the member.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core import ChatRef, UsageError
from core.timeparse import parse_duration, parse_when, reads_as_time_of_day
from core import fold as fold_accents

FLAG_WORDS: Mapping[str, str] = {
    "multiple": "multiple", "multi": "multiple", "plusieurs": "multiple",
    "anonymous": "anonymous", "anon": "anonymous", "anonyme": "anonymous",
    "hidden": "hidden", "cache": "hidden", "secret": "hidden",
    "final": "final", "definitif": "final",
}
CLOSE_KEYS = ("closes", "close", "closing", "ferme", "fermeture", "cloture", "fin")
EXPLAIN_KEYS = ("explain", "explanation", "explication")
_SETTING = re.compile(r"^\s*(?P<key>[^\W\d_]+)\s*[:=]\s*(?P<value>.*)$", re.DOTALL)
_NUMBERS = re.compile(r"^\s*#?\d{1,3}(?:\s*[,;\s]\s*#?\d{1,3})*\s*$")
MIN_OPEN = timedelta(minutes=1)
_PAST_WORDS = {"yesterday", "ago", "last", "hier", "avant-hier", "dernier", "derniere", "passe", "passee"}


class PollInputError(Exception):
    """Bad input from a member; `key` names the catalog message, `params` fill it."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def fold(text: str) -> str:
    """Lowercase, accents removed, spaces collapsed (to compare words and options)."""
    return " ".join(fold_accents(text).split())


# ------------------------------------------------------------------------------------------ the model


@dataclass(frozen=True)
class Draft:
    """A poll as typed by a member, checked, before it is stored."""

    question: str
    options: tuple[str, ...]
    multiple: bool = False
    anonymous: bool = False
    hidden: bool = False
    final: bool = False
    correct: int | None = None
    explanation: str | None = None
    closes: str | None = None

    @property
    def is_quiz(self) -> bool:
        return self.correct is not None


@dataclass(frozen=True)
class Poll:
    """A stored poll."""

    id: int
    community: str
    platform: str
    chat_id: str
    chat_kind: str
    thread_id: str | None
    author: str | None
    question: str
    options: tuple[str, ...]
    multiple: bool
    anonymous: bool
    hidden: bool
    final: bool
    correct: int | None
    explanation: str | None
    native: bool
    message_id: str | None
    poll_ref: str | None
    salt: str
    created_at: datetime
    close_at: datetime | None
    closed_at: datetime | None = None

    @property
    def is_quiz(self) -> bool:
        return self.correct is not None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def chat(self) -> ChatRef:
        kind = self.chat_kind if self.chat_kind in ("direct", "group", "channel") else "group"
        return ChatRef(platform=self.platform, id=self.chat_id, kind=kind, thread_id=self.thread_id)  # type: ignore[arg-type]

    def voter_key(self, uid: str, key: bytes) -> str:
        """How a member's votes are stored: the uid, or for anonymous polls a keyed one-way token."""
        return anonymous_token(self.salt, uid, key) if self.anonymous else uid


def anonymous_token(salt: str, uid: str, key: bytes) -> str:
    """A per-poll token for `uid`: the same member always gets the same token (one vote each).

    Salts starting with "k1:" (every poll created since) use HMAC-SHA256 with the key kept outside the
    database (plugins/polls/secret.py), so the database alone links no token to a member; older polls
    keep the plain salted hash they were created with."""
    message = f"{salt}\x00{uid}".encode()
    if salt.startswith("k1:"):
        return "anon:" + hmac.new(key, message, hashlib.sha256).hexdigest()[:40]
    return "anon:" + hashlib.sha256(message).hexdigest()[:40]


# ------------------------------------------------------------------------------------------ the syntax


def _setting(segment: str) -> tuple[str, str] | None:
    """("closes", "friday 17h") for "closes: friday 17h"; None when the segment is no setting."""
    match = _SETTING.match(segment)
    if match is None:
        return None
    key = fold(match["key"])
    if key in CLOSE_KEYS:
        return "closes", match["value"].strip()
    if key in EXPLAIN_KEYS:
        return "explain", match["value"].strip()
    return None


def _flags(segment: str) -> tuple[set[str], str | None] | None:
    """The flags of a leading segment ("multiple anon closes=in 2 days"); None if it is not one."""
    words = segment.split()
    flags: set[str] = set()
    closes = None
    for i, word in enumerate(words):
        setting = _setting(" ".join(words[i:]))
        if setting is not None and setting[0] == "closes":
            closes = setting[1]
            break
        flag = FLAG_WORDS.get(fold(word))
        if flag is None:
            return None
        flags.add(flag)
    return (flags, closes) if words else None


def parse_poll(text: str, *, quiz: bool, max_options: int, max_option_length: int, max_question_length: int) -> Draft:
    """Read `/poll` or `/quiz` text into a Draft.

    Syntax: `[flags |] Question? | Option | Option ... [| closes: <when>] [| explain: <text>]`.
    Flags (first segment, any order): multiple, anonymous, hidden, final (also French words), and
    optionally `closes=<when>`. In a quiz, a `*` before an option marks the correct answer.

    Raises:
        PollInputError: with the key of the message that explains the problem.
    """
    segments = [s.strip() for s in text.split("|")]
    flags: set[str] = set()
    closes: str | None = None
    explanation: str | None = None
    if len(segments) > 1:
        leading = _flags(segments[0])
        if leading is not None:
            flags, closes = leading
            segments = segments[1:]
    body: list[str] = []
    for segment in segments:
        setting = _setting(segment) if body else None
        if setting is not None and setting[0] == "closes":
            if not setting[1]:
                raise PollInputError("error.close_empty")
            closes = setting[1]
        elif setting is not None and setting[0] == "explain":
            if not quiz:
                raise PollInputError("error.explain_not_quiz")
            explanation = setting[1] or None
        else:
            body.append(segment)
    if not body or not body[0]:
        raise PollInputError("error.no_question")
    question, options = body[0], body[1:]
    if len(question) > max_question_length:
        raise PollInputError("error.question_too_long", max=max_question_length)
    if not options:
        raise PollInputError("error.no_options")
    correct = None
    cleaned: list[str] = []
    for number, option in enumerate(options, start=1):
        if quiz and option.startswith("*"):
            if correct is not None:
                raise PollInputError("error.quiz_two_correct")
            correct = number - 1
            option = option[1:].strip()
        if not option:
            raise PollInputError("error.empty_option", n=number)
        if len(option) > max_option_length:
            raise PollInputError("error.option_too_long", n=number, max=max_option_length)
        cleaned.append(" ".join(option.split()))
    if len(cleaned) < 2:
        raise PollInputError("error.one_option")
    if len(cleaned) > max_options:
        raise PollInputError("error.too_many_options", count=len(cleaned), max=max_options)
    seen: dict[str, int] = {}
    for number, option in enumerate(cleaned, start=1):
        key = fold(option)
        if key in seen:
            raise PollInputError("error.duplicate_option", option=option[:60], first=seen[key], n=number)
        seen[key] = number
    if quiz:
        if correct is None:
            raise PollInputError("error.quiz_no_correct")
        if "multiple" in flags:
            raise PollInputError("error.quiz_multiple")
    return Draft(question=" ".join(question.split()), options=tuple(cleaned), multiple="multiple" in flags,
                 anonymous="anonymous" in flags, hidden="hidden" in flags, final="final" in flags,
                 correct=correct, explanation=explanation, closes=closes)


def resolve_close(text: str, *, now: datetime, tz: ZoneInfo, maximum: timedelta, language: str = "en") -> datetime:
    """The closing moment for `closes: <text>`: a duration ("2h", "3 days") or a moment ("friday 17h").

    A bare "17h" follows the writer's `language`: 17 hours in English, 17:00 in French (see
    `core.timeparse.reads_as_time_of_day`).

    Raises:
        PollInputError: unreadable, already past, too soon, or later than `maximum` from now.
    """
    try:
        if reads_as_time_of_day(text, language):
            raise UsageError("a time of day")
        moment = now + parse_duration(text, minimum=timedelta(seconds=1), maximum=timedelta(days=3660))
    except UsageError:
        try:
            moment = parse_when(text, now=now, tz=tz)
        except UsageError:
            if _is_past(text, now, tz):
                raise PollInputError("error.close_past", when=text[:40]) from None
            raise PollInputError("error.close_unreadable", when=text[:40]) from None
    if moment - now < MIN_OPEN:
        raise PollInputError("error.close_too_soon", when=text[:40])
    if moment - now > maximum:
        raise PollInputError("error.close_too_far", when=text[:40])
    return moment


def _is_past(text: str, now: datetime, tz: ZoneInfo) -> bool:
    """Whether `text` reads as a moment that already happened ("yesterday", or a date read from a year ago)."""
    if set(fold(text).replace("'", " ").split()) & _PAST_WORDS:
        return True
    try:
        moment = parse_when(text, now=now - timedelta(days=366), tz=tz)
    except (UsageError, ValueError, OverflowError):
        return False
    return moment <= now


def parse_vote_numbers(text: str) -> list[int] | None:
    """[1, 3] for "1 3", "1,3" or "#1 #3"; None when the text is not only numbers."""
    if not _NUMBERS.match(text):
        return None
    return [int(n) for n in re.findall(r"\d+", text)]


def parse_poll_number(text: str) -> int | None:
    """3 for "3" or "#3"; None otherwise."""
    text = text.strip().lstrip("#")
    return int(text) if text.isdigit() and len(text) < 10 else None


# ------------------------------------------------------------------------------------------ votes


def choice_from_numbers(numbers: Iterable[int], *, options: int, multiple: bool) -> frozenset[int]:
    """0-based option ids from the 1-based numbers a member typed.

    Raises:
        PollInputError: a number out of range, or several numbers in a single-answer poll.
    """
    chosen = sorted(set(numbers))
    if not chosen:
        raise PollInputError("error.vote_usage")
    for n in chosen:
        if not 1 <= n <= options:
            raise PollInputError("error.vote_out_of_range", n=n, max=options)
    if len(chosen) > 1 and not multiple:
        raise PollInputError("error.vote_single")
    return frozenset(n - 1 for n in chosen)


def apply_native(current: frozenset[int], option_ids: Iterable[int], mode: str, *, options: int,
                 multiple: bool) -> frozenset[int]:
    """A member's choice after a native PollVote (`set` replaces, `add`/`remove` change one option).

    Option ids outside the poll are ignored.
    """
    ids = frozenset(i for i in option_ids if 0 <= i < options)
    if mode == "add":
        return (current | ids) if multiple else (ids or current)
    if mode == "remove":
        return current - ids
    return ids if multiple else frozenset(sorted(ids)[:1])


@dataclass(frozen=True)
class Tally:
    """Counts per option (0-based) and the number of members who voted."""

    counts: tuple[int, ...]
    voters: int

    def percent(self, index: int) -> int:
        return round(100 * self.counts[index] / self.voters) if self.voters else 0


def tally(options: int, rows: Iterable[tuple[str, int]]) -> Tally:
    """Count (voter, option) rows."""
    counts = [0] * options
    voters: set[str] = set()
    for voter, option in rows:
        if 0 <= option < options:
            counts[option] += 1
            voters.add(voter)
    return Tally(tuple(counts), len(voters))


def bar(percent: int, width: int = 10) -> str:
    """A text bar: 60 -> "██████░░░░"."""
    filled = max(0, min(width, round(percent * width / 100)))
    return "█" * filled + "░" * (width - filled)


# ------------------------------------------------------------------------------------------ reminders


def in_quiet_hours(moment: datetime, tz: ZoneInfo, quiet: tuple[time, time]) -> bool:
    start, end = quiet
    local = moment.astimezone(tz).time()
    if start < end:
        return start <= local < end
    return local >= start or local < end


def quiet_end(moment: datetime, tz: ZoneInfo, quiet: tuple[time, time]) -> datetime:
    """The end of the quiet period that contains `moment` (aware UTC)."""
    _, end = quiet
    local = moment.astimezone(tz)
    candidate = datetime.combine(local.date(), end, tzinfo=tz)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), end, tzinfo=tz)
    return candidate.astimezone(moment.tzinfo)


def reminder_time(close_at: datetime, before: timedelta, *, now: datetime, tz: ZoneInfo,
                  quiet: tuple[time, time] | None) -> datetime | None:
    """When to remind non-voters: `before` the close, moved out of quiet hours; None to skip."""
    moment = close_at - before
    if moment <= now:
        return None
    if quiet is not None and in_quiet_hours(moment, tz, quiet):
        moment = quiet_end(moment, tz, quiet)
        if moment >= close_at:
            return None
    return moment
