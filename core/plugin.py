"""`core.Plugin`: the base class of a plugin, which collects its own config, commands, jobs and migrations.

A plugin's class names what it declares as class attributes (as a discord.py Cog collects its commands);
the four declaration hooks are implemented once, here, and pluggy finds them on the instance because it
registers every marked method of `dir(plugin)`, inherited ones included. Other hooks stay `@hookimpl`
methods of the plugin's class. A plain pluggy plugin (any object with `@hookimpl` methods) still works.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from core.commands import Command
from core.hookspecs import hookimpl
from core.scheduler import JobKind


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
