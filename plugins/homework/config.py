"""The `[plugins.homework]` settings (per-community overrides use the same keys)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from core import UsageError
from core.timeparse import parse_duration
from plugins.homework.logic import digest_rule


def _duration(text: str, key: str, *, maximum: timedelta = timedelta(days=366)) -> timedelta:
    try:
        return parse_duration(text, minimum=timedelta(minutes=1), maximum=maximum)
    except UsageError as exc:
        raise ValueError(f"key {key!r}: {exc}") from None


@dataclass(frozen=True)
class HomeworkConfig:
    """Homework reminders settings.

    Attributes:
        remind_before: how long before the due time members who have not submitted are reminded.
        social_proof_every: at most one "N of M members have done it" group post per assignment per
            this interval; "" or "off" disables the post.
        digest: when the weekly digest of open work is posted: an RRULE
            ("FREQ=WEEKLY;BYDAY=MO;BYHOUR=8;BYMINUTE=0") or words ("monday 08:00"); "" disables it.
        series_due_after: for recurring assignments without `due`, the time from an occurrence to its due time.
        keep_notes: store the note given with /done (shown to trainers); False keeps only that a note was given.
    """

    remind_before: tuple[str, ...] = ("48h", "2h")
    social_proof_every: str = "6h"
    digest: str = "FREQ=WEEKLY;BYDAY=MO;BYHOUR=8;BYMINUTE=0"
    series_due_after: str = "7d"
    keep_notes: bool = True

    def __post_init__(self) -> None:
        for text in self.remind_before:
            _duration(text, "remind_before", maximum=timedelta(days=60))
        if self.social_proof_every.strip().lower() not in ("", "off"):
            _duration(self.social_proof_every, "social_proof_every")
        _duration(self.series_due_after, "series_due_after")
        try:
            digest_rule(self.digest)
        except ValueError as exc:
            raise ValueError(f"key 'digest': {exc}") from None

    @property
    def offsets(self) -> tuple[timedelta, ...]:
        """The reminder offsets, largest first, without duplicates."""
        found = {_duration(t, "remind_before", maximum=timedelta(days=60)) for t in self.remind_before}
        return tuple(sorted(found, reverse=True))

    @property
    def proof_interval(self) -> timedelta | None:
        if self.social_proof_every.strip().lower() in ("", "off"):
            return None
        return _duration(self.social_proof_every, "social_proof_every")

    @property
    def due_after(self) -> timedelta:
        return _duration(self.series_due_after, "series_due_after")
