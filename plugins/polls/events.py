"""Domain events of the polls plugin (listeners match on the class name)."""

from __future__ import annotations

from dataclasses import dataclass

from core import ChatRef, DomainEvent, User


@dataclass(frozen=True, slots=True, kw_only=True)
class QuizAnswered(DomainEvent):
    """A member answered a quiz for the first time (a changed answer does not score again).

    Not emitted for anonymous quizzes: a score would tell who answered.
    """

    member: User
    poll_id: int
    correct: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class TopicsRequested(DomainEvent):
    """`/poll topics`: the topics provider should answer with a `TopicsSuggested` event.

    The answer must carry the same `request_id` and `topics: tuple[str, ...]`, most frequent first.
    """

    request_id: str
    limit: int
    chat: ChatRef
    requested_by: User
