"""Domain events the moderation plugin emits (listeners match on the class name)."""

from __future__ import annotations

from dataclasses import dataclass

from core import DomainEvent, User


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberVerified(DomainEvent):
    """A join request was approved (by moderators or a valid cohort code)."""

    member: User


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseOpened(DomainEvent):
    """A moderation case was opened (warn, mute, ban, delete, nudge...)."""

    case_number: int
    action: str
    member: User
