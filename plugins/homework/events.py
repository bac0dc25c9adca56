"""Domain events emitted by the homework plugin (listeners match on the class name)."""

from __future__ import annotations

from dataclasses import dataclass

from core import DomainEvent, User


@dataclass(frozen=True, slots=True, kw_only=True)
class HomeworkSubmitted(DomainEvent):
    """A member submitted an assignment for the first time (a later /done is an update: not re-emitted)."""

    member: User
    assignment_id: int
    on_time: bool
    module: str | None = None
