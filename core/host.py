"""What the runtime offers the parts that serve plugins (contexts, the dispatcher, the dashboard).

A protocol, so that those parts depend on this small description instead of on core.runtime, which
builds them: core/runtime.py implements it, and no module below the runtime imports the runtime.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from core.capabilities import Capabilities
    from core.clock import Clock
    from core.commands import CommandRegistry
    from core.config import Community, Config
    from core.events import ChatRef, Event, Role, User
    from core.i18n import Translator
    from core.identities import Identities
    from core.members import MemberDirectory
    from core.scheduler import Scheduler
    from core.storage import Storage
    from core.unit import Outgoing, UnitOfWork


class Host(Protocol):
    """The runtime as seen from below: its parts, and the services contexts call."""

    config: Config
    clock: Clock
    storage: Storage
    scheduler: Scheduler
    members: MemberDirectory
    identities: Identities
    translator: Translator
    commands: CommandRegistry

    @property
    def database_path(self) -> str:
        """The database file (":memory:" in some tests), for files kept beside it."""

    def plugin_config(self, plugin: str, community: str) -> Any:
        """`plugin`'s validated config for `community` (None for a plugin without settings)."""

    def plugin_state(self, plugin: str) -> dict[str, Any]:
        """`plugin`'s in-memory scratch space for this runtime."""

    def plugin_descriptions(self) -> Mapping[str, str]:
        """Every enabled plugin's name and one-line description."""

    def capabilities(self, platform: str | None) -> Capabilities:
        """What `platform`'s adapter supports (text only for an unknown platform)."""

    def platform_running(self, platform: str) -> bool:
        """Whether an adapter for `platform` runs."""

    def bot_handle(self, platform: str) -> str | None:
        """The bot's handle on `platform`, once its adapter is connected."""

    def community_of(self, event: Event) -> Community:
        """The community `event` acts in (its group's; in a private chat, the member's)."""

    def note_storage_full(self) -> None:
        """Record that the database cannot grow (logged at most every ten minutes)."""

    async def role_of(self, user: User, chat: ChatRef | None, community: Community) -> Role:
        """`user`'s role in `community`: the configured one or the platform's, whichever is higher."""

    def unit(self, inbox_id: int | None = None, *, eager: bool = False) -> UnitOfWork:
        """A unit of work on the runtime's storage (writes, replies and domain events commit together)."""

    async def send_now(self, record: Outgoing) -> asyncio.Future[Any]:
        """Store and queue an action asked for outside any unit of work."""

    async def emit_now(self, event: Event) -> None:
        """Store and dispatch an event emitted outside any unit of work."""

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Run `coro` in the background, owned by the runtime."""

    async def announce(self, plugin: str, kind: str, keys: Iterable[str]) -> None:
        """Tell the other workers that `plugin`'s entries `keys` of `kind` changed (core.directories)."""

    async def collect_user_data(self, member: str, *, erase: bool, community: Community,
                                event: Event | None) -> list[tuple[str, Any]]:
        """Every plugin's `practica_user_data` answer for `member` as (plugin, data), then what the adapter
        of the member's platform keeps outside the database as (platform, data)."""

    async def filter_event(self, community: Community, event: Event | None) -> tuple[str, Any] | None:
        """The first plugin's `practica_filter_event` verdict on `event` as (plugin, verdict), or None."""

    async def ask(self, question: str, asker: str, community: Community, event: Event | None,
                  arguments: Mapping[str, Any]) -> Any:
        """The first answer of the other plugins to the question hook `question`, or None."""

    def dashboard_url(self) -> str | None:
        """Where the dashboard's links point, or None when it does not run."""

    async def is_coordinator(self, user: User) -> bool:
        """Whether `user` may sign in to the dashboard (moderator or more somewhere)."""
