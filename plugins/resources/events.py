"""Domain events emitted by the resources plugin (listeners match on the class name)."""

from __future__ import annotations

from dataclasses import dataclass

from core import DomainEvent, User


@dataclass(frozen=True, slots=True, kw_only=True)
class ResourceVerified(DomainEvent):
    """A moderator verified a library item (/verify); the leaderboard scores the contributor.

    Attributes:
        member: who contributed the item.
        item_id: the library item's number.
        verified_by: the moderator.
    """

    member: User
    item_id: int
    verified_by: User


@dataclass(frozen=True, slots=True, kw_only=True)
class TopicsSuggested(DomainEvent):
    """The answer to a `TopicsRequested` event: the most asked questions the library does not answer yet.

    Attributes:
        request_id: copied from the request.
        topics: representative wordings, most frequent first (empty when insights are off).
    """

    request_id: str
    topics: tuple[str, ...] = ()
