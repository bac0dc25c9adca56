"""`core.Plugin`: a plugin's base class, which collects its config, commands, jobs, migrations and members' data.

A plugin's class names what it declares as class attributes (as a discord.py Cog collects its commands);
the declaration hooks (with `practica_dashboard_pages`) and `practica_user_data` are implemented once, here, and pluggy finds them on
the instance because it registers every marked method of `dir(plugin)`, inherited ones included. Other hooks stay `@hookimpl`
methods of the plugin's class. A plain pluggy plugin (any object with `@hookimpl` methods) still works.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from core.commands import Command
from core.hookspecs import hookimpl
from core.scheduler import JobKind

if TYPE_CHECKING:
    from core.context import Context

MemberData = Callable[[str, "Context", bool], Awaitable[Mapping[str, Any] | None]]
"""`async def user_data(member, ctx, erase)`: export (erase=False) or erase one member's data."""


class Plugin:
    """Base class of a practica plugin: set the class attributes, keep other hooks as @hookimpl methods."""

    config: ClassVar[type | None] = None
    """The frozen dataclass of `[plugins.<name>]` (None: the plugin takes no settings)."""
    commands: ClassVar[Iterable[Command]] = ()
    """The plugin's @command handlers, usually `commands.ALL`."""
    jobs: ClassVar[Mapping[str, JobKind[Any]]] = {}
    """The plugin's job kinds by name, e.g. `{jobs.DIGEST: JobKind(jobs.digest)}`."""
    migrations: ClassVar[Sequence[str]] = ()
    """The plugin's SQL migrations in order (append-only), usually `store.MIGRATIONS`."""
    member_data: ClassVar[MemberData | None] = None
    """What /mydata exports and /forgetme erases, usually `members.user_data`."""
    dashboard: ClassVar[str | None] = None
    """The module holding the plugin's dashboard `PAGES`, e.g. `f"{__name__}.dashboard"`; imported only
    when the dashboard asks, so that a bot without it never imports Starlette."""

    @hookimpl
    def practica_config_schema(self) -> type | None:
        return self.config

    @hookimpl
    def practica_register_commands(self) -> Iterable[Command] | None:
        return tuple(self.commands) or None

    @hookimpl
    def practica_register_jobs(self) -> Mapping[str, JobKind[Any]] | None:
        return dict(self.jobs) or None

    @hookimpl
    def practica_register_migrations(self) -> Sequence[str] | None:
        return tuple(self.migrations) or None

    @hookimpl
    def practica_dashboard_pages(self) -> Iterable[Any] | None:
        if self.dashboard is None:
            return None
        pages: Iterable[Any] = importlib.import_module(self.dashboard).PAGES
        return pages

    @hookimpl
    async def practica_user_data(self, member: str, ctx: Context, erase: bool) -> Mapping[str, Any] | None:
        handler = type(self).member_data  # read on the class: a plain function, not bound to self
        return None if handler is None else await handler(member, ctx, erase)
