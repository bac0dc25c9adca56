"""`core.Plugin`: a plugin's base class, which collects its config, commands, jobs, migrations and members' data.

A plugin's class collects what its package declares (as a discord.py Cog collects its commands): a
subclass defined in a package's `__init__.py` finds the layout's slots by name (`commands.ALL`,
`jobs.KINDS`, `store.MIGRATIONS`, `members.user_data`, a `dashboard` module), and a class attribute set
in the class body wins over its slot. The declaration hooks and `practica_user_data` are implemented
once, here; pluggy finds them on the instance because it registers every marked method of
`dir(plugin)`, inherited ones included. Other hooks stay `@hookimpl` methods of the plugin's class. A
plain pluggy plugin (any object with `@hookimpl` methods) still works.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from core.commands import Command
from core.dialects import Migration
from core.errors import PluginLoadError
from core.hookspecs import hookimpl
from core.scheduler import JobKind

if TYPE_CHECKING:
    from core.context import Context

SLOTS = {"commands": ("commands", "ALL"), "jobs": ("jobs", "KINDS"), "migrations": ("store", "MIGRATIONS"),
         "member_data": ("members", "user_data")}
"""Class attribute -> (module of the plugin's package, name in it) that fills it when the class body does not."""

MemberData = Callable[[str, "Context", bool], Awaitable[Mapping[str, Any] | None]]
"""`async def user_data(member, ctx, erase)`: export (erase=False) or erase one member's data."""


class Plugin:
    """Base class of a practica plugin: set the class attributes, keep other hooks as @hookimpl methods."""

    config: ClassVar[type | None] = None
    """The frozen dataclass of `[plugins.<name>]` (None: the plugin takes no settings)."""
    commands: ClassVar[Iterable[Command]] = ()
    """The plugin's @command handlers (default: `commands.ALL` of the plugin's package)."""
    jobs: ClassVar[Mapping[str, JobKind[Any]]] = {}
    """The plugin's job kinds by name (default: `jobs.KINDS`), e.g. `{"digest": JobKind(digest)}`."""
    migrations: ClassVar[Sequence[Migration]] = ()
    """The plugin's SQL migrations in order, append-only (default: `store.MIGRATIONS`)."""
    member_data: ClassVar[MemberData | None] = None
    """What /mydata exports and /forgetme erases (default: `members.user_data`)."""
    dashboard: ClassVar[str | None] = None
    """The module holding the plugin's dashboard `PAGES` (default: the package's `dashboard` module, if
    any); imported only when the dashboard asks, so that a bot without it never imports Starlette."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        package = sys.modules.get(cls.__module__)
        if package is None or not hasattr(package, "__path__"):  # not a package's __init__.py: attributes only
            return
        for attribute, (module, name) in SLOTS.items():
            if attribute not in cls.__dict__ and importlib.util.find_spec(f"{package.__name__}.{module}") is not None:
                found = importlib.import_module(f"{package.__name__}.{module}")
                if not hasattr(found, name):
                    raise PluginLoadError(f"{found.__name__} has no {name}: define it there, or set {attribute} "
                                          f"on the class {cls.__qualname__} (see README, \"The plugin layout\").")
                setattr(cls, attribute, getattr(found, name))
        if "dashboard" not in cls.__dict__ and importlib.util.find_spec(f"{package.__name__}.dashboard") is not None:
            cls.dashboard = f"{package.__name__}.dashboard"  # found, not imported: Starlette only when asked

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
    def practica_register_migrations(self) -> Sequence[Migration] | None:
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
