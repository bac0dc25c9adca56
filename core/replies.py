"""Outbound values: what plugins ask adapters to do. Pure data, no I/O.

Each action names the chat (or, for a direct message, the user) it is for, and a priority used by
the outbound pipeline: moderation before replies before reminders before announcements.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

from core.events import ChatRef, User


class Priority(IntEnum):
    """Lower numbers leave the outbound queue first."""

    MODERATION = 0
    REPLY = 1
    REMINDER = 2
    ANNOUNCEMENT = 3
    BULK = 4


@dataclass(frozen=True, slots=True)
class Button:
    """An inline button. `data` comes back in ButtonPressed (keep it under 64 bytes for Telegram)."""

    label: str
    data: str


@dataclass(frozen=True, slots=True)
class Action:
    """Base of everything an adapter can perform."""

    @property
    def queue_key(self) -> str:
        chat = getattr(self, "chat", None)
        if isinstance(chat, ChatRef):
            return chat.key
        user = getattr(self, "user", None)
        return f"dm:{user.uid}" if user is not None else "~global"

    @property
    def default_priority(self) -> Priority:
        return Priority.REPLY


@dataclass(frozen=True, slots=True)
class Reply(Action):
    """Send text to a chat, optionally as a reply to a message and with buttons (rows of buttons)."""

    chat: ChatRef
    text: str
    reply_to: str | None = None
    buttons: tuple[tuple[Button, ...], ...] = ()
    silent: bool = False
    ephemeral_to: User | None = None


@dataclass(frozen=True, slots=True)
class DirectMessage(Action):
    """Send text privately to one member (the adapter opens the direct chat)."""

    user: User
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class EditMessage(Action):
    chat: ChatRef
    message_id: str
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class DeleteMessage(Action):
    chat: ChatRef
    message_id: str

    @property
    def default_priority(self) -> Priority:
        return Priority.MODERATION


@dataclass(frozen=True, slots=True)
class PinMessage(Action):
    chat: ChatRef
    message_id: str


@dataclass(frozen=True, slots=True)
class SendFile(Action):
    """Resend a stored file by its platform reference (no upload)."""

    chat: ChatRef
    file_ref: str
    caption: str = ""
    reply_to: str | None = None


@dataclass(frozen=True, slots=True)
class UploadFile(Action):
    """Upload a file the bot made (a member's data export...) to a chat, or privately to `user`.

    Exactly one of `chat` and `user` is set. `content` is the whole file: keep it small, members are
    often on slow connections. Where the platform has no uploads (`Capabilities.files` False) do not
    send one. The console writes the file to a private folder next to the database and prints its path.
    """

    name: str
    content: bytes
    chat: ChatRef | None = None
    user: User | None = None
    caption: str = ""
    mime: str = "application/octet-stream"

    def __post_init__(self) -> None:
        if (self.chat is None) == (self.user is None):
            raise ValueError("UploadFile needs exactly one of chat= or user=")


@dataclass(frozen=True, slots=True)
class PollSpec:
    """A native poll. `correct_option` makes it a quiz; `close_at` is an aware UTC time."""

    question: str
    options: tuple[str, ...]
    multiple: bool = False
    anonymous: bool = False
    correct_option: int | None = None
    explanation: str | None = None
    close_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SendPoll(Action):
    chat: ChatRef
    poll: PollSpec


@dataclass(frozen=True, slots=True)
class StopPoll(Action):
    chat: ChatRef
    message_id: str


@dataclass(frozen=True, slots=True)
class _MemberAction(Action):
    chat: ChatRef
    user: User
    reason: str = ""

    @property
    def default_priority(self) -> Priority:
        return Priority.MODERATION


@dataclass(frozen=True, slots=True)
class Restrict(_MemberAction):
    """Mute: the member may read but not post until `until` (None = until lifted)."""

    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Unrestrict(_MemberAction):
    pass


@dataclass(frozen=True, slots=True)
class Kick(_MemberAction):
    pass


@dataclass(frozen=True, slots=True)
class Ban(_MemberAction):
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Unban(_MemberAction):
    pass


@dataclass(frozen=True, slots=True)
class ApproveJoin(_MemberAction):
    pass


@dataclass(frozen=True, slots=True)
class DeclineJoin(_MemberAction):
    pass


@dataclass(frozen=True, slots=True)
class AddRole(_MemberAction):
    """Give a platform role (Discord) or badge; `role` is the platform role id or name."""

    role: str = ""


@dataclass(frozen=True, slots=True)
class RemoveRole(_MemberAction):
    role: str = ""


@dataclass(frozen=True, slots=True)
class Sent:
    """What an adapter returns after performing an action: the new message's id, if any."""

    message_id: str | None = None
    poll_ref: str | None = None
