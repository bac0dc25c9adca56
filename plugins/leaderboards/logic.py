"""Pure domain code of the leaderboards: time windows, levels, thanks words, rankings, badges.

No I/O here: everything takes plain values, so it is cheap to unit-test.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo
from core import fold

# --------------------------------------------------------------------------------- the weekly reset

_WEEKDAYS = {
    "monday": 0, "mon": 0, "lundi": 0, "lun": 0,
    "tuesday": 1, "tue": 1, "mardi": 1, "mar": 1,
    "wednesday": 2, "wed": 2, "mercredi": 2, "mer": 2,
    "thursday": 3, "thu": 3, "jeudi": 3, "jeu": 3,
    "friday": 4, "fri": 4, "vendredi": 4, "ven": 4,
    "saturday": 5, "sat": 5, "samedi": 5, "sam": 5,
    "sunday": 6, "sun": 6, "dimanche": 6, "dim": 6,
}
_RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_RESET = re.compile(r"^\s*([a-z]+)\s+(\d{1,2})(?:[:h](\d{2}))?\s*$")


@dataclass(frozen=True, slots=True)
class Reset:
    """When the weekly board starts over: a weekday and a local time."""

    weekday: int
    at: time

    @property
    def rrule(self) -> str:
        """The RFC 5545 rule of the reset, e.g. FREQ=WEEKLY;BYDAY=MO;BYHOUR=8;BYMINUTE=0;BYSECOND=0."""
        return f"FREQ=WEEKLY;BYDAY={_RRULE_DAYS[self.weekday]};BYHOUR={self.at.hour};BYMINUTE={self.at.minute};BYSECOND=0"


def parse_reset(text: str) -> Reset:
    """Read `weekly_reset` ("monday 08:00", "lundi 8h"); raises ValueError naming the accepted form."""
    match = _RESET.match(fold(text))
    if not match or match.group(1) not in _WEEKDAYS:
        raise ValueError(f"key 'weekly_reset' must be a weekday and a time such as \"monday 08:00\", got {text!r}")
    hour, minute = int(match.group(2)), int(match.group(3) or 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"key 'weekly_reset': {text!r} is not a valid time of day")
    return Reset(_WEEKDAYS[match.group(1)], time(hour, minute))


def week_start(moment: datetime, reset: Reset, tz: ZoneInfo) -> datetime:
    """The latest reset boundary at or before `moment` (aware), as aware UTC."""
    local = moment.astimezone(tz)
    days_back = (local.weekday() - reset.weekday) % 7
    day = local.date() - timedelta(days=days_back)
    start = datetime.combine(day, reset.at, tzinfo=tz)
    if start > local:
        start = datetime.combine(day - timedelta(days=7), reset.at, tzinfo=tz)
    return start.astimezone(timezone.utc)


def previous_week(end: datetime, reset: Reset, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The week that ends at the boundary `end`: (start, end), aware UTC."""
    return week_start(end - timedelta(microseconds=1), reset, tz), end


def week_bounds(moment: datetime, reset: Reset, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The week holding `moment`: (its reset boundary, the next one), aware UTC."""
    start = week_start(moment, reset, tz)
    return start, week_start(start + timedelta(days=8), reset, tz)


def month_bounds(moment: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The local month holding `moment`: (its first midnight, the next month's), aware UTC."""
    start = month_start(moment, tz)
    return start, month_start(start + timedelta(days=32), tz)


def month_start(moment: datetime, tz: ZoneInfo) -> datetime:
    """Midnight of the first day of the local month of `moment`, as aware UTC."""
    local = moment.astimezone(tz)
    return datetime(local.year, local.month, 1, tzinfo=tz).astimezone(timezone.utc)


def day_start(moment: datetime, tz: ZoneInfo) -> datetime:
    """Local midnight of the day of `moment`, as aware UTC."""
    local = moment.astimezone(tz)
    return datetime(local.year, local.month, local.day, tzinfo=tz).astimezone(timezone.utc)



# ------------------------------------------------------------------------------------------ words




def thanks_pattern(words: Iterable[str]) -> re.Pattern[str]:
    """A pattern finding any thank-you word as a whole word in folded text."""
    alternatives = sorted({re.escape(fold(w.strip())) for w in words if w.strip()}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")


PERIODS = {
    "week": "week", "weekly": "week", "semaine": "week", "hebdo": "week",
    "month": "month", "monthly": "month", "mois": "month",
    "all": "all", "ever": "all", "tout": "all", "total": "all", "toujours": "all",
}
TEAM_WORDS = frozenset({"teams", "team", "equipes", "equipe"})


def parse_period(word: str) -> str | None:
    """"week" | "month" | "all" for a period word (English or French); "" means the week; None if unknown."""
    if not word:
        return "week"
    return PERIODS.get(fold(word))


# ----------------------------------------------------------------------------------------- levels

LEVELS = ("familiar", "proficient", "expert")
_LEVEL_WORDS = {
    "familiar": 1, "familier": 1, "familiere": 1,
    "proficient": 2, "competent": 2, "competente": 2,
    "expert": 3, "experte": 3,
}


def parse_level(word: str) -> int | None:
    """1 (familiar), 2 (proficient) or 3 (expert) from an English or French word; None if unknown."""
    return _LEVEL_WORDS.get(fold(word.strip()))


def find_module(word: str, modules: Mapping[str, str]) -> str | None:
    """The key of the module named `word` (by key or label, case and accents ignored)."""
    wanted = fold(word.strip())
    for key, label in modules.items():
        if wanted in (fold(key), fold(label)):
            return key
    return None


def is_champion(levels: Mapping[str, int], modules: Iterable[str]) -> bool:
    """Expert in every configured module (and there is at least one)."""
    keys = list(modules)
    return bool(keys) and modules_to_champion(levels, keys) == 0


def modules_to_champion(levels: Mapping[str, int], modules: Iterable[str]) -> int:
    """How many configured modules a member still has to reach expert in (0: a Champion)."""
    return sum(1 for k in modules if levels.get(k, 0) < 3)


# ---------------------------------------------------------------------------------- adjustments

_AMOUNT = re.compile(r"^[+-]?\d{1,9}$")


def parse_amount(text: str) -> int | None:
    """A signed whole number ("+5", "-3", "10"); None when it is not one."""
    text = text.strip().replace("\u2212", "-")
    return int(text) if _AMOUNT.match(text) else None


# --------------------------------------------------------------------------------------- ranking


def rank(totals: Mapping[str, int]) -> list[tuple[str, int]]:
    """Members with positive totals, best first (ties by member id, so the order is stable)."""
    return sorted(((m, p) for m, p in totals.items() if p > 0), key=lambda item: (-item[1], item[0]))


def places(ranking: Sequence[tuple[str, int]]) -> list[int]:
    """1-based place of each entry of a ranking sorted best first (ties share the better place)."""
    out: list[int] = []
    for i, (_, points) in enumerate(ranking):
        out.append(out[-1] if i and points == ranking[i - 1][1] else i + 1)
    return out


def position_of(member: str, ranking: Sequence[tuple[str, int]]) -> int | None:
    """1-based place of `member` in `ranking` (ties share the better place), None when absent."""
    points = dict(ranking).get(member)
    if points is None:
        return None
    return 1 + sum(1 for _, p in ranking if p > points)


def most_improved(current: Mapping[str, int], previous: Mapping[str, int]) -> tuple[str, int] | None:
    """The member whose total grew most from the previous week to this one (growth > 0), or None."""
    best: tuple[str, int] | None = None
    for member in sorted(current):
        gain = current[member] - previous.get(member, 0)
        if gain > 0 and (best is None or gain > best[1]):
            best = (member, gain)
    return best


def team_averages(teams: Mapping[str, str], totals: Mapping[str, int]) -> list[tuple[str, float, int]]:
    """(team, average points per member, member count), best first; teams are grouped case-insensitively.

    Args:
        teams: member -> team name as written.
        totals: member -> points in the period (members without points count as 0).
    """
    groups: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for member, team in sorted(teams.items()):
        key = fold(team.strip())
        names.setdefault(key, team.strip())
        groups.setdefault(key, []).append(member)
    out = [(names[k], sum(totals.get(m, 0) for m in ms) / len(ms), len(ms)) for k, ms in groups.items()]
    return sorted(out, key=lambda item: (-item[1], fold(item[0])))
