"""The `[plugins.homework]` settings (per-community overrides use the same keys)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from core import Settings, duration_text, setting
from plugins.homework.logic import digest_rule


@dataclass(frozen=True)
class HomeworkConfig(Settings):
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

    remind_before: tuple[str, ...] = setting(("48h", "2h"), duration_text(maximum=timedelta(days=60)))
    social_proof_every: str = setting("6h", duration_text(off=("", "off")))
    digest: str = "FREQ=WEEKLY;BYDAY=MO;BYHOUR=8;BYMINUTE=0"
    series_due_after: str = setting("7d", duration_text())
    keep_notes: bool = True

    def check(self) -> None:
        try:
            digest_rule(self.digest)
        except ValueError as exc:
            raise ValueError(f"key 'digest': {exc}") from None

    @property
    def offsets(self) -> tuple[timedelta, ...]:
        """The reminder offsets, largest first, without duplicates."""
        return self.spans("remind_before")

    @property
    def proof_interval(self) -> timedelta | None:
        return self.span("social_proof_every")

    @property
    def due_after(self) -> timedelta:
        span = self.span("series_due_after")
        assert span is not None  # its rule has no "off" word
        return span
