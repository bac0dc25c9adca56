"""The adapter contract: what a platform adapter provides to the core, and what the core gives it.

An adapter turns platform updates into `core.events` values (`host.deliver(event)`) and performs
`core.replies` actions (`perform(action) -> Sent`). It declares what its platform can do in
`Capabilities` (so plugins degrade gracefully), how fast the platform lets a bot send (`Budget`,
applied by the outbox) and, once connected, the bot's own handle (`/cmd@thisbot`). Platform types
never leave `adapters/<platform>/`, and the core never imports an adapter: the runtime finds adapter
classes by name in the `practica.adapters` entry-point group, importing one only when it is enabled.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from core.capabilities import Capabilities
from core.events import ChatRef, Event, Role, User
from core.replies import Action, Sent

__all__ = ["ADAPTER_GROUP", "Adapter", "AdapterHost", "Budget", "Capabilities", "CommandInfo", "adapter_names",
           "load_adapter_class"]

ADAPTER_GROUP = "practica.adapters"
"""The entry-point group naming adapter classes (`telegram = "adapters.telegram.adapter:TelegramAdapter"`)."""


@dataclass(frozen=True)
class Budget:
    """Sending limits of one platform (0 = no limit), declared by its adapter and kept by the outbox."""

    chat_gap: float = 0.0          # seconds between two messages to one chat
    group_per_minute: int = 0      # messages per minute to one group
    global_per_second: int = 0     # messages per second overall
    retry_window: float = 6 * 3600.0  # seconds of transient errors before giving up on an action
    backoff: float = 1.0           # first backoff delay, doubled each time (capped at max_backoff)
    max_backoff: float = 60.0


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

    async def accept(self, event: Event, *, source: str | None = None) -> asyncio.Future[int | None]:
        """Like `deliver`, but return as soon as there is room: the future resolves once the event is
        stored (adapters that confirm many updates at once wait for the futures themselves)."""

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

    Subclasses set `name`, `config_type` (a frozen dataclass validated from `[adapters.<name>]`),
    `capabilities` and, where the platform limits sending, `budget`; they set `bot_handle` once
    connected, and implement `start`, `stop` and `perform`.
    """

    name: ClassVar[str]
    config_type: ClassVar[type]
    capabilities: Capabilities
    budget: ClassVar[Budget] = Budget()
    bot_handle: str | None = None
    """The bot's own handle on the platform (without @), so `/cmd@thisbot` is ours and `/cmd@other` is not."""

    def __init__(self, config: Any, host: AdapterHost) -> None:
        self.config = config
        self.host = host
        self.log = logging.getLogger(f"practica.adapters.{self.name}")

    @abstractmethod
    async def start(self) -> None:
        """Connect and begin delivering events. Returns once the adapter is running."""

    defer_intake: bool = False
    """Set before `start()` by a runtime sharing the database with other workers when
    `exclusive_intake`: connect for sending only; receiving begins with `start_intake()`."""

    @property
    def exclusive_intake(self) -> bool:
        """Whether only one process may receive at a time (Telegram's getUpdates): with several workers
        the holder of the intake lease receives (core.workers). Default: every worker may receive."""
        return False

    async def start_intake(self) -> None:
        """Begin receiving after a `start()` with `defer_intake` (again after a `stop_intake()`)."""

    @property
    def intake_parts(self) -> int:
        """How many parts an `exclusive_intake` is split into, each received by one worker at a time
        (Discord's gateway shards; known once `start()` returned). With several workers each part is a
        lease, `intake:<platform>:<part>`, and a worker holds at most its fair share of them
        (core.workers). 0 (the default): the intake is one piece (`start_intake`)."""
        return 0

    async def start_intake_part(self, part: int) -> None:
        """Begin receiving part `part` (0 <= part < intake_parts) after a `start()` with `defer_intake`."""

    async def stop_intake_part(self, part: int) -> None:
        """Stop receiving part `part` (another worker receives it now); sending still works."""

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
        await asyncio.Event().wait()


def _entry_points() -> dict[str, importlib.metadata.EntryPoint]:
    return {entry.name: entry for entry in importlib.metadata.entry_points(group=ADAPTER_GROUP)}


def adapter_names() -> list[str]:
    """The names of every installed adapter (`[adapters.<name>]`), sorted."""
    return sorted(_entry_points())


def load_adapter_class(name: str) -> type[Adapter]:
    """Import and return the adapter class installed under `name` (KeyError if there is none).

    Only now is the platform's library imported, so an unused platform costs nothing.
    """
    loaded = _entry_points()[name].load()
    if not (isinstance(loaded, type) and issubclass(loaded, Adapter)):
        raise TypeError(f"entry point {name!r} in {ADAPTER_GROUP!r} is {loaded!r}, not a core.adapter.Adapter subclass")
    return loaded
