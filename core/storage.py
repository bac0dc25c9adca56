"""Storage: one aiosqlite connection in WAL mode, transactions, per-plugin numbered migrations.

All SQL goes through this class so that plugins stay portable (plain SQL with `?` parameters).
Statements outside a transaction autocommit. `async with db.transaction():` groups writes; it is
re-entrant within one task (an inner block joins the outer one), and other tasks wait for it, so
concurrent handlers never interleave inside each other's transactions.

Trips to the database thread are the expensive part (tens of microseconds each, more when the loop is
busy), so the storage saves them: a unit's BEGIN and a part's SAVEPOINT go in the same trip as the
statement that needs them (`defer`), and `write_batch` is a group commit: what the core's writers
(inbox, delivery records, done marks, member sightings) and reply-only units hand in meanwhile is
written in one transaction, each in its own savepoint, in one trip; when a unit commits, what is
waiting rides in that unit's trip and transaction, each in its own savepoint, before its COMMIT (one
commit instead of two; if SQLite loses that transaction by itself, a full disk, the unit fails with it
and the batches are written again in a group of their own).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence, Sized
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from core.dialects import Dialect, Migration, migration_sql, refuse_unknown_version
from core.errors import MigrationError
from core.checkpoints import WalCheckpoints
from core.inline_trips import MANY_ROWS, InlineTrips, Overran
from core.sqlddl import split_statements
from core.unit import Step, _in_transaction, after_commit, current_unit, nested_block, on_rollback, unit_of

log = logging.getLogger("practica.storage")

Row = aiosqlite.Row
T = TypeVar("T")
# (storage, owning task) while a task holds a transaction. Tasks created inside a transaction inherit
# the context variable, so the owner task is checked too: only the owner may skip the lock.

SCHEMA_TABLE = """
CREATE TABLE IF NOT EXISTS practica_schema (
    plugin TEXT NOT NULL,
    version INTEGER NOT NULL,
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (plugin, version)
)
"""


STORED_TIME = "%Y-%m-%dT%H:%M:%S.%fZ"


def to_utc_text(when: datetime) -> str:
    """How a moment is stored: fixed-width UTC text that sorts like the time it stands for."""
    return when.astimezone(timezone.utc).strftime(STORED_TIME)


def from_utc_text(text: str) -> datetime:
    """The aware UTC datetime stored by `to_utc_text`."""
    if len(text) == 27 and text[-1] == "Z" and text[10] == "T" and text[19] == ".":  # what to_utc_text writes: 50x cheaper than strptime
        return datetime.fromisoformat(text[:-1]).replace(tzinfo=timezone.utc)
    return datetime.strptime(text, STORED_TIME).replace(tzinfo=timezone.utc)


def _note_write() -> None:
    """Tell the current unit of work that it changed data (what a full disk then must refuse)."""
    unit = current_unit.get()
    if unit is not None:
        unit.wrote = True


class Storage:
    """The database. Create with `await Storage.open(path)`; close with `await db.close()`."""

    dialect: Dialect = "sqlite"
    """The SQL engine: "sqlite" here, "postgresql" for core.storage_pg (where plugins' SQL must differ)."""

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self.conn = conn
        self.path = path
        self._lock = asyncio.Lock()
        self._prefix: list[str] = []  # BEGIN / SAVEPOINT waiting for the next statement's trip
        self._grouped: list[tuple[Callable[[sqlite3.Connection], Any], asyncio.Future[Any], int]] = []  # fn, result, rows
        self._group_writer: asyncio.Task[None] | None = None
        self._writing = False  # a group is being written (or waits for the connection)
        self._submitted = 0  # trips handed to the database thread (counted on the loop's thread)
        self._finished = 0   # trips it has run (counted in that thread): equal when it is idle
        raw: sqlite3.Connection = conn._connection  # type: ignore[assignment]  # noqa: SLF001 - open while Storage is
        self._inline = InlineTrips(raw)
        self._checkpoints: WalCheckpoints | None = None

    @classmethod
    async def open(cls, path: str) -> Storage:
        """Open (creating if needed) the database at `path` (':memory:' for tests)."""
        # the loop's thread runs short statements itself while aiosqlite's thread is idle (core.inline_trips)
        conn = await aiosqlite.connect(path, isolation_level=None, check_same_thread=False)
        try:
            conn.row_factory = aiosqlite.Row
            async with conn.execute("PRAGMA journal_mode=WAL") as cursor:
                wal = (await cursor.fetchone())[0] == "wal"  # type: ignore[index]  # ':memory:' has none
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA busy_timeout=5000")
            if wal:  # checkpoints run in their own thread, not inside a COMMIT on the loop (core.checkpoints)
                await conn.execute("PRAGMA wal_autocheckpoint=0")
            await conn.execute(SCHEMA_TABLE)
        except BaseException:
            await conn.close()  # its thread would otherwise keep the process alive
            raise
        storage = cls(conn, path)
        if wal:
            raw = storage._inline.raw
            storage._checkpoints = WalCheckpoints(path, lambda: raw.total_changes, storage.catch_up_wal)
            storage._checkpoints.start()
        return storage

    async def checkpoint(self) -> None:
        """Copy the WAL into the database file and truncate it, so erased rows do not linger in `-wal`.

        Waits for any transaction in progress (it takes the connection's turn like a statement).
        """
        async with self._turn():
            await self._in_thread(lambda c: c.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall())

    async def catch_up_wal(self, copy_meanwhile: Callable[[], Awaitable[object]]) -> None:
        """A checkpoint with every write held, so the WAL starts over at the next one (core.checkpoints).

        Waiting for the turn can take a while under load (the units queued before it go first), and the
        hold lasts as long as copying what was written meanwhile: so until the turn is ours,
        `copy_meanwhile()` (a checkpoint from the checkpoints' own thread) goes on copying, and the copy
        made with the writes held is only of the last few milliseconds.
        """
        turn = asyncio.ensure_future(self._lock.acquire())
        try:
            while not turn.done():
                await copy_meanwhile()
                await asyncio.wait([turn], timeout=0.005)
        except BaseException:
            if turn.done() and not turn.cancelled() and turn.exception() is None:
                self._lock.release()
            else:
                turn.cancel()
            raise
        try:  # in aiosqlite's thread, after any COMMIT still queued there
            await self._in_thread(lambda c: c.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall())
        finally:
            self._lock.release()

    async def hold(self) -> None:
        """Take the one connection for the current task's unit of work (see core.unit)."""
        await self._lock.acquire()

    def let_go(self) -> None:
        self._lock.release()

    async def close(self) -> None:
        if self._group_writer is not None:
            await asyncio.gather(self._group_writer, return_exceptions=True)
        if self._checkpoints is not None:
            await self._checkpoints.close()
        async with self._lock:
            await self.conn.close()

    def _owns_transaction(self) -> bool:
        held = _in_transaction.get()
        return held is not None and held[0] is self and held[1] is asyncio.current_task()

    # --- statements --------------------------------------------------------------------------

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        """Hold the connection for one statement unless this task already holds a transaction.

        Inside a unit of work (core.unit) the unit's transaction begins at its first statement and
        each plugin call's savepoint at that call's first statement.
        """
        if self._owns_transaction():
            unit = current_unit.get()
            if unit is not None and unit._pending_part is not None and unit.storage is self:
                unit.before_statement()
            yield
            return
        unit = current_unit.get()
        if unit is not None and unit.storage is self and unit.task is asyncio.current_task():
            await unit.open()
            yield
            return
        async with self._lock:
            yield

    # Each statement is one trip to aiosqlite's thread (about 60-80 us): the statement and reading its
    # result run together there, instead of one trip to execute and another to close the cursor.

    def _submit(self, fn: Callable[[], T]) -> asyncio.Future[T]:
        """Queue `fn()` for the connection's thread; the future resolves with its result. Straight on
        aiosqlite's queue (what its own `_execute` does, without a coroutine around it)."""
        conn = self.conn
        if not conn._running or conn._connection is None:  # noqa: SLF001 - aiosqlite pinned <0.23
            raise ValueError("Connection closed")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        starting = self._inline.starting

        def counted() -> T:
            try:
                starting()
                return fn()
            finally:
                self._finished += 1  # only this thread writes it

        self._submitted += 1
        conn._tx.put_nowait((future, counted))  # noqa: SLF001
        return future

    def _in_thread(self, fn: Callable[[sqlite3.Connection], T]) -> Awaitable[T]:
        """Run `fn(sqlite3 connection)` in the connection's thread (aiosqlite's queue keeps the order),
        after the deferred BEGIN / SAVEPOINT statements (queued now: they run in this trip even if the
        caller is cancelled while it waits)."""
        raw: sqlite3.Connection = self.conn._connection  # type: ignore[assignment]  # noqa: SLF001 - open while Storage is
        prefix = self._prefix
        if prefix:
            self._prefix = []

            def with_prefix() -> T:
                for sql in prefix:
                    raw.execute(sql)
                return fn(raw)
            return self._submit(with_prefix)
        return self._submit(lambda: fn(raw))

    def _idle(self) -> bool:
        """Whether the loop's thread may use the connection now: aiosqlite's thread has nothing queued
        or running (so the order of statements is kept) and the connection is open."""
        return self._submitted == self._finished and self.conn._running and self.conn._connection is not None  # noqa: SLF001

    def _now(self, run: Callable[[], T], *, prefix: bool = True) -> asyncio.Future[T]:
        """`run()` on the loop's thread, after the deferred BEGIN / SAVEPOINT as a trip would run them;
        its result or exception in a future, exactly as a trip hands them back (Overran propagates)."""
        done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        deferred, self._prefix = (self._prefix, []) if prefix else ([], self._prefix)
        inline = self._inline
        try:
            inline.starting()
            for statement in deferred:
                inline.raw.execute(statement)
            done.set_result(run())
        except Overran:
            raise
        except Exception as exc:  # noqa: BLE001 - handed back exactly as a trip would
            done.set_exception(exc)
        return done

    def _read(self, sql: str, fn: Callable[[sqlite3.Connection], T]) -> Awaitable[T]:
        """A read: inline when it may be (see core.inline_trips), else a trip like any statement."""
        inline = self._inline
        if not self._idle() or not inline.may_read(sql):
            return self._in_thread(inline.timed_read(sql, fn))
        try:
            return self._now(lambda: inline.read(sql, fn))
        except Overran:
            again = inline.timed_read(sql, fn)
            return self._submit(lambda: again(inline.raw))  # a long read: the thread runs it again, the loop goes on

    def _write(self, fn: Callable[[sqlite3.Connection], T], sql: str | None = None, rows: int = 1) -> Awaitable[T]:
        """A write (`sql`, or None for the core's commit trips) of `rows` rows: inline when the thread
        is idle and the write is known to be short (see core.inline_trips), else a trip."""
        inline = self._inline
        if not self._idle() or not inline.may_write(sql, rows):
            return self._in_thread(fn)
        return self._now(lambda: inline.write(sql, fn))

    def on_rollback(self, undo: Callable[[], None]) -> None:
        """Call `undo` if the current unit of work's writes so far are rolled back (see core.unit.on_rollback)."""
        on_rollback(self, undo)

    def after_commit(self, done: Callable[[], None]) -> None:
        """Call `done` once the current unit of work's writes are committed, else at once (see core.unit.after_commit)."""
        after_commit(self, done)

    def defer(self, sql: str) -> None:
        """Run `sql` (BEGIN or SAVEPOINT, no parameters) at the start of the next trip. Only for the
        task holding the connection, which runs its next statement on it anyway."""
        self._prefix.append(sql)

    async def run(self, sql: str) -> None:
        """One statement without parameters (transaction control), after the deferred ones."""
        await self._in_thread(lambda c: c.execute(sql))

    def _undefer_savepoint(self, name: str) -> bool:
        """Drop savepoint `name` (and what follows it) if it was never run; True if it was pending."""
        marker = f"SAVEPOINT {name}"
        if marker in self._prefix:
            del self._prefix[self._prefix.index(marker):]
            return True
        return False

    async def rollback_to(self, name: str) -> None:
        """Undo what ran since savepoint `name` (nothing to do when it never ran)."""
        if self._undefer_savepoint(name):
            return
        undo = asyncio.ensure_future(self.run(f"ROLLBACK TO {name}"))
        undo.add_done_callback(lambda f: f.cancelled() or f.exception())
        await asyncio.shield(undo)

    async def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> int:
        """Run one statement; returns the last inserted row id (or 0)."""
        _note_write()
        async with self._turn():
            return await self._write(lambda c: c.execute(sql, params).lastrowid or 0, sql)

    async def execute_rowcount(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> int:
        """Run one statement; returns how many rows it changed."""
        _note_write()
        async with self._turn():
            return await self._write(lambda c: c.execute(sql, params).rowcount, sql)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """Run one statement for many rows in a single call (much cheaper than a call per row); returns
        how many rows it changed in all."""
        _note_write()
        async with self._turn():
            rows = list(rows)
            return await self._write(lambda c: c.executemany(sql, rows).rowcount, sql, len(rows))

    async def run_script(self, steps: Sequence[tuple[str, Sequence[Any], bool]]) -> None:
        """Several statements in one trip: (sql, parameters, many). The unit of work's commit uses it
        to write its outbox rows, mark its event done and COMMIT at once; the group commit waiting
        meanwhile (see `write_batch`) runs in the same trip, right after."""
        await self.queue_script(steps)

    def queue_script(self, steps: Sequence[tuple[str, Sequence[Any], bool]]) -> Awaitable[None]:
        """`run_script`, queued now; await the result. When the steps fail, the trip itself rolls back
        whatever transaction is open, so the connection is clean for the next trip queued behind it:
        a unit may hand the connection on as soon as its COMMIT is queued (see UnitOfWork.commit)."""
        batch, self._grouped = self._grouped, []
        fns = [fn for fn, _, _ in batch]

        # A unit's commit takes the waiting batches into its own transaction, each in a savepoint, before
        # its COMMIT: one commit (one write of the shared pages to the WAL) instead of two.
        inside = bool(fns) and bool(steps) and steps[-1][0] == "COMMIT"
        own = steps[:-1] if inside else steps

        def run(c: sqlite3.Connection) -> list[tuple[bool, Any]]:
            try:
                for sql, params, many in own:
                    if many:
                        c.executemany(sql, params)
                    else:
                        c.execute(sql, params)
                if inside:
                    results = _in_savepoints(c, fns)  # raises when the transaction was lost meanwhile
                    c.execute("COMMIT")
                    return results
            except BaseException:
                if c.in_transaction:
                    c.execute("ROLLBACK")
                raise  # the batches did not commit either: done() queues them again
            return _run_group(c, fns) if fns else []

        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def done(trip: asyncio.Future[list[tuple[bool, Any]]]) -> None:
            # settled here, not after an await: a caller cancelled meanwhile must not strand the batch
            error = _failure(trip)
            if error is None:
                _settle(batch, trip.result())
                if not mine.done():
                    mine.set_result(None)
                return
            self._grouped[:0] = batch  # the unit's trip failed: nothing of the batches is stored
            if self._grouped:
                self._start_group_writer()
            if not mine.done():
                mine.set_exception(error)

        rows = _rows_of(own) + sum(count for _, _, count in batch)  # the batches taken in are written in this trip too
        self._write(run, None, rows).add_done_callback(done)  # type: ignore[attr-defined]
        return mine

    async def write_batch(self, steps: Sequence[Step]) -> list[int | None]:
        """Run `steps` ((sql, parameters or rows, many), as in `run_script`) atomically, in one
        transaction shared with the other batches handed in meanwhile (group commit: one trip to the
        database thread for all of them); returns how many rows each step changed.

        For the core's own writers (inbox, delivery records, done marks, member sightings) and the
        commits of units that ran no statement. Each batch runs in its own savepoint: one that fails
        undoes only its own writes and gets its exception back. The rows of a `many` step may be a
        function without arguments, called when the batch is written (rows filtered at that moment).
        When no group is being written, the caller starts one itself (no writer task to wake).
        """
        return await self._grouped_call(lambda c: _run_steps(c, steps), _rows_of(steps))

    async def _grouped_call(self, fn: Callable[[sqlite3.Connection], T], rows: int = 1) -> T:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._grouped.append((fn, future, rows))
        if not self._writing:
            self._writing = True
            try:
                await self._lock.acquire()  # at once when free; else after the unit holding it
            except BaseException:
                self._writing = False
                if self._grouped:
                    self._start_group_writer()
                raise
            self._launch_group()
        return await future

    def _start_group_writer(self) -> None:
        """Write what is queued from a task of its own (when the caller cannot wait for it)."""
        if not self._writing:
            self._writing = True
            self._group_writer = asyncio.create_task(self._write_groups(), name="practica-storage-group-commit")

    async def _write_groups(self) -> None:
        try:
            await self._lock.acquire()
        except BaseException:
            self._writing = False
            raise
        self._launch_group()

    def _launch_group(self) -> None:
        """With the connection held: queue one trip for every batch waiting, settle them and release
        the connection when it is done, then go on with what arrived meanwhile."""
        batch, self._grouped = self._grouped, []
        if not batch:  # a unit's commit took them meanwhile
            self._writing = False
            self._lock.release()
            return
        fns = [fn for fn, _, _ in batch]
        raw = self._inline.raw
        try:
            if self._idle() and self._inline.may_write(None, sum(rows for _, _, rows in batch)):  # see core.inline_trips
                trip = self._now(lambda: _run_group(raw, fns), prefix=False)
            else:
                trip = self._submit(lambda: _run_group(raw, fns))
        except BaseException as exc:  # the connection is closed
            self._writing = False
            self._lock.release()
            _settle(batch, [(False, exc)] * len(batch))
            return

        def done(trip: asyncio.Future[list[tuple[bool, Any]]]) -> None:
            error = _failure(trip)
            results = trip.result() if error is None else [(False, error)] * len(batch)
            self._lock.release()
            self._writing = False
            _settle(batch, results)
            if self._grouped:
                self._start_group_writer()

        trip.add_done_callback(done)

    async def fetchall(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[Row]:
        async with self._turn():
            return await self._read(sql, lambda c: c.execute(sql, params).fetchall())

    async def fetchone(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> Row | None:
        async with self._turn():
            return await self._read(sql, lambda c: c.execute(sql, params).fetchone())

    async def fetchval(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = (), default: Any = None) -> Any:
        """The first column of the first row, or `default`."""
        row = await self.fetchone(sql, params)
        return row[0] if row is not None else default

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Storage]:
        """Group statements atomically: all commit together, or none on an exception."""
        unit = unit_of(self)
        if unit is not None or self._owns_transaction():
            async with nested_block(self, unit):
                yield self
            return
        async with self._lock:
            token = _in_transaction.set((self, asyncio.current_task()))
            try:
                # aiosqlite runs statements in the order they were queued, even when the task that
                # queued one is cancelled while waiting for it. So a cancellation during BEGIN or the
                # body must still queue a ROLLBACK before the lock is released, or the connection
                # would be left inside a transaction and every later BEGIN would fail.
                try:
                    await self.conn.execute("BEGIN IMMEDIATE")
                    yield self
                except BaseException:
                    await self._rollback()
                    raise
                await self.conn.execute("COMMIT")
            finally:
                _in_transaction.reset(token)

    async def _rollback(self) -> None:
        """Roll back whatever is open; harmless when BEGIN itself never ran."""
        if self._prefix and self._prefix[0].startswith("BEGIN"):  # nothing ran yet: nothing to undo
            self._prefix = []
            return
        self._prefix = []
        rollback = asyncio.ensure_future(self.run("ROLLBACK"))
        rollback.add_done_callback(lambda f: f.cancelled() or f.exception())  # result consumed: never "never retrieved"
        try:
            await asyncio.shield(rollback)
        except sqlite3.OperationalError:  # "no transaction is active"
            pass

    # --- migrations --------------------------------------------------------------------------

    async def applied_version(self, plugin: str) -> int:
        return int(await self.fetchval("SELECT COALESCE(MAX(version), 0) FROM practica_schema WHERE plugin = ?", (plugin,), 0))

    async def migrate(self, plugin: str, migrations: Sequence[Migration]) -> int:
        """Apply the plugin's migrations that are not applied yet, each in its own transaction.

        Returns the number applied. Raises MigrationError naming the plugin and the migration.
        """
        current = await self.applied_version(plugin)
        refuse_unknown_version(plugin, current, len(migrations))
        applied = 0
        for version, entry in enumerate(migrations, start=1):
            if version <= current:
                continue
            sql = migration_sql(entry, self.dialect, plugin, version)
            try:
                async with self.transaction():
                    for statement in split_statements(sql):
                        await self.conn.execute(statement)
                    await self.conn.execute("INSERT INTO practica_schema (plugin, version) VALUES (?, ?)", (plugin, version))
            except Exception as exc:
                raise MigrationError(f"plugin {plugin!r}: migration {version} failed: {exc}. "
                                     f"Nothing of it was applied; fix the migration and start again.") from exc
            applied += 1
        if applied:
            log.info("plugin %s: applied %d migration(s), now at %d", plugin, applied, len(migrations))
        return applied


def _rows_of(steps: Sequence[Step]) -> int:
    """How many rows `steps` write, for the inline rule (core.inline_trips): a `many` step's rows made
    when the batch is written count as their `len()` (an upper bound, see `RowsLater`), or as too many."""
    return sum((len(params) if isinstance(params, Sized) else MANY_ROWS + 1) if many else 1 for _, params, many in steps)


class RowsLater:
    """The rows of a `many` step, made only when its batch is written (so they can be filtered at that
    moment), with `at_most` saying how many there can be."""

    def __init__(self, make: Callable[[], list[Any]], at_most: int) -> None:
        self._make = make
        self._at_most = at_most

    def __call__(self) -> list[Any]:
        return self._make()

    def __len__(self) -> int:
        return self._at_most


def _run_steps(c: sqlite3.Connection, steps: Sequence[Step]) -> list[int | None]:
    counts: list[int | None] = []
    for sql, params, many in steps:
        if many:
            counts.append(c.executemany(sql, params() if callable(params) else params).rowcount)
        else:
            counts.append(c.execute(sql, params).rowcount)
    return counts


def _run_group(c: sqlite3.Connection, fns: Sequence[Callable[[sqlite3.Connection], Any]]) -> list[tuple[bool, Any]]:
    """Run `fns` in one transaction, each in its own savepoint; (True, result) or (False, exception)
    per fn. Never raises an Exception: a failed BEGIN or COMMIT fails every fn it concerns.

    SQLite may roll a whole transaction back by itself (a full disk, an I/O error): the fns that had
    run are then run again in a new transaction, so only the ones that failed report a failure.
    """
    try:
        return _group_transaction(c, fns)
    except Exception as exc:  # noqa: BLE001 - BEGIN, a SAVEPOINT or ROLLBACK failed: nothing is stored
        if c.in_transaction:
            c.execute("ROLLBACK")
        return [(False, exc)] * len(fns)
    except BaseException:  # never leave the connection inside a transaction
        if c.in_transaction:
            c.execute("ROLLBACK")
        raise


def _in_savepoints(c: sqlite3.Connection, fns: Sequence[Callable[[sqlite3.Connection], Any]]) -> list[tuple[bool, Any]]:
    """Run `fns` inside the open transaction, each in its own savepoint: (True, result) or (False, the
    exception it raised and whose writes were undone). Raises the exception of a fn after which the
    transaction is gone (SQLite rolled it back by itself: a full disk, an I/O error)."""
    results: list[tuple[bool, Any]] = []
    for fn in fns:
        c.execute("SAVEPOINT practica_group")
        try:
            value = fn(c)
        except Exception as exc:  # noqa: BLE001 - reported to that caller only
            if not c.in_transaction:
                raise
            c.execute("ROLLBACK TO practica_group")
            c.execute("RELEASE practica_group")
            results.append((False, exc))
            continue
        c.execute("RELEASE practica_group")
        results.append((True, value))
    return results


def _group_transaction(c: sqlite3.Connection, fns: Sequence[Callable[[sqlite3.Connection], Any]]) -> list[tuple[bool, Any]]:
    c.execute("BEGIN IMMEDIATE")
    if len(fns) == 1:  # alone: its own transaction, no savepoint needed
        try:
            value = fns[0](c)
        except Exception as exc:  # noqa: BLE001 - reported to its caller
            if c.in_transaction:
                c.execute("ROLLBACK")
            return [(False, exc)]
        c.execute("COMMIT")
        return [(True, value)]
    results: list[tuple[bool, Any]] = [(False, None)] * len(fns)
    done: list[int] = []
    queue = list(range(len(fns)))
    retried: set[int] = set()
    while queue:
        index = queue.pop(0)
        c.execute("SAVEPOINT practica_group")
        try:
            value = fns[index](c)
        except Exception as exc:  # noqa: BLE001 - reported to that caller only
            results[index] = (False, exc)
            if c.in_transaction:
                c.execute("ROLLBACK TO practica_group")
                c.execute("RELEASE practica_group")
                continue
            redo = [i for i in done if i not in retried]  # lost with the transaction: run them again
            lost = [i for i in done if i in retried]
            for i in lost:
                results[i] = (False, exc)
            retried.update(redo)
            done = []
            queue[:0] = redo
            c.execute("BEGIN IMMEDIATE")
            continue
        c.execute("RELEASE practica_group")
        results[index] = (True, value)
        done.append(index)
    try:
        c.execute("COMMIT")
    except Exception as exc:  # noqa: BLE001 - nothing of the group is stored
        if c.in_transaction:
            c.execute("ROLLBACK")
        for i in done:
            results[i] = (False, exc)
    return results


def _failure(trip: asyncio.Future[Any]) -> BaseException | None:
    return asyncio.CancelledError() if trip.cancelled() else trip.exception()


def _settle(batch: Sequence[tuple[Any, asyncio.Future[Any], int]], results: Sequence[tuple[bool, Any]]) -> None:
    for (_, future, _), (ok, value) in zip(batch, results):
        if future.done():  # its caller stopped waiting
            continue
        if ok:
            future.set_result(value)
        elif isinstance(value, Exception):
            future.set_exception(value)
        else:  # the writer itself was cancelled (shutdown)
            future.cancel()


def is_storage_full(error: BaseException) -> bool:
    """Whether `error` means the database cannot grow (disk full, or its size limit reached)."""
    if isinstance(error, sqlite3.OperationalError | sqlite3.DatabaseError):
        code = getattr(error, "sqlite_errorcode", None)
        return code == sqlite3.SQLITE_FULL or "disk is full" in str(error) or "database or disk is full" in str(error)
    return isinstance(error, OSError) and error.errno == 28  # ENOSPC


SQLITE_HEADER = b"SQLite format 3\x00"


def database_problem(path: str) -> str | None:
    """Why the SQLite database at `path` cannot be used (folder missing or read-only, not a database
    file), or None when it can: what `practica check` reports before a start would fail."""
    if path == ":memory:":
        return None
    file = Path(path)
    folder = file.parent
    if not folder.is_dir():
        return f"the folder {folder} does not exist; create it or change [practica] database"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"the folder {folder} is not writable by this user; practica needs to write the database and its journal there"
    if file.exists():
        if file.is_dir():
            return f"{file} is a folder, not a database file; change [practica] database"
        try:
            with open(file, "rb") as handle:
                header = handle.read(len(SQLITE_HEADER))
        except OSError as exc:
            return f"{file} cannot be read ({exc.strerror})"
        if header and header != SQLITE_HEADER:
            return f"{file} is not a SQLite database; set [practica] database to another file"
        if not os.access(file, os.W_OK):
            return f"{file} is read-only for this user"
    return None
