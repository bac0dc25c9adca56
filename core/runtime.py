"""The runtime: wires config, plugins, storage, scheduler, outbox, dispatcher and adapters.

    async with Runtime(load_config("plugins.toml")) as rt:
        await rt.run_until_stopped()

Start order: plugins are loaded and checked (nothing runs if one is broken), the database is locked
for this process, opened and migrated; replies stored before a stop or crash are queued again;
plugins' startup hooks run; overdue jobs run (so a poll that should have closed during downtime is
closed before anyone asks about it); events stored but not handled are queued again; then adapters
connect, the outbox starts sending and the scheduler starts.

Stop order: stop intake, finish accepted events, run shutdown hooks, flush the outbox (all within
`[practica] shutdown_grace`), then close adapters. What is not sent by then stays stored.

Delivery guarantees (DESIGN.md section 7): every inbound event is stored before it is confirmed to
the platform; each event or job is one unit of work (core.unit) whose writes, replies and domain
events commit together; replies are sent after commit from the durable outbox (core.deliveries).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

from core.dialects import Migration
from core import deliveries as deliveries_module
from core import identities as identities_module
from core import inbox as inbox_module
from core import leases as leases_module
from core import members as members_module
from core import native_polls as native_polls_module
from core import scheduler as scheduler_module
from core import send_windows as send_windows_module
from core.adapter import Adapter, AdapterHost, CommandInfo, adapter_names, load_adapter_class
from core.capabilities import Capabilities
from core.clock import Clock
from core.communities import community_of_event
from core.dashboard import auth as dashboard_auth
from core.config import Community, Config
from core.context import Context
from core.deliveries import INSERT_SQL as OUTBOX_INSERT, Deliveries, Delivery, platform_of
from core.directories import Listener, Notices, PluginDirectories
from core.dispatcher import Dispatcher
from core.hookspecs import QUESTIONS
from core.errors import ConfigError, PracticaError
from core.events import ChatRef, Event, Role, User
from core.inbox import DONE_SQL, INSERT_SQL as INBOX_INSERT, Inbox, InboxWriter
from core.lock import DatabaseLock
from core.i18n import Translator
from core.members import MemberDirectory
from core.identities import Identities
from core.native_polls import NativePolls, NotingReceipts
from core.outbox import Outbox
from core.replies import Reply
from core.plugins import LoadedPlugins, load_plugins
from core.scheduler import Job, JobKind, Scheduler, kinds_from
from core.schema import did_you_mean, validate
from urllib.parse import urlsplit

from core.engines import again_on_lost_connection, is_postgresql, open_storage, redacted, url_problem, workers_problem
from core.storage import Storage, is_storage_full, to_utc_text
from core.throttle import Throttle
from core.unit import Outgoing, Step, UnitOfWork
from core.workers import Workers, migration_lock

if TYPE_CHECKING:
    from core.dashboard.server import DashboardServer

log = logging.getLogger("practica.runtime")


class _LeftForTheHolder(Exception):
    """Several workers: an event this worker may no longer handle (core.workers.Workers.may_work)."""


CORE_MIGRATIONS: dict[str, tuple[Migration, ...]] = {
    "core.members": members_module.MIGRATIONS,
    "core.identities": identities_module.MIGRATIONS,
    "core.native_polls": native_polls_module.MIGRATIONS,
    "core.scheduler": scheduler_module.MIGRATIONS,
    "core.inbox": inbox_module.MIGRATIONS,
    "core.outbox": deliveries_module.MIGRATIONS,
    "core.dashboard": dashboard_auth.MIGRATIONS,
    "core.leases": leases_module.MIGRATIONS,
    "core.send_windows": send_windows_module.MIGRATIONS,
}


class Runtime:
    """One bot: plugins, storage, adapters and the loop's tasks that serve them.

    Args:
        config: the validated plugins.toml.
        clock: the clock (the test kit passes a FakeClock).
        adapters: adapters by platform, replacing the ones in config (test kits): ready objects, or
            factories called with the runtime as their host (an adapter given a test transport).
        extra_plugins: additional plugin objects by name (tests).
        only_plugins: enable only these plugins (tests).
        database: override the database path (':memory:' in tests).
    """

    def __init__(self, config: Config, *, clock: Clock | None = None,
                 adapters: Mapping[str, Adapter | Callable[[AdapterHost], Adapter]] | None = None,
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
        self.adapters: dict[str, Adapter] = self._build_adapters() if adapters is None else {
            name: given if isinstance(given, Adapter) else given(self) for name, given in adapters.items()}
        self._database = database or config.database_path
        self.storage: Storage = None  # type: ignore[assignment]  # opened in start()
        self.members: MemberDirectory = None  # type: ignore[assignment]
        self.identities: Identities = None  # type: ignore[assignment]
        self.native_polls: NativePolls = None  # type: ignore[assignment]
        self.outbox = Outbox(self.adapters, self.clock, retry_window=config.practica.delivery_retry_window)
        self.dispatcher = Dispatcher(self, self.runner, self.handle_event, capacity=config.practica.inbound_queue)
        self.scheduler: Scheduler = None  # type: ignore[assignment]
        self.inbox: Inbox = None  # type: ignore[assignment]
        self.deliveries: Deliveries = None  # type: ignore[assignment]
        self._inbox_writer: InboxWriter | None = None
        self.workers: Workers | None = None  # PostgreSQL: this worker's share of a database other workers may use
        self.directories: Listener | None = None  # several workers: hears the others' changes to what is kept in memory
        self._notices: Notices | None = None
        self._lock: DatabaseLock | None = None
        self._stop_requested = asyncio.Event()
        self._state: dict[str, dict[str, Any]] = {}
        self._background: set[asyncio.Task[Any]] = set()
        self._started_adapters: list[Adapter] = []
        self._storage_full = Throttle(600.0, lambda: self.clock.monotonic())  # logged at most every ten minutes
        self._done_batch: list[int] = []
        self._done_writer: asyncio.Task[None] | None = None
        self.dashboard: DashboardServer | None = None  # when [dashboard] enabled

    # --- construction ---------------------------------------------------------------------

    def _build_adapters(self) -> dict[str, Adapter]:
        adapters: dict[str, Adapter] = {}
        installed = adapter_names()
        for name, table in self.config.adapters.items():
            if name not in installed:
                raise ConfigError(f"{self.config.path} [adapters.{name}]: no adapter named {name!r}"
                                  f"{did_you_mean(name, installed)}. Available: {', '.join(installed)}.")
            if table.get("enabled", True) is False:
                continue
            cls = load_adapter_class(name)
            settings: Any = validate(cls.config_type, table, f"{self.config.path} [adapters.{name}]")
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

    async def _migrate(self) -> None:
        for owner, migrations in (*CORE_MIGRATIONS.items(), *self.loaded.migrations.items()):
            await self.storage.migrate(owner, migrations)

    async def _open_postgresql(self) -> None:
        """Open the PostgreSQL pool and migrate; an unreachable or refusing server is one plain sentence."""
        import asyncpg

        problem = url_problem(self._database)
        if problem is not None:
            raise PracticaError(f"[practica] database: {problem}")
        try:
            self.storage = await open_storage(self._database)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError, ValueError) as exc:
            raise PracticaError(f"cannot use the PostgreSQL database {redacted(self._database)}: {type(exc).__name__}: "
                                f"{exc}. Check that the server runs and the URL's user, password and database are right") from None
        async with migration_lock(self.storage):  # workers started together migrate one after another
            await self._migrate()

    async def start(self) -> None:
        """Lock and open storage, migrate, queue what a stop left, run startup hooks and overdue jobs,
        connect adapters, start sending and the scheduler.

        Raises:
            PracticaError: a plain sentence for the operator; everything opened so far is closed again.
        """
        try:
            await self._start()
        except BaseException:
            await self._abort_start()
            raise

    async def _start(self) -> None:
        problem = workers_problem(self._database, self.config.practica.several_workers)
        if problem is not None:
            raise ConfigError(f"{self.config.path} [practica]: {problem}")
        if is_postgresql(self._database):  # any number of workers may share it (core.workers)
            await self._open_postgresql()
        else:
            self._lock = DatabaseLock.acquire(self._database)
            try:
                self.storage = await open_storage(self._database)
                await self._migrate()
            except (sqlite3.DatabaseError, OSError) as exc:
                raise PracticaError(f"cannot use the database {self._database}: {exc}. If it is not a practica database (or "
                                    f"it is damaged), set [practica] database to another file, or restore a backup") from exc
        self.inbox = Inbox(self.storage, self.clock)
        self.deliveries = Deliveries(self.storage, self.clock)
        for table in (self.inbox, self.deliveries):
            await table.load()
            await table.purge()
        self._inbox_writer = InboxWriter(self.inbox, on_stored=self._stored)
        if is_postgresql(self._database) and self.config.practica.several_workers:
            self.workers = Workers(self.storage, self.inbox, self.deliveries, self.config.practica.worker_lease,
                                   enqueue=self.dispatcher.enqueue, submit=self._submit_stored, busy=self._lane_busy,
                                   spawn=self.spawn)
            self.outbox.may_send = self.workers.may_work
            self.inbox.allocate = self.workers.inbox_ids
            self.deliveries.allocate = self.workers.outbox_ids
            await self.workers.start()
            workers = self.workers  # the global per-second caps hold for all workers together
            self.outbox.shared = send_windows_module.shared_windows(self.storage, self.clock, lambda: workers.live)
        self.deliveries.notify_runner = self._run_notify
        notices = self._notices = Notices(self.storage) if self.workers is not None else None
        self.native_polls = NativePolls(self.storage, self.clock, notices)
        self.outbox.receipts = NotingReceipts(self.deliveries, self.native_polls)
        self.members = MemberDirectory(self.storage, notices)
        self.identities = Identities(self.storage, notices)
        if notices is not None:  # listening before loading (core's and plugins'): no change in between is missed
            self.directories = Listener(self._database, notices, [self.members, self.identities, self.native_polls],
                                        PluginDirectories(self._plugin_directory_changed))
            await self.directories.start()
        await self.native_polls.load()
        await self.members.load()
        await self.identities.load()
        paused = frozenset((plugin, c.name) for c in self.config.communities.values() for plugin in c.disabled_plugins)
        self.scheduler = Scheduler(self.storage, self.clock, self._run_job, kinds_from(self.loaded.jobs),
                                   frozenset(self.loaded.enabled), paused, unit=self.unit,
                                   claimer=self.workers.id if self.workers else None,
                                   claim_seconds=self.config.practica.worker_lease)
        if self.workers is None:  # several workers: each claims the stored rows of the chats it takes
            await self._queue_stored_replies()
        default = self.config.community_for(None)
        async with self.unit():
            await self.runner.each("practica_startup", lambda plugin: Context(self, plugin, default))
        await self.scheduler.catch_up()
        if self.directories is not None:  # plugins loaded their state at startup: apply what came since
            self.directories.run()
        if self.workers is None:
            for inbox_id, event in await self.inbox.pending():
                self.dispatcher.enqueue(event, inbox_id)
        else:
            await self.workers.look()  # this worker's share of what is stored, before adapters connect
        if self.config.dashboard.enabled:
            from core.dashboard.server import DashboardServer  # Starlette and uvicorn only when enabled

            self.dashboard = DashboardServer(self, self.runner.collect("practica_dashboard_pages"))
            await self.dashboard.start()
        for adapter in self.adapters.values():
            shared = self.workers is not None and adapter.exclusive_intake
            adapter.defer_intake = shared  # one worker at a time receives (the intake lease's holder)
            await adapter.start()
            self._started_adapters.append(adapter)
            if shared:
                assert self.workers is not None
                self.workers.lead(adapter)
            try:
                await adapter.publish_commands(self.command_infos())
            except Exception:
                log.warning("adapter %s: could not publish the command list", adapter.name, exc_info=True)
        self.outbox.resume()
        self.scheduler.start()
        log.info("practica started: adapters %s; plugins %s", ", ".join(self.adapters), ", ".join(self.loaded.enabled))

    async def _queue_stored_replies(self) -> None:
        """Queue every stored action not confirmed as delivered (a stop or crash came first)."""
        waiting: dict[str, int] = {}
        for record in await self.deliveries.pending():
            platform = platform_of(record)
            if platform in self.adapters:
                self.outbox.submit(record.action, record.priority, record=record)
            else:
                waiting[platform] = waiting.get(platform, 0) + 1
        for platform, count in waiting.items():
            log.warning("%d stored message(s) for %s wait until its adapter is enabled again", count, platform)

    def _submit_stored(self, record: Outgoing) -> asyncio.Future[Any]:
        return self.outbox.submit(record.action, record.priority, record=record)

    def _lane_busy(self, lane: str) -> bool:
        return self.dispatcher.busy(lane) or self.outbox.busy(lane)

    async def _abort_start(self) -> None:
        """Undo a start that failed midway, so the process can exit at once."""
        await self._stop_dashboard()
        if self.workers is not None:
            await self.workers.stop_looking()
        for adapter in self._started_adapters:
            try:
                await asyncio.wait_for(adapter.stop(), timeout=5)
            except BaseException:  # noqa: BLE001 - already failing; close what we can
                log.debug("adapter %s did not stop cleanly", adapter.name)
        self._started_adapters.clear()
        if self.scheduler is not None:
            await self.scheduler.stop()
        self.dispatcher.close()
        await self.outbox.close()
        await self.runner.guard.close()
        await self._stop_directories()
        if self.storage is not None:
            if self.workers is not None:
                await self.workers.stop()
                self.workers = None
            try:
                await self.storage.close()
            except BaseException:  # noqa: BLE001
                pass
            self.storage = None  # type: ignore[assignment]
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    async def stop(self) -> None:
        """Stop intake, finish accepted events, run shutdown hooks, flush replies, close adapters and storage."""
        if self.storage is None:
            return
        grace = self.config.practica.shutdown_grace
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        await self._stop_dashboard()
        if self.workers is not None:  # claim nothing more; the intake stops with the adapters'
            await self.workers.stop_looking()
        for adapter in self.adapters.values():
            try:
                await asyncio.wait_for(adapter.stop_intake(), timeout=grace)
            except Exception:
                log.warning("adapter %s did not stop receiving cleanly", adapter.name, exc_info=True)
        await self.dispatcher.drain(max(0.1, deadline - loop.time()))
        if self._inbox_writer is not None:
            await self._inbox_writer.close()
        if self._done_writer is not None:
            await asyncio.gather(self._done_writer, return_exceptions=True)
        if self.scheduler is not None:
            await self.scheduler.stop()
        if self._background:
            _, late = await asyncio.wait(set(self._background), timeout=max(0.1, deadline - loop.time()))
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        default = self.config.community_for(None)
        async with self.unit():
            await self.runner.each("practica_shutdown", lambda plugin: Context(self, plugin, default))
        if not await self.outbox.join(timeout=max(0.5, deadline - loop.time())):
            log.warning("shutdown: some replies could not be sent within %.1f s; they are kept and sent at the next start", grace)
        await self.outbox.close()
        await self.deliveries.close()
        for adapter in self.adapters.values():
            try:
                await asyncio.wait_for(adapter.stop(), timeout=5)
            except Exception:
                log.warning("adapter %s did not stop cleanly", adapter.name, exc_info=True)
        self._started_adapters.clear()
        await self.runner.guard.close()
        await self.members.flush()
        await self._stop_directories()
        if self.workers is not None:  # what is left here is the other workers' at once
            await self.workers.stop()
            self.workers = None
        await self.storage.close()
        self.storage = None  # type: ignore[assignment]
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    async def _stop_directories(self) -> None:
        if self.directories is not None:
            await self.directories.stop()
            self.directories = None

    async def _stop_dashboard(self) -> None:
        if self.dashboard is not None:
            await self.dashboard.stop()
            self.dashboard = None

    # --- units of work ---------------------------------------------------------------------------

    def unit(self, inbox_id: int | None = None, *, eager: bool = False) -> UnitOfWork:
        """A unit of work on this runtime's storage (see core.unit): writes, replies, domain events."""
        return UnitOfWork(self.storage, self._write_unit, inbox_id=inbox_id, eager=eager, on_clean=self._done_later,
                          before_commit=self._reserve_ids if self.workers is not None else None)

    async def _reserve_ids(self, unit: UnitOfWork) -> None:
        """Several workers: the ids of the unit's rows come from the tables' sequences (core.workers)."""
        if unit.outgoing and self.deliveries.allocate is not None:
            await self.deliveries.allocate.reserve(len(unit.outgoing))
        if unit.events and self.inbox.allocate is not None:
            await self.inbox.allocate.reserve(len(unit.events))

    def _done_later(self, unit: UnitOfWork) -> None:
        """Mark an event that changed nothing as done in the next batch (one transaction for many)."""
        assert unit.inbox_id is not None
        self._done_batch.append(unit.inbox_id)
        if self._done_writer is None or self._done_writer.done():
            self._done_writer = asyncio.create_task(self._write_done(), name="practica-inbox-done")

    async def _write_done(self) -> None:
        while self._done_batch:
            await asyncio.sleep(0)  # let the lanes finish what is runnable now: one write for all of them
            batch, self._done_batch = self._done_batch, []
            now = to_utc_text(self.clock.now())
            rows = [(now, inbox_id) for inbox_id in batch]
            try:
                await self.storage.write_batch([(DONE_SQL, rows, True)])
            except Exception:  # noqa: BLE001 - those events would only run again, harmlessly
                log.warning("could not mark %d handled event(s) as done; they may run again after a restart", len(batch),
                            exc_info=True)

    def _write_unit(self, unit: UnitOfWork) -> list[Step]:
        """The statements that end a unit, just before its COMMIT: its outbox rows, its domain events
        (inbox rows) and its own event marked done."""
        steps: list[Step] = []
        outgoing = list(unit.outgoing)
        if outgoing:
            steps.append((OUTBOX_INSERT, self.deliveries.rows(outgoing), True))
        emitted: list[tuple[int, Event]] = []
        if unit.events:
            rows = self.inbox.rows([(event, None) for event in unit.events])
            steps.append((INBOX_INSERT, rows, True))
            emitted = [(row[0], event) for row, event in zip(rows, unit.events)]
        if unit.inbox_id:
            steps.append((DONE_SQL, (to_utc_text(self.clock.now()), unit.inbox_id), False))
        unit.after_commit.append(lambda: self._release(outgoing, emitted))
        return steps

    def _release(self, outgoing: list[Outgoing], emitted: list[tuple[int, Event]]) -> None:
        workers = self.workers
        if workers is not None:  # sent and handled where their chats' leases are
            for record in outgoing:
                workers.offer_record(record)
            for inbox_id, event in emitted:
                workers.offer_event(event, inbox_id)
            return
        for record in outgoing:
            self.outbox.submit(record.action, record.priority, record=record)
        for inbox_id, event in emitted:
            self.dispatcher.enqueue(event, inbox_id)

    async def handle_event(self, event: Event, inbox_id: int | None) -> None:
        """Handle one event as one unit of work (dispatcher lanes call this).

        When the PostgreSQL connection is lost (a server restart), the unit was rolled back whole: it is
        handled again once the server answers (core.engines.again_on_lost_connection), so nothing is lost.
        """
        unit = self.unit(inbox_id or None)
        workers = self.workers

        async def attempt() -> None:
            nonlocal unit
            if workers is not None and inbox_id and not workers.may_work(event.order_key):
                raise _LeftForTheHolder  # the chat's lease may be another worker's by now: its row waits for the holder
            unit = self.unit(inbox_id or None)
            if workers is not None and inbox_id:
                unit.fence = workers.fence(event.order_key)
            async with unit:
                await self.dispatcher.handle(event)

        try:
            await again_on_lost_connection(attempt, "handling the event")
        except _LeftForTheHolder:
            assert workers is not None
            workers.left(inbox_id)
        except Exception as exc:
            if workers is not None and leases_module.is_lease_lost(exc):  # rolled back whole: the chat's holder handles it
                log.warning("an event's chat passed to another worker while it was handled here; left to that worker")
                workers.left(inbox_id)
                return
            if not is_storage_full(exc):
                raise
            self.note_storage_full()
            await self._answer_without_storage(event, unit)
        finally:
            if self.workers is not None:  # several workers: the event's row may be claimed again once done
                self.workers.finished(inbox_id)

    async def _answer_without_storage(self, event: Event, unit: UnitOfWork) -> None:
        """The database cannot grow: send what needed no write from memory, else say it cannot save."""
        if not unit.wrote:
            for record in unit.unsaved:
                self.outbox.submit(record.action, record.priority)
            return
        chat = getattr(event, "chat", None)
        if chat is not None:
            community = self.config.community_for(chat)
            ctx = Context(self, "core", community, event)
            self.outbox.submit(Reply(chat=chat, text=self.translator.text("core", ctx.locale, "error.storage_full")))

    def note_storage_full(self) -> None:
        """The database cannot grow: say so in the log, at most every ten minutes."""
        if self._storage_full.due():
            log.error("the database cannot grow (disk full?): answering what needs no saving; "
                      "free some space and practica recovers by itself")

    async def send_now(self, record: Outgoing) -> asyncio.Future[Any]:
        """Store and queue an action asked for outside any unit of work (background code)."""
        try:
            if self.deliveries.allocate is not None:
                await self.deliveries.allocate.reserve(1)
            async with self.storage.transaction():
                await self.storage.executemany(OUTBOX_INSERT, self.deliveries.rows([record]))
        except Exception as exc:
            if not is_storage_full(exc):
                raise
            self.note_storage_full()
            return self.outbox.submit(record.action, record.priority)
        if self.workers is not None:
            return await self.workers.send(record)
        return self.outbox.submit(record.action, record.priority, record=record)

    async def emit_now(self, event: Event) -> None:
        """Store and dispatch an event emitted outside any unit of work (a domain event, an event to handle again)."""
        async with self.unit() as unit:
            unit.emit(event)

    async def _run_notify(self, plugin: str, community_name: str, delivery: Delivery, mark: Any) -> None:
        """A delivery callback: the plugin's practica_on_delivered and the delivery record, one transaction."""
        community = self.config.communities.get(community_name) or self.config.community_for(None)

        async def attempt() -> None:
            async with self.unit(eager=True):
                await mark(self.storage)
                await self.runner.each("practica_on_delivered", lambda name: Context(self, name, community),
                                       only=plugin, delivery=delivery)

        await again_on_lost_connection(attempt, f"recording a delivery for {plugin}")

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Run `coro` in the background, owned by the runtime: errors are logged, the task is awaited by
        `idle()` and cancelled at shutdown (after accepted events finished)."""
        task = asyncio.create_task(coro, name=name)
        self._background.add(task)
        task.add_done_callback(self._background_done)
        return task

    async def announce(self, plugin: str, kind: str, keys: Iterable[str]) -> None:
        """Tell the other workers that `plugin`'s entries `keys` of `kind` changed (core.directories);
        nothing to do on SQLite or with a single worker."""
        if self._notices is not None:
            await self._notices.announce(f"{plugin}.{kind}", keys)

    async def _plugin_directory_changed(self, plugin: str | None, kind: str | None, keys: Sequence[str]) -> None:
        """Another worker's change to a plugin's state (or, plugin None: reload everything)."""
        default = self.config.community_for(None)
        if plugin is not None and plugin not in self.loaded.enabled:
            return
        await self.runner.each("practica_directory_changed", lambda name: Context(self, name, default), only=plugin,
                               kind=kind, keys=list(keys))

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
            if self._done_writer is not None and not self._done_writer.done():
                await asyncio.gather(self._done_writer, return_exceptions=True)
            if self.members is not None:
                await self.members.flush()
            if self.directories is not None:  # what other workers committed so far is applied here
                await self.directories.caught_up()
            await asyncio.sleep(0)
            # work handed over while this pass waited (a claimed chat's rows, a reply queued after the
            # outbox was joined) starts another pass: the caller sees it done, receipts included
            if self.dispatcher.pending == 0 and not self._background and self.outbox.settled:
                return

    # --- AdapterHost ---------------------------------------------------------------------------

    @property
    def prefix(self) -> str:
        """The command prefix, for adapters that turn slash commands into text commands."""
        return self.config.practica.prefix

    async def accept(self, event: Event, *, source: str | None = None) -> asyncio.Future[int | None]:
        """Take an inbound event: waits while the intake is full (back-pressure reaches the adapter),
        then returns a future that resolves once the event is stored; only then may the adapter confirm
        it to the platform. `source` (e.g. `telegram:update:812`) recognises a re-delivered event."""
        await self.dispatcher.wait_for_space()
        assert self._inbox_writer is not None, "the runtime is not started"
        return self._inbox_writer.put(event, source)

    def _stored(self, event: Event, row_id: int | None) -> None:
        """An accepted event is stored (the inbox writer calls this before confirming it)."""
        if row_id is None:
            log.info("ignored a %s the platform delivered again", type(event).__name__)
            return
        if self.dispatcher.closed:  # stopping: it stays stored and runs at the next start
            return
        if self.workers is not None and row_id:
            self.workers.offer_event(event, row_id)
            return
        self.dispatcher.enqueue(event, row_id)

    async def deliver(self, event: Event, *, source: str | None = None) -> None:
        """Adapters hand inbound events here; returns once the event is stored."""
        await (await self.accept(event, source=source))

    @property
    def data_dir(self) -> str:
        """The folder holding the database (PostgreSQL: plugins.toml's folder): where the console keeps
        files it was asked to upload."""
        if self._database == ":memory:":
            return os.getcwd()
        return os.path.dirname(os.path.abspath(self.database_path))

    def configured_role(self, user: User, chat: ChatRef | None) -> Role:
        return self.config.community_for(chat).role_of(user)

    async def adapter_member_data(self, uid: str, *, erase: bool) -> dict[str, Any]:
        """{platform: data} that the adapter of `uid`'s platform keeps about them outside the database
        (WhatsApp's window store), deleted when `erase`; {} when it keeps nothing."""
        platform, _, member_id = uid.partition(":")
        adapter = self.adapters.get(platform)
        found = await adapter.member_data(member_id, erase=erase) if adapter is not None else None
        return {platform: dict(found)} if found else {}

    async def delivery_status(self, platform: str, message_id: str, status: str, *, error: str = "") -> bool:
        """A platform's later report on a message it accepted (WhatsApp: sent, delivered, read, failed),
        written to that message's delivery record; returns once stored. False when no record has that id."""
        return await self.deliveries.platform_status(platform, message_id, status, error)

    # --- services for contexts -----------------------------------------------------------------

    @property
    def database_path(self) -> str:
        """The SQLite file; for PostgreSQL `<plugins.toml's folder>/<database name>`, a path (no file
        there) beside which plugins keep their private files, as they do beside a SQLite file."""
        if is_postgresql(self._database):
            name = urlsplit(self._database).path.strip("/") or "postgresql"
            return str(self.config.path.parent.absolute() / name)
        return self._database

    def plugin_state(self, plugin: str) -> dict[str, Any]:
        return self._state.setdefault(plugin, {})

    def plugin_descriptions(self) -> dict[str, str]:
        return {name: info.description for name, info in self.loaded.infos.items() if info.enabled}

    def platform_running(self, platform: str) -> bool:
        return platform in self.adapters

    async def collect_user_data(self, member: str, *, erase: bool, community: Community,
                                event: Event | None) -> list[tuple[str, Any]]:
        found = await self.runner.each("practica_user_data", lambda plugin: Context(self, plugin, community, event),
                                       member=member, erase=erase)
        return [*found, *(await self.adapter_member_data(member, erase=erase)).items()]

    async def filter_event(self, community: Community, event: Event | None) -> tuple[str, Any] | None:
        return await self.runner.first("practica_filter_event", lambda plugin: Context(self, plugin, community, event),
                                       skip=community.disabled_plugins, event=event)

    async def ask(self, question: str, asker: str, community: Community, event: Event | None,
                  arguments: Mapping[str, Any]) -> Any:
        if question not in QUESTIONS:
            raise ValueError(f"{question!r} is not a question plugins may ask; the questions are: {', '.join(sorted(QUESTIONS))}")
        skip = {asker, *community.disabled_plugins}
        found = await self.runner.first(question, lambda plugin: Context(self, plugin, community, event), skip=skip,
                                        **arguments)
        return found[1] if found is not None else None

    def dashboard_url(self) -> str | None:
        return self.dashboard.url if self.dashboard is not None else None

    async def is_coordinator(self, user: User) -> bool:
        return self.dashboard is not None and bool(await self.dashboard.dashboard.coordinated(user))

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
        return adapter.bot_handle if adapter is not None else None

    def community_of(self, event: Event) -> Community:
        """The community `event` acts in: its group's, or in a private chat the member's (core.communities)."""
        return community_of_event(self.config, self.members, event, self.native_polls)

    async def role_of(self, user: User, chat: ChatRef | None, community: Community) -> Role:
        """The larger of the configured role and the platform's (chat admin, guild owner...).

        The platform's role counts only in a chat of `community` itself: the creator of a group that
        plugins.toml does not list is owner of that chat's `default` scope, never of a configured
        community. In a private chat (or a job), it is the role in the community's own chat on the
        member's platform.
        """
        role = community.role_of(user)
        if role >= Role.OWNER:
            return role
        if chat is not None and not chat.is_direct:
            if self.config.community_for(chat).name != community.name:
                return role
        else:
            chat = next((ref for key in sorted(community.chats)
                         if (ref := community.chat_ref(key)) is not None and ref.platform == user.platform), None)
            if chat is None:
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
        """Commands as adapters publish them, with English and French descriptions and localized names."""
        out = []
        for cmd in self.commands:
            descriptions = {}
            for lang in self.translator.languages:
                text = self.translator.lookup(cmd.plugin, lang, f"help.{cmd.name}")
                descriptions[lang] = text if text is not None else cmd.help
            prefix = self.config.practica.prefix
            names = {lang: cmd.word_for(lang) for lang in self.translator.languages if cmd.word_for(lang) != cmd.name}
            usages = {lang: cmd.usage(prefix, lang) for lang in self.translator.languages
                      if cmd.usage(prefix, lang) != cmd.usage(prefix)}
            out.append(CommandInfo(name=cmd.name, descriptions=descriptions, usage=cmd.usage(prefix),
                                   role=cmd.role, names=names, usages=usages))
        return out

    async def _run_job(self, job: Job, kind: JobKind[Context]) -> None:
        """A job's handler, inside the scheduler's unit of work, under the hook budget."""
        community = self.config.communities.get(job.community) or self.config.community_for(None)
        ctx = Context(self, job.plugin, community, None)
        await self.runner.guard.run(kind.handler(ctx, job))
