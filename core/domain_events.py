"""The domain events plugins share, each declared once, here: the plugin that emits one and the plugins
that listen to it both import it from core and never import each other.

Listeners match with `isinstance(event, HomeworkSubmitted)` in `practica_on_event`. An event only one
plugin uses stays in that plugin.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.events import DomainEvent, User

__all__ = ["AccountsLinked", "CaseOpened", "HomeworkSubmitted", "MemberVerified", "QuizAnswered", "ResourceVerified"]


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountsLinked(DomainEvent):
    """Essentials (/link): `accounts` now record under `person` (ctx.identity.person_of); move what they had."""

    person: str
    accounts: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class HomeworkSubmitted(DomainEvent):
    """Homework: a member submitted an assignment for the first time (a later /done is an update: not re-emitted)."""

    member: User
    assignment_id: int
    on_time: bool
    module: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class QuizAnswered(DomainEvent):
    """Polls: a member answered a quiz for the first time (a changed answer does not score again).

    Not emitted for anonymous quizzes: a score would tell who answered.
    """

    member: User
    poll_id: int
    correct: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class ResourceVerified(DomainEvent):
    """Resources: a moderator verified a library item (/verify); the leaderboard scores the contributor.

    Attributes:
        member: who contributed the item.
        item_id: the library item's number.
        verified_by: the moderator.
    """

    member: User
    item_id: int
    verified_by: User


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberVerified(DomainEvent):
    """Moderation: a join request was approved (by moderators or a valid cohort code)."""

    member: User


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseOpened(DomainEvent):
    """Moderation: a case was opened (warn, mute, ban, delete, nudge...)."""

    case_number: int
    action: str
    member: User
