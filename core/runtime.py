"""The runtime: wires config, plugins, storage, scheduler, outbox, dispatcher and adapters.

    async with Runtime(load_config("plugins.toml")) as rt:
        await rt.run_until_stopped()

Start order: plugins are loaded and checked (nothing runs if one is broken), the database is opened
and migrated, plugins' startup hooks run, then adapters connect and the scheduler starts. Stop order
is the reverse, and accepted events finish first (within `[practica] shutdown_grace`).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Coroutine, Mapping
from types import TracebackType
from typing import Any

from adapters import BUILTIN_ADAPTERS, load_adapter_class
from adapters.base import Adapter, Capabilities, CommandInfo
from core import members as members_module
from core import scheduler as scheduler_module
from core.clock import Clock
from core.config import Community, Config
from core.context import Context
from core.dispatcher import Dispatcher
from core.errors import ConfigError
from core.events import ChatRef, Event, Role, User
from core.i18n import Translator
from core.members import MemberDirectory
from core.outbox import Outbox
from core.plugins import LoadedPlugins, load_plugins
from core.scheduler import Job, JobKind, Scheduler, kinds_from
from core.schema import did_you_mean, validate
from core.storage import Storage

log = logging.getLogger("practica.runtime")

CORE_MIGRATIONS: dict[str, tuple[str, ...]] = {
    "core.members": members_module.MIGRATIONS,
    "core.scheduler": scheduler_module.MIGRATIONS,
}


class Runtime:
    """One bot: plugins, storage, adapters and the loop's tasks that serve them.

    Args:
        config: the validated plugins.toml.
        clock: the clock (the test kit passes a FakeClock).
        adapters: ready adapter objects by platform, replacing the ones in config (test kit).
        extra_plugins: additional plugin objects by name (tests).
        only_plugins: enable only these plugins (tests).
        database: override the database path (':memory:' in tests).
    """

    def __init__(self, config: Config, *, clock: Clock | None = None, adapters: Mapping[str, Adapter] | None = None,
                 extra_plugins: Mapping[str, Any] | None = None, only_plugins: set[str] | None = None,
                 database: str | None = None) -> None:
        self.config = config
        self.clock = clock or Clock()
        self.loaded: LoadedPlugins = load_plugins(config, extra=extra_plugins, only=only_plugins)
        self.runner = self.loaded.runner
        self.commands = self.loaded.commands
        self.translator = Translator()
        for name, info in self.loaded.infos.items():
            if info.enabled and info.folder is not None:
                self.translator.add_plugin(name, info.folder / "locales")
        self.adapters: dict[str, Adapter] = dict(adapters) if adapters is not None else self._build_adapters()
        self._database = database or config.database_path
        self.storage: Storage = None  # type: ignore[assignment]  # opened in start()
        self.members: MemberDirectory = None  # type: ignore[assignment]
        self.outbox = Outbox(self.adapters, self.clock)
        self.dispatcher = Dispatcher(self, capacity=config.practica.inbound_queue)
        self.scheduler: Scheduler = None  # type: ignore[assignment]
        self._stop_requested = asyncio.Event()
        self._started = False
        self._state: dict[str, dict[str, Any]] = {}
        self._background: set[asyncio.Task[Any]] = set()

    # --- construction ---------------------------------------------------------------------

    def _build_adapters(self) -> dict[str, Adapter]:
        adapters: dict[str, Adapter] = {}
        for name, table in self.config.adapters.items():
            if name not in BUILTIN_ADAPTERS:
                raise ConfigError(f"{self.config.path} [adapters.{name}]: no adapter named {name!r}"
                                  f"{did_you_mean(name, BUILTIN_ADAPTERS)}. Available: {', '.join(BUILTIN_ADAPTERS)}.")
            if table.get("enabled", True) is False:
                continue
            cls = load_adapter_class(name)
            settings = validate(cls.config_type, table, f"{self.config.path} [adapters.{name}]")
            adapters[name] = cls(settings, self)
        if not adapters:
            raise ConfigError(f"{self.config.path}: no adapter is enabled; add [adapters.console] to talk to the bot in the terminal.")
        return adapters

    # --- life cycle -------------------------------------------------------------------------

    async def __aenter__(self) -> Runtime:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.stop()

    async def start(self) -> None:
        """Open storage, migrate, run startup hooks, connect adapters, start the scheduler."""
        self.storage = await Storage.open(self._database)
        for owner, migrations in (*CORE_MIGRATIONS.items(), *self.loaded.migrations.items()):
            await self.storage.migrate(owner, migrations)
        self.members = MemberDirectory(self.storage)
        await self.members.load()
        paused = frozenset((plugin, c.name) for c in self.config.communities.values() for plugin in c.disabled_plugins)
        self.scheduler = Scheduler(self.storage, self.clock, self._run_job, kinds_from(self.loaded.jobs),
                                   frozenset(self.loaded.enabled), paused)
        default = self.config.community_for(None)
        await self.runner.each("practica_startup", lambda plugin: Context(self, plugin, default))
        for adapter in self.adapters.values():
            await adapter.start()
            try:
                await adapter.publish_commands(self.command_infos())
            except Exception:
                log.warning("adapter %s: could not publish the command list", adapter.name, exc_info=True)
        self.scheduler.start()
        self._started = True
        log.info("practica started: adapters %s; plugins %s", ", ".join(self.adapters), ", ".join(self.loaded.enabled))

    async def stop(self) -> None:
        """Stop intake, finish accepted events, run shutdown hooks, flush replies, close storage."""
        if self.storage is None:
            return
        grace = self.config.practica.shutdown_grace
        for adapter in self.adapters.values():
            try:
                await asyncio.wait_for(adapter.stop(), timeout=grace)
            except Exception:
                log.warning("adapter %s did not stop cleanly", adapter.name, exc_info=True)
        await self.dispatcher.drain(grace)
        if self.scheduler is not None:
            await self.scheduler.stop()
        if self._background:
            _, late = await asyncio.wait(set(self._background), timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        default = self.config.community_for(None)
        await self.runner.each("practica_shutdown", lambda plugin: Context(self, plugin, default))
        if not await self.outbox.join(timeout=grace):
            log.warning("shutdown: some replies could not be sent within %.1f s", grace)
        await self.outbox.close()
        await self.runner.guard.close()
        await self.storage.close()
        self.storage = None  # type: ignore[assignment]
        self._started = False

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Run `coro` in the background, owned by the runtime: errors are logged, the task is awaited by
        `idle()` and cancelled at shutdown (after accepted events finished)."""
        task = asyncio.create_task(coro, name=name)
        self._background.add(task)
        task.add_done_callback(self._background_done)
        return task

    def _background_done(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task %s failed", task.get_name(), exc_info=task.exception())

    def request_stop(self) -> None:
        """Ask `run_until_stopped` to return (signal handlers call this)."""
        self._stop_requested.set()

    async def run_until_stopped(self) -> None:
        """Serve until a stop is requested or every adapter has run out of input (console EOF).

        An adapter that fails for good after starting (e.g. Discord refusing a privileged intent)
        raises its AdapterError here, so the operator sees the fix and the process exits non-zero.
        """
        stop = asyncio.create_task(self._stop_requested.wait(), name="practica-stop-request")
        finished = {asyncio.create_task(a.wait_finished(), name=f"practica-finished-{a.name}") for a in self.adapters.values()}
        pending = set(finished)
        try:
            while pending:
                done, _ = await asyncio.wait({stop, *pending}, return_when=asyncio.FIRST_COMPLETED)
                if stop in done:
                    return
                for task in done:
                    pending.discard(task)
                    if task.exception() is not None:
                        raise task.exception()  # type: ignore[misc]
            await self.idle()
        finally:
            for task in (stop, *finished):
                task.cancel()

    async def idle(self) -> None:
        """Wait until accepted events, due jobs and queued replies are all done."""
        for _ in range(100):
            await self.dispatcher.join()
            if self.scheduler is not None:
                await self.scheduler.idle()
            if self._background:
                await asyncio.wait(set(self._background))
            await self.outbox.join()
            await asyncio.sleep(0)
            if self.dispatcher._pending == 0 and not self._background:
                return

    # --- AdapterHost ---------------------------------------------------------------------------

    @property
    def prefix(self) -> str:
        """The command prefix, for adapters that turn slash commands into text commands."""
        return self.config.practica.prefix

    @property
    def data_dir(self) -> str:
        """The folder holding the database: where the console keeps files it was asked to upload."""
        return os.path.dirname(os.path.abspath(self._database)) if self._database != ":memory:" else os.getcwd()

    async def deliver(self, event: Event) -> None:
        """Adapters hand inbound events here."""
        await self.dispatcher.submit(event)

    def configured_role(self, user: User, chat: ChatRef | None) -> Role:
        return self.config.community_for(chat).role_of(user)

    # --- services for contexts -----------------------------------------------------------------

    def plugin_state(self, plugin: str) -> dict[str, Any]:
        return self._state.setdefault(plugin, {})

    def plugin_config(self, plugin: str, community: str) -> Any:
        info = self.loaded.infos.get(plugin)
        if info is None:
            return None
        return info.community_configs.get(community, info.config)

    def capabilities(self, platform: str | None) -> Capabilities:
        adapter = self.adapters.get(platform or "")
        if adapter is None:
            return Capabilities(platform=platform or "unknown")
        return adapter.capabilities

    def bot_handle(self, platform: str) -> str | None:
        adapter = self.adapters.get(platform)
        return getattr(adapter, "bot_handle", None) if adapter is not None else None

    async def role_of(self, user: User, chat: ChatRef | None, community: Community) -> Role:
        """The larger of the configured role and the platform's (chat admin, guild owner...)."""
        role = community.role_of(user)
        if role >= Role.OWNER or chat is None or chat.is_direct:
            return role
        adapter = self.adapters.get(chat.platform)
        if adapter is None:
            return role
        try:
            return max(role, await adapter.platform_role(chat, user))
        except Exception:
            log.warning("adapter %s: could not look up a member's role; using the configured one", chat.platform, exc_info=True)
            return role

    def command_infos(self) -> list[CommandInfo]:
        """Commands as adapters publish them, with English and French descriptions."""
        out = []
        for cmd in self.commands:
            descriptions = {}
            for lang in self.translator.languages:
                text = self.translator.lookup(cmd.plugin, lang, f"help.{cmd.name}")
                descriptions[lang] = text if text is not None else cmd.help
            out.append(CommandInfo(name=cmd.name, descriptions=descriptions, usage=cmd.usage(self.config.practica.prefix), role=cmd.role))
        return out

    async def _run_job(self, job: Job, kind: JobKind) -> None:
        community = self.config.communities.get(job.community) or self.config.community_for(None)
        ctx = Context(self, job.plugin, community, None)
        async with asyncio.timeout(self.runner.budget):
            await kind.handler(ctx, job)
