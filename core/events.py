"""Normalized inbound events: what adapters emit and plugins receive.

Every type is a frozen, slotted dataclass holding plain values only, so no platform object ever
leaves `adapters/<platform>/`. Ids are strings; `User.uid` and `ChatRef.key` give the stable
`platform:id` form used in config and storage.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import IntEnum
from typing import Literal

ChatKind = Literal["direct", "group", "channel"]

_local_ids = itertools.count(1)


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(timezone.utc)


def new_event_id(prefix: str = "ev") -> str:
    """A process-unique id for events that do not come with one (domain events, console lines)."""
    return f"{prefix}-{next(_local_ids)}"


class Role(IntEnum):
    """What a person may do in a community; commands declare the least role they need."""

    MEMBER = 0
    TRUSTED = 1
    MODERATOR = 2
    ADMIN = 3
    OWNER = 4

    @classmethod
    def parse(cls, name: str) -> Role:
        """Role from its lower-case name (`"moderator"`); raises ValueError for unknown names."""
        try:
            return cls[name.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown role {name!r}; use one of: {', '.join(r.name.lower() for r in cls)}") from None


@dataclass(frozen=True, slots=True)
class User:
    """A person (or bot) on one platform."""

    platform: str
    id: str
    name: str
    handle: str | None = None
    is_bot: bool = False

    @property
    def uid(self) -> str:
        """Stable `platform:id` identifier, as written in config and stored by plugins."""
        return f"{self.platform}:{self.id}"

    @property
    def mention(self) -> str:
        """A plain-text way to name the person: `@handle` when known, else the display name."""
        return f"@{self.handle}" if self.handle else self.name


@dataclass(frozen=True, slots=True)
class ChatRef:
    """Where a message lives: a group, a channel or a direct chat, optionally a thread/topic in it."""

    platform: str
    id: str
    kind: ChatKind = "group"
    title: str | None = None
    thread_id: str | None = None

    @property
    def key(self) -> str:
        """Stable `platform:id` identifier of the chat (threads share their parent's key)."""
        return f"{self.platform}:{self.id}"

    @property
    def is_direct(self) -> bool:
        return self.kind == "direct"


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file on a message; `file_ref` lets the platform resend it without uploading it again."""

    kind: Literal["document", "photo", "voice", "audio", "video", "other"]
    file_ref: str
    name: str | None = None
    size: int | None = None
    mime: str | None = None


@dataclass(frozen=True, slots=True)
class ReplyTo:
    """The message a message answers: its id, author and a short excerpt of its text."""

    message_id: str
    author: User | None = None
    text: str = ""
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True, slots=True)
class Event:
    """Base of every event on the bus. `chat` decides ordering: one chat's events run in order."""

    @property
    def order_key(self) -> str:
        chat = getattr(self, "chat", None)
        return chat.key if chat is not None else f"~{type(self).__name__}"


@dataclass(frozen=True, slots=True)
class MessageEvent(Event):
    """A message posted in a chat."""

    id: str
    chat: ChatRef
    author: User
    text: str
    timestamp: datetime = field(default_factory=utcnow)
    attachments: tuple[Attachment, ...] = ()
    reply_to: ReplyTo | None = None
    mentions: tuple[User, ...] = ()


@dataclass(frozen=True, slots=True)
class MessageEdited(Event):
    """A message was edited; `message` holds the new content."""

    message: MessageEvent

    @property
    def chat(self) -> ChatRef:
        return self.message.chat


@dataclass(frozen=True, slots=True)
class MemberJoined(Event):
    chat: ChatRef
    member: User
    timestamp: datetime = field(default_factory=utcnow)
    via_join_request: bool = False


@dataclass(frozen=True, slots=True)
class MemberLeft(Event):
    chat: ChatRef
    member: User
    timestamp: datetime = field(default_factory=utcnow)


@dataclass(frozen=True, slots=True)
class JoinRequest(Event):
    """Someone asks to join a chat (Telegram join requests; Discord/console: a new, unverified member)."""

    chat: ChatRef
    member: User
    timestamp: datetime = field(default_factory=utcnow)
    bio: str | None = None


@dataclass(frozen=True, slots=True)
class ButtonPressed(Event):
    """An inline button was pressed; `data` is what the plugin put on the Button."""

    chat: ChatRef
    user: User
    message_id: str
    data: str
    timestamp: datetime = field(default_factory=utcnow)
    interaction_id: str | None = None


@dataclass(frozen=True, slots=True)
class PollVote(Event):
    """A vote on a native platform poll; option ids are 0-based.

    `mode` says how to apply `option_ids`: "set" replaces the member's choice (Telegram sends the full
    choice; an empty tuple withdraws the vote), "add" and "remove" change one option (Discord).
    """

    poll_ref: str
    user: User
    option_ids: tuple[int, ...]
    chat: ChatRef | None = None
    timestamp: datetime = field(default_factory=utcnow)
    mode: Literal["set", "add", "remove"] = "set"


@dataclass(frozen=True, slots=True)
class PollUpdated(Event):
    """The platform reports a native poll's totals or closure."""

    poll_ref: str
    counts: tuple[int, ...]
    closed: bool
    chat: ChatRef | None = None


@dataclass(frozen=True, slots=True)
class ReactionAdded(Event):
    chat: ChatRef
    user: User
    message_id: str
    emoji: str
    timestamp: datetime = field(default_factory=utcnow)


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainEvent(Event):
    """Base for what plugins announce to each other with `ctx.emit(...)`.

    An event other plugins listen to is declared once in core.domain_events, where the emitter and the
    listeners (`isinstance(event, HomeworkSubmitted)`) both import it without importing each other; an
    event only its own plugin uses stays in that plugin.
    """

    community: str
    source_plugin: str = ""
    event_id: str = field(default_factory=lambda: new_event_id("dom"))

    @property
    def order_key(self) -> str:
        return f"community:{self.community}"

