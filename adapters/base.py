"""The adapter contract: what a platform adapter provides to the core, and what the core gives it.

An adapter turns platform updates into `core.events` values (`host.deliver(event)`) and performs
`core.replies` actions (`perform(action) -> Sent`). It declares what its platform can do in
`Capabilities`, so plugins degrade gracefully (text polls where there are no native polls, a direct
message where there are no ephemeral answers). Platform types never leave `adapters/<platform>/`.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from collections.abc import Mapping
from typing import Any, ClassVar, Protocol

from core.capabilities import Capabilities
from core.events import ChatRef, Event, Role, User
from core.replies import Action, Sent


@dataclass(frozen=True, slots=True)
class CommandInfo:
    """A command as an adapter may publish it (Telegram setMyCommands, Discord slash commands)."""

    name: str
    descriptions: dict[str, str] = field(default_factory=dict)  # locale -> one line
    usage: str = ""
    role: Role = Role.MEMBER
    names: dict[str, str] = field(default_factory=dict)  # locale -> the command's word there ("fr": "aide")
    usages: dict[str, str] = field(default_factory=dict)  # locale -> the usage line there, when it differs


class AdapterHost(Protocol):
    """What the core offers an adapter."""

    @property
    def prefix(self) -> str:
        """The command prefix ("/" by default)."""

    async def deliver(self, event: Event, *, source: str | None = None) -> None:
        """Hand an inbound event to the core; returns once it is stored (only then confirm it to the
        platform). Waits while the intake is full. `source` is the platform's id for what carried the
        event (e.g. `telegram:update:812`): a re-delivery with the same source is ignored."""

    def configured_role(self, user: User, chat: ChatRef | None) -> Role:
        """The role given by plugins.toml (community moderators...), without asking the platform."""

    @property
    def data_dir(self) -> str:
        """The folder of the database, for files an adapter must keep privately (console uploads)."""

    async def delivery_status(self, platform: str, message_id: str, status: str, *, error: str = "") -> bool:
        """The platform's later report on a message it accepted ("sent", "delivered", "read", "failed"
        with `error`), written to its delivery record; returns once stored (only then confirm the
        report). False when no record has that id."""


class Adapter(ABC):
    """Base class of platform adapters.

    Subclasses set `name`, `config_type` (a frozen dataclass validated from `[adapters.<name>]`) and
    `capabilities`, and implement `start`, `stop` and `perform`.
    """

    name: ClassVar[str]
    config_type: ClassVar[type]
    capabilities: Capabilities

    def __init__(self, config: Any, host: AdapterHost) -> None:
        self.config = config
        self.host = host
        self.log = logging.getLogger(f"practica.adapters.{self.name}")

    @abstractmethod
    async def start(self) -> None:
        """Connect and begin delivering events. Returns once the adapter is running."""

    async def stop_intake(self) -> None:
        """Stop fetching new events; sending still works (the outbox is flushed before `stop`).

        Default: nothing (events that still arrive are stored and handled at the next start).
        """

    @abstractmethod
    async def stop(self) -> None:
        """Stop receiving, finish in-flight requests, release the connection. Idempotent."""

    @abstractmethod
    async def perform(self, action: Action) -> Sent:
        """Carry out one outbound action; raise `DeliveryError` (with retry_after/permanent) on failure."""

    async def member_data(self, member_id: str, *, erase: bool) -> Mapping[str, Any] | None:
        """What the adapter itself keeps about the member `member_id` of its platform outside the
        database (WhatsApp: the 24-hour window store), for `/mydata`; deleted when `erase` (`/forgetme`).
        Default: nothing."""
        return None

    async def platform_role(self, chat: ChatRef, user: User) -> Role:
        """The role the platform itself gives `user` in `chat` (chat admin, guild owner...)."""
        return Role.MEMBER

    async def publish_commands(self, commands: list[CommandInfo]) -> None:
        """Make the command list visible in the platform's UI, where it has one."""

    async def wait_finished(self) -> None:
        """Return when the adapter has no more input for good (console end of input). Default: never."""
        import asyncio

        await asyncio.Event().wait()
