"""Directories kept in memory, kept current across several workers (PostgreSQL LISTEN/NOTIFY).

Core keeps a few directories in memory so the hot path needs no statement: members seen per community,
a member's `/lang` and chosen community (core.members), linked accounts (core.identities). With several
workers on one database (`[practica] several_workers`, core.workers), a change made through one worker
must reach the others before the member's next message:

- the code that changes an entry calls `Notices.announce(kind, key)` in the same transaction as the
  change (a unit of work's, or its own): PostgreSQL sends the notice on commit, never for a rolled-back
  change. A payload is `<origin>|<kind>:<key>`: a worker's random token and ids, never text or names;
- each worker listens on one dedicated connection (`Listener`) and hands every notice of another
  worker to the directory that owns its kind, which reloads that entry from the database;
- when the listening connection is lost (a server restart), notices may have been missed meanwhile:
  once it listens again, every directory reloads everything, once.

Plugins keeping state in memory do the same through `ctx.announce(kind, keys)` and the hook
`practica_directory_changed` (kinds `<plugin>.<kind>`, handed to that plugin only: `PluginDirectories`).

SQLite and a single worker never create these objects: `notices` stays None and costs nothing.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import secrets
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from core.storage import Storage

log = logging.getLogger("practica.directories")

CHANNEL = "practica_directories"
NOTIFY_SQL = "SELECT pg_notify(?, p) FROM unnest(?::text[]) AS p"
RETRY = 0.5        # seconds before the first attempt to listen again after the connection was lost
RETRY_MAX = 10.0   # longest wait between two attempts
KEEPALIVE = 5.0    # seconds of silence after which the listening connection is checked
CATCH_UP = 5.0     # longest wait of `caught_up` once the listener is cut (it must not stall `idle()`)
CATCH_UP_MAX = 60.0  # longest wait of `caught_up` while listening (a round trip never takes that long)
_SYNC = "sync"     # the kind of a worker's own round trip (`caught_up`)


class Directory(Protocol):
    """An in-memory directory that other workers may change: it reloads what a notice names."""

    kinds: tuple[str, ...]

    async def refresh(self, kind: str, keys: Sequence[str]) -> None:
        """Reload the entries `keys` of `kind` from the database (another worker changed them)."""

    async def reload(self) -> None:
        """Reload everything from the database (notices may have been missed)."""


class PluginDirectories:
    """The plugins' kinds (`<plugin>.<kind>`): a notice goes to `changed(plugin, kind, keys)`; a reload of
    everything to `changed(None, None, ())` (every plugin's hook, with kind None)."""

    kinds: tuple[str, ...] = ()

    def __init__(self, changed: Callable[[str | None, str | None, Sequence[str]], Awaitable[None]]) -> None:
        self._changed = changed

    async def refresh(self, kind: str, keys: Sequence[str]) -> None:
        plugin, _, name = kind.partition(".")
        await self._changed(plugin, name, keys)

    async def reload(self) -> None:
        await self._changed(None, None, ())


class Notices:
    """What this worker announces to the others: `kind:key` on CHANNEL, sent when the change commits."""

    def __init__(self, db: Storage, origin: str | None = None) -> None:
        self.db = db
        self.origin = origin or secrets.token_hex(4)

    def payloads(self, kind: str, keys: Iterable[str]) -> list[str]:
        return [f"{self.origin}|{kind}:{key}" for key in dict.fromkeys(keys)]

    def step(self, kind: str, keys: Iterable[str]) -> tuple[str, tuple[str, list[str]], bool]:
        """The announcement as a step of a `write_batch` (sent when that batch commits)."""
        return (NOTIFY_SQL, (CHANNEL, self.payloads(kind, keys)), False)

    async def announce(self, kind: str, keys: Iterable[str]) -> None:
        """Tell the other workers that the entries `keys` of `kind` changed. Call it in the transaction
        of the change (a unit's, or `db.transaction()`): the notice leaves on commit, or never."""
        payloads = self.payloads(kind, keys)
        if payloads:
            await self.db.execute(NOTIFY_SQL, (CHANNEL, payloads))


class Listener:
    """This worker's listening connection: applies other workers' notices to the directories, in the
    order they committed, and reloads every directory after the connection was lost.

    Args:
        dsn: the database URL (a connection of its own, outside the pool: LISTEN holds it).
        notices: this worker's announcer (its origin is how its own notices are recognised).
        directories: the directories, each owning its `kinds`.
        plugins: where the plugins' kinds (`<plugin>.<kind>`) go.
    """

    def __init__(self, dsn: str, notices: Notices, directories: Iterable[Directory],
                 plugins: PluginDirectories | None = None) -> None:
        self.dsn = dsn
        self.notices = notices
        self._owners: dict[str, Directory] = {kind: d for d in directories for kind in d.kinds}
        self._plugins = plugins
        self._directories: list[Directory] = [*dict.fromkeys(self._owners.values()), *([plugins] if plugins else [])]
        self._queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self._conn: Any = None
        self._lost = asyncio.Event()
        self._ready = asyncio.Event()  # listening, and caught up with what the connection's loss missed
        self._syncs: dict[str, asyncio.Future[None]] = {}
        self._numbers = itertools.count(1)
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Listen (the first time at once: a server that does not answer now fails the start). Notices
        wait until `run()`: call it once the directories are loaded."""
        await self._listen()
        self._ready.set()
        self._tasks = [asyncio.create_task(self._keep_listening(), name="practica-directories-listen")]

    def run(self) -> None:
        """Apply the notices heard since `start()`, and the next ones as they come."""
        self._tasks.append(asyncio.create_task(self._apply_notices(), name="practica-directories-apply"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        await self._close()

    async def caught_up(self) -> None:
        """Return once every change committed by any worker before this call has been applied here (a
        round trip of this worker's own notice). While the listener is connected this waits as long as
        the round trip takes (a loaded server is slow, not lossy), up to CATCH_UP_MAX; once it is cut,
        for CATCH_UP more at most (the reload after reconnecting catches up, and `idle()` must not stall)."""
        if len(self._tasks) < 2:
            return
        loop = asyncio.get_running_loop()
        give_up = loop.time() + CATCH_UP_MAX
        trip = asyncio.ensure_future(self._round_trip())
        try:
            while not trip.done():
                await asyncio.wait({trip}, timeout=CATCH_UP)
                if not trip.done() and (not self._ready.is_set() or loop.time() >= give_up):
                    log.warning("directories: could not catch up with the other workers (%s); what they "
                                "changed is applied when the listener hears it",
                                "not listening" if not self._ready.is_set() else "no answer")
                    return
            trip.result()
        except (OSError, ConnectionError):
            log.debug("directories: could not catch up with the other workers (connection lost)")
        except Exception as exc:  # noqa: BLE001 - a database error: the next notice or reload catches up
            log.debug("directories: could not catch up (%s)", type(exc).__name__)
        finally:
            trip.cancel()
            await asyncio.gather(trip, return_exceptions=True)

    async def _round_trip(self) -> None:
        number = str(next(self._numbers))
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._syncs[number] = done
        try:
            while True:
                await self._ready.wait()
                try:
                    await self.notices.announce(_SYNC, [number])
                    break
                except Exception:  # noqa: BLE001 - a pool connection cut by a restart: the next one works
                    await asyncio.sleep(0.1)
            await done  # heard back, or covered by a reload of everything (the notice may have been missed)
        finally:
            self._syncs.pop(number, None)

    # --- the connection ---------------------------------------------------------------------------

    async def _listen(self) -> None:
        import asyncpg

        conn = await asyncpg.connect(self.dsn)
        try:
            await conn.add_listener(CHANNEL, self._heard)
        except BaseException:
            await conn.close()
            raise
        self._lost.clear()
        conn.add_termination_listener(lambda _conn: self._lost.set())
        self._conn = conn

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            try:
                await asyncio.wait_for(conn.close(), 5)
            except Exception:  # noqa: BLE001 - closing a cut connection
                conn.terminate()

    async def _keep_listening(self) -> None:
        delay = RETRY
        while True:
            try:
                if self._conn is None or self._conn.is_closed():
                    await self._close()
                    await self._listen()
                    log.info("directories: listening again; reloading what other workers may have changed meanwhile")
                    self._queue.put_nowait(("", ""))  # reload everything, in order with the notices that follow
                    delay = RETRY
                try:
                    await asyncio.wait_for(self._lost.wait(), KEEPALIVE)
                except asyncio.TimeoutError:
                    await asyncio.wait_for(self._conn.execute("SELECT 1"), KEEPALIVE)
                    continue
                raise ConnectionError("the listening connection was closed")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the server restarts or is unreachable: try again
                if self._ready.is_set():
                    log.warning("directories: lost the connection that hears other workers' changes (%s); "
                                "listening again in %.1f s", type(exc).__name__, delay)
                self._ready.clear()
                await self._close()
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX)

    def _heard(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        origin, _, entry = payload.partition("|")
        kind, _, key = entry.partition(":")
        if origin == self.notices.origin and kind != _SYNC:
            return  # this worker's own change: its directories already hold it
        if origin != self.notices.origin and kind == _SYNC:
            return
        self._queue.put_nowait((kind, key))

    # --- applying ------------------------------------------------------------------------------------

    async def _apply_notices(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._apply(batch)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - a database error while reloading: reload all once back
                log.warning("directories: could not reload entries other workers changed (%s); reloading "
                            "everything", type(exc).__name__)
                self._ready.clear()
                self._queue.put_nowait(("", ""))
                await asyncio.sleep(RETRY)

    async def _apply(self, batch: list[tuple[str, str]]) -> None:
        """Apply notices in order: consecutive ones of a kind together; a reload covers those before it."""
        if ("", "") in batch:
            last = len(batch) - 1 - batch[::-1].index(("", ""))
            waiting = list(self._syncs.values())  # sent before this reload reads: it covers them
            for directory in self._directories:
                await directory.reload()
            for done in waiting:
                if not done.done():
                    done.set_result(None)
            self._ready.set()
            batch = batch[last + 1:]
        for kind, group in itertools.groupby(batch, key=lambda entry: entry[0]):
            keys = [key for _, key in group]
            if kind == _SYNC:
                for key in keys:
                    heard = self._syncs.get(key)
                    if heard is not None and not heard.done():
                        heard.set_result(None)
                continue
            owner = self._owners.get(kind) or (self._plugins if "." in kind else None)
            if owner is not None:
                await owner.refresh(kind, list(dict.fromkeys(keys)))
