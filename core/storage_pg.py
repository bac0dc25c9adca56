"""PostgreSQL storage: the API of core.storage.Storage on an asyncpg connection pool.

Plugins write the same SQL on both engines (`?` or `:name` parameters, rows read by index or by column
name). What differs is handled here:

- placeholders become `$1, $2...` (translated once per statement text, then cached);
- `execute()` returns the new row's id like SQLite's lastrowid (` RETURNING <identity column>` is added
  to an INSERT into a table that has one);
- migrations are translated (core.sqlddl) or give a PostgreSQL variant (core.dialects);
- a unit of work (core.unit) holds one pool connection for its task until it commits or rolls back;
  statements outside a unit take any connection of the pool, so readers never wait for a writer;
- `write_batch` runs its steps in a transaction of their own on any pool connection (no group commit:
  the server serves several connections at once).

A dropped connection (a server restart) is a transient error (`is_transient`): the pool opens new
connections by itself, and the runtime retries the unit that failed; what was committed stays.
Several worker processes may share one database: core.workers claims work per chat with leases.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from core.dialects import MIGRATION_LOCK, Dialect, Migration, migration_sql, refuse_unknown_version
from core.errors import MigrationError
from core.sqlddl import split_statements, to_postgresql
from core.unit import Step, _in_transaction, after_commit, current_unit, nested_block, on_rollback, unit_of

log = logging.getLogger("practica.storage")

Row = Any  # asyncpg.Record: index and column-name access, like sqlite3.Row

SCHEMA_TABLE = """
CREATE TABLE IF NOT EXISTS practica_schema (
    plugin TEXT NOT NULL,
    version BIGINT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT (to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
    PRIMARY KEY (plugin, version)
)
"""

# String literals, quoted names and comments are copied as they are; `::` is a cast, not a parameter.
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|::|\?|:[A-Za-z_][A-Za-z0-9_]*")
_INSERT_INTO = re.compile(r"^\s*INSERT\s+INTO\s+([A-Za-z_][A-Za-z0-9_]*)", re.IGNORECASE)
_PRAGMA = re.compile(r"^\s*PRAGMA\b", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)
_DEFERRED = {"BEGIN IMMEDIATE": "BEGIN"}  # SQLite's spelling, as core.unit defers it


@dataclass(frozen=True, slots=True)
class Translated:
    """A statement in PostgreSQL's spelling, and the parameter names in `$n` order (None: positional)."""

    sql: str
    names: tuple[str, ...] | None


def translate(sql: str) -> Translated:
    """`?` and `:name` parameters as `$n` (a repeated name keeps its number)."""
    names: list[str] = []
    count = 0

    def swap(match: re.Match[str]) -> str:
        nonlocal count
        token = match.group(0)
        if token == "?":
            count += 1
            return f"${count}"
        if token.startswith(":") and token != "::":
            name = token[1:]
            if name not in names:
                names.append(name)
            return f"${names.index(name) + 1}"
        return token

    out = _TOKENS.sub(swap, sql)
    if names and count:
        raise ValueError("a statement mixes ? and :name parameters")
    return Translated(out, tuple(names) if names else None)


def is_transient(error: BaseException) -> bool:
    """Whether `error` passes by itself: the connection was lost, the server restarts or is busy."""
    if isinstance(error, asyncpg.InterfaceError) and "released back to the pool" in str(error):
        return True  # the pool let go of a connection the server had ended
    if is_desynced(error):
        return True  # the connection is dropped (see is_desynced); the work runs again on another one
    return isinstance(error, (asyncpg.PostgresConnectionError, asyncpg.ConnectionDoesNotExistError,
                              asyncpg.CannotConnectNowError, asyncpg.TooManyConnectionsError,
                              asyncpg.exceptions.OperatorInterventionError,
                              asyncpg.exceptions.SerializationError, asyncpg.exceptions.DeadlockDetectedError,
                              ConnectionError, TimeoutError)) or (
        isinstance(error, OSError) and not isinstance(error, FileNotFoundError))


def is_desynced(error: BaseException) -> bool:
    """Whether `error` says a connection's protocol state is lost: a server that ends its connections
    (a restart) sends a last error and then closes; a statement started in between finds the connection
    neither usable nor closed ("cannot switch to state ...; another operation is in progress"). Such a
    connection is terminated, never used again."""
    return isinstance(error, asyncpg.InternalClientError) and "cannot switch to state" in str(error)


@dataclass(slots=True)
class _Held:
    """A pool connection held by one task (a unit of work or a transaction), and the BEGIN / SAVEPOINT
    statements waiting for its next statement."""

    conn: asyncpg.Connection
    prefix: list[str] = field(default_factory=list)


async def _setup_connection(conn: asyncpg.Connection) -> None:
    # numeric (SUM of integers, AVG) as float, as SQLite gives it, rather than Decimal
    await conn.set_type_codec("numeric", encoder=str, decoder=float, schema="pg_catalog", format="text")


class PgStorage:
    """The PostgreSQL database. Create with `await PgStorage.open(dsn)`; close with `await db.close()`."""

    dialect: Dialect = "postgresql"

    def __init__(self, pool: asyncpg.Pool, dsn: str) -> None:
        self.pool = pool
        self.path = dsn
        self._held: dict[asyncio.Task[Any] | None, _Held] = {}
        self._translated: dict[str, Translated] = {}
        self._identity: dict[str, str | None] = {}  # table -> its identity column (for lastrowid)
        self._releases: set[asyncio.Task[None]] = set()
        self._scripts: set[asyncio.Future[None]] = set()  # commits under way (see queue_script)
        self._units = asyncio.Lock()

    @classmethod
    async def open(cls, dsn: str, *, max_size: int = 10) -> PgStorage:
        """Connect a pool to `dsn` (`postgresql://user@host:port/db`) and create the schema table."""
        pool = await asyncpg.create_pool(dsn, min_size=1, max_size=max_size, init=_setup_connection,
                                         statement_cache_size=1024, command_timeout=60)
        try:
            async with pool.acquire() as conn, conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)  # workers starting together
                await conn.execute(SCHEMA_TABLE)
        except BaseException:
            await pool.close()
            raise
        return cls(pool, dsn)

    async def close(self) -> None:
        if self._scripts:
            await asyncio.gather(*self._scripts, return_exceptions=True)
        if self._releases:
            await asyncio.gather(*self._releases, return_exceptions=True)
        await self.pool.close()

    async def checkpoint(self) -> None:
        """Nothing to do: PostgreSQL reclaims erased rows itself (what SQLite's WAL checkpoint is for)."""

    # --- holding a connection -------------------------------------------------------------------

    async def hold(self) -> None:
        """Take a pool connection for the current task until `let_go` (a unit of work, see core.unit).

        Units take turns, as on SQLite (BEGIN IMMEDIATE): a unit sees the work of the ones before it
        whole, so plugin code that reads then writes behaves the same on both engines. Statements
        outside units (reads, the core's batches) do not wait for them.
        """
        await self._units.acquire()
        try:
            conn = await self.pool.acquire()
        except BaseException:
            self._units.release()
            raise
        self._held[asyncio.current_task()] = _Held(conn)

    def let_go(self) -> None:
        held = self._held.pop(asyncio.current_task(), None)
        if held is None:
            return
        self._units.release()
        task = asyncio.ensure_future(self._give_back(held.conn))
        self._releases.add(task)
        task.add_done_callback(self._released)

    async def _give_back(self, conn: asyncpg.Connection) -> None:
        """Return `conn` to the pool, or free its slot when the connection is closed or desynced:
        asyncpg's pool can keep a slot taken by a connection the server ended while it was checked out
        (seen on server restarts), and `Pool.close()` would then wait for it forever."""
        try:
            if conn.is_closed():
                conn.terminate()  # frees the pool slot (the pool connects anew when the slot is next used)
                return
        except asyncpg.InterfaceError:  # already detached: the pool has the slot back
            return
        await self.pool.release(conn)

    @asynccontextmanager
    async def _pooled(self) -> AsyncIterator[asyncpg.Connection]:
        """A pool connection for a few statements outside units; a connection that an error left
        desynced is terminated rather than handed out again."""
        conn = await self.pool.acquire()
        try:
            yield conn
        except BaseException as exc:
            if is_desynced(exc):
                conn.terminate()
            raise
        finally:
            await self._give_back(conn)

    def _released(self, task: asyncio.Task[None]) -> None:
        self._releases.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.debug("a connection could not go back to the pool: %s", type(task.exception()).__name__)

    def on_rollback(self, undo: Callable[[], None]) -> None:
        """Call `undo` if the current unit of work's writes so far are rolled back (see core.unit.on_rollback)."""
        on_rollback(self, undo)

    def after_commit(self, done: Callable[[], None]) -> None:
        """Call `done` once the current unit of work's writes are committed, else at once (see core.unit.after_commit)."""
        after_commit(self, done)

    def defer(self, sql: str) -> None:
        """Run `sql` (BEGIN or SAVEPOINT) just before the held connection's next statement."""
        self._held[asyncio.current_task()].prefix.append(_DEFERRED.get(sql, sql))

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        """The connection for one statement: the task's own (its unit's, with the deferred BEGIN and
        savepoints run first), else any connection of the pool."""
        task = asyncio.current_task()
        held = self._held.get(task)
        unit = current_unit.get()
        if held is None and unit is not None and unit.storage is self and unit.task is task:
            await unit.open()
            held = self._held.get(task)
        elif held is not None and unit is not None and unit._pending_part is not None and unit.storage is self:
            unit.before_statement()
        if held is None:
            async with self._pooled() as conn:
                yield conn
            return
        try:
            if held.prefix:
                prefix, held.prefix = held.prefix, []
                await held.conn.execute("; ".join(prefix))
            yield held.conn
        except BaseException as exc:
            if is_desynced(exc):
                held.conn.terminate()  # the unit's rollback then finds it closed; let_go frees its slot
            if unit is not None and unit.storage is self and unit.task is task and is_transient(exc):
                unit.lost = exc  # even if the plugin's part is undone alone, the unit must run again whole
            raise

    def _owns_transaction(self) -> bool:
        held = _in_transaction.get()
        return held is not None and held[0] is self and held[1] is asyncio.current_task()

    # --- statements -----------------------------------------------------------------------------

    def _translate(self, sql: str) -> Translated:
        translated = self._translated.get(sql)
        if translated is None:
            translated = self._translated[sql] = translate(sql)
        return translated

    def _rows(self, translated: Translated, rows: Iterable[Any]) -> list[Any]:
        """Many rows' parameters in `$n` order (rows of a `:name` statement are mappings)."""
        names = translated.names
        return [[r[n] for n in names] for r in rows] if names else list(rows)

    def _sql(self, sql: str, params: Sequence[Any] | Mapping[str, Any]) -> tuple[str, Sequence[Any]]:
        translated = self._translate(sql)
        if translated.names is None:
            return translated.sql, params if isinstance(params, (list, tuple)) else list(params)
        assert isinstance(params, Mapping), "a statement with :name parameters takes a mapping"
        return translated.sql, [params[name] for name in translated.names]

    async def _identity_of(self, conn: asyncpg.Connection, table: str) -> str | None:
        if table not in self._identity:
            self._identity[table] = await conn.fetchval(
                "SELECT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                "WHERE c.relname = $1 AND c.relnamespace = ANY (current_schemas(false)::regnamespace[]) "
                "AND a.attidentity <> '' AND NOT a.attisdropped LIMIT 1", table.lower())
        return self._identity[table]

    async def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> int:
        """Run one statement; returns the id of the row an INSERT added (or 0)."""
        _note_write()
        if _PRAGMA.match(sql):  # SQLite's engine settings (secure_delete...): nothing to set here
            return 0
        text, args = self._sql(sql, params)
        async with self._connection() as conn:
            insert = _INSERT_INTO.match(sql)
            if insert is not None and not _RETURNING.search(sql):
                column = await self._identity_of(conn, insert.group(1))
                if column is not None:
                    return int(await conn.fetchval(f"{text} RETURNING {column}", *args) or 0)
            await conn.execute(text, *args)
            return 0

    async def execute_rowcount(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> int:
        """Run one statement; returns how many rows it changed."""
        _note_write()
        text, args = self._sql(sql, params)
        async with self._connection() as conn:
            return _count(await conn.execute(text, *args))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """Run one statement for many rows; returns how many rows it changed in all (as on SQLite).

        asyncpg's own executemany does not count, so each row is one execution of the same prepared
        statement on one connection; the core's batches that need no count (write_batch) keep the
        pipelined executemany.
        """
        _note_write()
        translated = self._translate(sql)
        text, rows = translated.sql, self._rows(translated, rows)
        if not rows:
            return 0
        async with self._connection() as conn:
            statement = await conn.prepare(text)
            total = 0
            for row in rows:
                await statement.fetch(*row)
                total += _count(statement.get_statusmsg())
            return total

    async def fetchall(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[Row]:
        text, args = self._sql(sql, params)
        async with self._connection() as conn:
            return list(await conn.fetch(text, *args))

    async def fetchone(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> Row | None:
        text, args = self._sql(sql, params)
        async with self._connection() as conn:
            return await conn.fetchrow(text, *args)

    async def fetchval(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = (), default: Any = None) -> Any:
        """The first column of the first row, or `default`."""
        row = await self.fetchone(sql, params)
        return row[0] if row is not None else default

    async def run(self, sql: str) -> None:
        """One statement without parameters (transaction control), after the deferred ones."""
        async with self._connection() as conn:
            await conn.execute(_DEFERRED.get(sql, sql))

    async def _steps(self, conn: asyncpg.Connection, steps: Sequence[Step]) -> list[int | None]:
        counts: list[int | None] = []
        for sql, params, many in steps:
            if sql == "COMMIT":
                await conn.execute("COMMIT")
                counts.append(0)
                continue
            if many:
                translated = self._translate(sql)
                rows = self._rows(translated, params() if callable(params) else params)
                if rows:
                    await conn.executemany(translated.sql, rows)
                counts.append(None)  # asyncpg does not count the rows of executemany
            else:
                text, args = self._sql(sql, params)
                counts.append(_count(await conn.execute(text, *args)))
        return counts

    async def run_script(self, steps: Sequence[tuple[str, Sequence[Any], bool]]) -> None:
        """Several statements on the unit's connection (its outbox rows, its done mark, COMMIT)."""
        async with self._connection() as conn:
            await self._steps(conn, steps)

    def queue_script(self, steps: Sequence[tuple[str, Sequence[Any], bool]]) -> Awaitable[None]:
        """`run_script`, started now on the unit's connection; await the result. The connection stays
        this script's until it ends (the unit may let go of it at once, see UnitOfWork.commit): when the
        steps fail, the script rolls back whatever transaction is open before the connection goes back
        to the pool."""
        held = self._held.pop(asyncio.current_task(), None)
        if held is None:
            return asyncio.ensure_future(self.run_script(steps))

        async def run() -> None:
            try:
                if held.prefix:
                    prefix, held.prefix = held.prefix, []
                    await held.conn.execute("; ".join(prefix))
                await self._steps(held.conn, steps)
            except BaseException as exc:
                if is_desynced(exc):
                    held.conn.terminate()
                elif not held.conn.is_closed() and held.conn.is_in_transaction():
                    try:
                        await held.conn.execute("ROLLBACK")
                    except Exception:  # noqa: BLE001 - the connection is dropped below all the same
                        pass
                raise
            finally:
                self._units.release()
                await self._give_back(held.conn)

        # Shielded: a unit cancelled while it awaits its commit (a plugin over its time budget) must not
        # cancel the script, above all not before it starts: its `finally` would never run, and the
        # units' turn and the connection would stay taken for good (every later unit waiting).
        script = asyncio.ensure_future(run())
        self._scripts.add(script)
        script.add_done_callback(self._scripts.discard)
        return asyncio.shield(script)

    async def write_batch(self, steps: Sequence[Step]) -> list[int | None]:
        """Run `steps` atomically in a transaction of their own; how many rows each changed (None for
        a `many` step: not counted). See core.storage.Storage.write_batch."""
        async with self._pooled() as conn:
            async with conn.transaction():
                return await self._steps(conn, steps)

    async def rollback_to(self, name: str) -> None:
        """Undo what ran since savepoint `name` (nothing to do when it never ran)."""
        held = self._held.get(asyncio.current_task())
        if held is None:
            return
        marker = f"SAVEPOINT {name}"
        if marker in held.prefix:
            del held.prefix[held.prefix.index(marker):]
            return
        try:
            undo = asyncio.ensure_future(held.conn.execute(f"ROLLBACK TO SAVEPOINT {name}"))
            undo.add_done_callback(lambda f: f.cancelled() or f.exception())
            await asyncio.shield(undo)
        except BaseException as exc:
            unit = current_unit.get()
            if unit is not None and unit.storage is self and is_transient(exc):
                unit.lost = exc
            raise

    async def _rollback(self) -> None:
        """Roll back whatever the task's connection has open; harmless when BEGIN never ran."""
        held = self._held.get(asyncio.current_task())
        if held is None:
            return
        if held.prefix and held.prefix[0] == "BEGIN":
            held.prefix = []
            return
        held.prefix = []
        try:  # the pool detaches a lost connection: then even calling it raises
            rollback = asyncio.ensure_future(held.conn.execute("ROLLBACK"))
            rollback.add_done_callback(lambda f: f.cancelled() or f.exception())
            await asyncio.shield(rollback)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):  # no transaction, or the connection is gone
            pass

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgStorage]:
        """Group statements atomically: all commit together, or none on an exception."""
        task = asyncio.current_task()
        unit = unit_of(self)
        if unit is not None or self._owns_transaction():
            async with nested_block(self, unit):
                yield self
            return
        await self.hold()
        token = _in_transaction.set((self, task))
        try:
            try:
                self.defer("BEGIN")
                yield self
            except BaseException:
                await self._rollback()
                raise
            held = self._held[task]
            if not (held.prefix and held.prefix[0] == "BEGIN"):  # BEGIN ran: something to commit
                held.prefix = []  # savepoints of empty inner blocks: nothing to make
                await held.conn.execute("COMMIT")
        finally:
            _in_transaction.reset(token)
            self.let_go()

    async def sync_identities(self) -> None:
        """Move every identity counter past the largest id stored (rows copied with their ids, by a
        table rebuild or `practica migrate`, do not advance it), so new rows never reuse an id."""
        async with self.pool.acquire() as conn:
            await conn.execute(SYNC_IDENTITIES)

    # --- migrations -----------------------------------------------------------------------------

    async def applied_version(self, plugin: str) -> int:
        return int(await self.fetchval("SELECT COALESCE(MAX(version), 0) FROM practica_schema WHERE plugin = ?", (plugin,), 0))

    async def migrate(self, plugin: str, migrations: Sequence[Migration]) -> int:
        """Apply the plugin's migrations not applied yet, each in its own transaction; SQLite DDL is
        translated (core.sqlddl), a `{"postgresql": ...}` variant is run as written."""
        current = await self.applied_version(plugin)
        refuse_unknown_version(plugin, current, len(migrations))
        applied = 0
        for version, entry in enumerate(migrations, start=1):
            if version <= current:
                continue
            sql = migration_sql(entry, self.dialect, plugin, version)
            # a PostgreSQL variant runs as written, in one go (function bodies may hold semicolons)
            statements = ([sql] if sql.strip() else []) if isinstance(entry, Mapping) else [
                t for t in (to_postgresql(s) for s in split_statements(sql)) if t]
            try:
                async with self.pool.acquire() as conn:
                    async with conn.transaction():
                        if statements:  # one trip: the simple query protocol runs them in order
                            await conn.execute(";\n".join(statements))
                        await conn.execute("INSERT INTO practica_schema (plugin, version) VALUES ($1, $2)", plugin, version)
            except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                raise MigrationError(f"plugin {plugin!r}: migration {version} failed: {exc}. "
                                     f"Nothing of it was applied; fix the migration and start again.") from exc
            applied += 1
        if applied:
            self._identity.clear()
            await self.sync_identities()
            log.info("plugin %s: applied %d migration(s), now at %d", plugin, applied, len(migrations))
        return applied


SYNC_IDENTITIES = """
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT c.relname AS tab, a.attname AS col FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
             WHERE c.relnamespace = ANY (current_schemas(false)::regnamespace[]) AND a.attidentity <> ''
             AND NOT a.attisdropped LOOP
        EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, %L), GREATEST(COALESCE(MAX(%I), 0), 1), '
                       'MAX(%I) IS NOT NULL) FROM %I', quote_ident(r.tab), r.col, r.col, r.col, r.tab);
    END LOOP;
END $$
"""


def _count(status: str) -> int:
    """The row count in a command status ("UPDATE 3", "INSERT 0 1", "DELETE 0")."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


def _note_write() -> None:
    unit = current_unit.get()
    if unit is not None:
        unit.wrote = True
