"""Pure moderation logic: text normalization, compiled rules, flood windows, the warn ladder.

No I/O here: everything is a function of its arguments, so it is cheap to test and to run on the
hot path (`practica_filter_message` runs for every message).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

from core import Capabilities, fold
from core.timeparse import parse_duration

if TYPE_CHECKING:
    from plugins.moderation.config import ModerationConfig

DEFAULT_PRIVACY_PATTERNS: tuple[str, ...] = (
    r"(?:\+|\b00)\d{1,3}[\s.-]?\d{2,4}(?:[\s.-]?\d{2,4}){2,3}\b",   # international phone numbers
    r"\b0\d{2,3}[\s.-]?\d{3}[\s.-]?\d{3,4}\b",                     # national phone numbers (0911 234 567)
    r"\bpatient'?s? name\b",
    r"\bnom d(?:u|e la) patiente?\b",
    r"\b(?:mrn|medical record (?:number|no)|numero de dossier|n° de dossier)\b",
)
_DEFAULT_PRIVACY_HINT = re.compile(r"\d|patient|mrn|record|dossier")

MAX_DURATION = timedelta(days=366)
_SWAPS = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "@": "a", "$": "s"})
_SPACED = re.compile(r"(?<![^\W_])(?:[^\W_][\s.\-_*·]+){2,}[^\W_](?![^\W_])")
_SPACED_HINT = re.compile(r"(?<![^\W_])[^\W_][\s.\-_*·]+[^\W_](?![^\W_])")
_SEPARATORS = re.compile(r"[\s.\-_*·]+")
_URL = re.compile(r"(?:https?://|www\.)([^\s/?#<>\"']+)", re.IGNORECASE)
_AT_WORD = re.compile(r"(?<![\w@])@\w+")


# --------------------------------------------------------------------------------------- normalization




def normalize(text: str, folded: str | None = None) -> str:
    """What blocklist words are matched against: folded, look-alike characters swapped, spaced letters
    joined ("S p 4 m" -> "spam", "s.p.a.m" -> "spam"), whitespace collapsed."""
    text = (fold(text) if folded is None else folded).translate(_SWAPS)
    if _SPACED_HINT.search(text):
        text = _SPACED.sub(lambda m: _SEPARATORS.sub("", m.group(0)), text)
    return " ".join(text.split())


# --------------------------------------------------------------------------------------- compiled rules


@dataclass(frozen=True, slots=True)
class BlockHit:
    pattern: str
    action: str


class CompiledRules:
    """One community's automatic rules, compiled once per config object (cached in ctx.state)."""

    __slots__ = ("config", "_words", "_word_actions", "_regexes", "_privacy", "_privacy_hint", "trusted_domains",
                 "max_mentions", "link_policy", "flood_messages", "flood_seconds")

    def __init__(self, config: ModerationConfig) -> None:
        self.config = config
        words: dict[str, tuple[str, str]] = {}
        regexes: list[tuple[re.Pattern[str], str, str]] = []
        for rule in config.blocklist:
            if rule.regex:
                regexes.append((re.compile(rule.pattern, re.IGNORECASE), rule.pattern, rule.action))
            else:
                key = normalize(rule.pattern)
                if key and key not in words:
                    words[key] = (rule.pattern, rule.action)
        self._word_actions = words
        self._words = (re.compile(r"(?<![^\W_])(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
                                  + r")(?![^\W_])") if words else None)
        self._regexes = tuple(regexes)
        self._privacy = (re.compile("|".join(f"(?:{p})" for p in config.privacy_patterns), re.IGNORECASE)
                         if config.privacy_guard and config.privacy_patterns else None)
        # The built-in patterns all need a digit or one of a few words: a cheap test skips most messages.
        self._privacy_hint = _DEFAULT_PRIVACY_HINT if config.privacy_patterns == DEFAULT_PRIVACY_PATTERNS else None
        self.trusted_domains = tuple(d.lower().lstrip(".") for d in config.trusted_domains)
        self.max_mentions = config.max_mentions
        self.link_policy = config.link_policy
        self.flood_messages = config.flood_messages
        self.flood_seconds = config.flood_seconds

    def blocked(self, text: str, folded: str | None = None) -> BlockHit | None:
        """The first blocklist entry the text matches, or None (`folded`: `fold(text)` if already known)."""
        if self._words is None and not self._regexes:
            return None
        folded = fold(text) if folded is None else folded
        normal = normalize(text, folded)
        if self._words is not None:
            match = self._words.search(normal)
            if match is not None:
                pattern, action = self._word_actions[match.group(0)]
                return BlockHit(pattern, action)
        if self._regexes:
            for regex, pattern, action in self._regexes:
                if regex.search(folded) or regex.search(normal):
                    return BlockHit(pattern, action)
        return None

    def untrusted_link(self, text: str) -> str | None:
        """The first link host that is not a trusted domain (None when the policy allows all links)."""
        if self.link_policy == "allow":
            return None
        lower = text.lower()
        if "http" not in lower and "www." not in lower:
            return None
        for host in link_hosts(text):
            if not domain_trusted(host, self.trusted_domains):
                return host
        return None

    def too_many_mentions(self, text: str, mentions: int) -> bool:
        if self.max_mentions <= 0:
            return False
        if mentions > self.max_mentions:
            return True
        return "@" in text and len(set(_AT_WORD.findall(text))) > self.max_mentions

    def looks_private(self, text: str, folded: str | None = None) -> bool:
        """Whether the text looks like it holds a patient identifier (phone, ID, name...)."""
        if self._privacy is None:
            return False
        folded = fold(text) if folded is None else folded
        if self._privacy_hint is not None and self._privacy_hint.search(folded) is None:
            return False
        return self._privacy.search(folded) is not None


def link_hosts(text: str) -> list[str]:
    """Host names of the links in `text` (user info and port removed, lower case)."""
    hosts = []
    for match in _URL.finditer(text):
        host = match.group(1).rsplit("@", 1)[-1].split(":", 1)[0].rstrip(".,;)!").lower()
        if match.group(0).lower().startswith("www.") and not host.startswith("www."):
            host = "www." + host
        if host:
            hosts.append(host)
    return hosts


def domain_trusted(host: str, trusted: Sequence[str]) -> bool:
    """`who.int` trusts `who.int` and `www.who.int`, not `who.int.example.com`."""
    return any(host == d or host.endswith("." + d) for d in trusted)


# --------------------------------------------------------------------------------------- flood


class FloodWindow:
    """Per-member message times, kept sorted by the messages' own timestamps (in memory; a restart simply
    starts afresh).

    Chats are handled concurrently, so one member's messages from two groups can arrive out of order, and
    a lagging chat delivers minutes-old messages after newer ones. Counting is therefore by timestamp, not
    by arrival: a flood is more than `limit` messages whose timestamps fit in `seconds`, whatever order
    they came in. Times older than `keep` seconds before the member's newest message are dropped.
    """

    __slots__ = ("_times", "keep")

    def __init__(self, keep: float = 600.0) -> None:
        self._times: dict[str, list[float]] = {}
        self.keep = keep

    def hit(self, key: str, at: float, limit: int, seconds: float) -> bool:
        """Record a message sent at `at` (seconds); True when it completes a window of more than `limit`
        messages within `seconds` (the window is cleared, so one burst is one flood)."""
        if limit <= 0:
            return False
        times = self._times.get(key)
        if times is None:
            times = self._times[key] = []
        insort(times, at)
        horizon = times[-1] - max(self.keep, seconds)
        if times[0] < horizon:
            del times[:bisect_left(times, horizon)]
        # every window of `seconds` that contains `at` starts at a time in [at - seconds, at]
        first = bisect_left(times, at - seconds)
        last = bisect_right(times, at)
        for start in range(first, last):
            if bisect_right(times, times[start] + seconds, lo=start) - start > limit:
                times.clear()
                return True
        return False

    def forget(self, key: str) -> None:
        self._times.pop(key, None)


# --------------------------------------------------------------------------------------- durations and ladder


def parse_duration_text(text: str, maximum: timedelta = MAX_DURATION) -> timedelta:
    """A positive duration up to `maximum`; ValueError (not a chat error) for config values."""
    from core.errors import UsageError

    try:
        return parse_duration(text, maximum=maximum)
    except UsageError as exc:
        raise ValueError(str(exc)) from None


@dataclass(frozen=True, slots=True)
class LadderStep:
    """At `points` active warning points, apply `action` (mute/kick/ban) for `duration` (None = no end)."""

    points: int
    action: Literal["mute", "kick", "ban"]
    duration: timedelta | None = None


def parse_ladder(table: Mapping[str, str]) -> tuple[LadderStep, ...]:
    """{"3": "mute 1d", "5": "ban"} -> steps sorted by points; ValueError naming a bad entry."""
    steps = []
    for key, value in table.items():
        try:
            points = int(key)
        except ValueError:
            raise ValueError(f"ladder key {key!r} must be a number of warning points, like \"3\"") from None
        if points < 1:
            raise ValueError(f"ladder key {key!r} must be at least 1")
        word, _, rest = str(value).strip().partition(" ")
        word = word.lower()
        if word not in ("mute", "kick", "ban"):
            raise ValueError(f"ladder step {key!r} = {value!r}: use 'mute <duration>', 'kick', 'ban' or 'ban <duration>'")
        if word == "mute" and not rest.strip():
            raise ValueError(f"ladder step {key!r} = {value!r}: a mute needs a duration, like 'mute 1d'")
        if word == "kick" and rest.strip():
            raise ValueError(f"ladder step {key!r} = {value!r}: a kick takes no duration")
        duration = parse_duration_text(rest) if rest.strip() else None
        steps.append(LadderStep(points, word, duration))  # type: ignore[arg-type]
    return tuple(sorted(steps, key=lambda s: s.points))


def ladder_step(steps: Iterable[LadderStep], before: int, after: int) -> LadderStep | None:
    """The highest step crossed when active points go from `before` to `after`."""
    crossed = [s for s in steps if before < s.points <= after]
    return crossed[-1] if crossed else None


def mute_cap(caps: Capabilities) -> timedelta | None:
    """The longest mute the platform allows (Discord timeouts: 28 days), or None."""
    return timedelta(seconds=caps.max_mute_seconds) if caps.max_mute_seconds else None


def clamp_mute(duration: timedelta | None, caps: Capabilities) -> timedelta | None:
    """A mute length the platform accepts (automatic mutes are clamped; moderators are told instead)."""
    cap = mute_cap(caps)
    if cap is None:
        return duration
    return cap if duration is None or duration > cap else duration



def matches_cohort(answers: Iterable[str], codes: Iterable[str]) -> bool:
    """Whether any answer is (or contains as a word) one of the configured cohort codes."""
    wanted = {c.strip().lower() for c in codes if c.strip()}
    if not wanted:
        return False
    for answer in answers:
        words = {w.strip(".,;:!?()[]\"'").lower() for w in answer.split()}
        if words & wanted or answer.strip().lower() in wanted:
            return True
    return False
