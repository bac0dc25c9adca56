"""Choosing the storage engine from `[practica] database`: a file path is SQLite, a URL is PostgreSQL.

The one place that decides (`open_storage`): the runtime, `practica check`, the dashboard and the CLI all
go through it. A PostgreSQL URL may hold a password, so it is only ever shown through `redacted`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, cast
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from core.storage import Storage

PG_SCHEMES = ("postgresql", "postgres")
RECONNECT_WAIT = 300.0  # seconds work waits for a lost PostgreSQL connection before it gives up

log = logging.getLogger("practica.storage")


def is_postgresql(database: str) -> bool:
    """Whether `database` names a PostgreSQL server (`postgresql://...`) rather than a SQLite file."""
    return database.split("://", 1)[0].lower() in PG_SCHEMES and "://" in database


def redacted(database: str) -> str:
    """`database` as it may be shown or logged: a URL's password replaced by `***`."""
    if not is_postgresql(database):
        return database
    try:
        parts = urlsplit(database)
        if parts.password is None:
            return database
        host = parts.hostname or ""
        netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    except ValueError:
        return f"{database.split('://', 1)[0]}://***"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


async def open_storage(database: str) -> Storage:
    """Open the database `database` names: SQLite at a path, PostgreSQL (asyncpg pool) at a URL.

    core.storage_pg.PgStorage offers the same API as core.storage.Storage (the tests run the storage,
    units, inbox, outbox, scheduler and every plugin on both), hence one static type for callers.
    """
    if is_postgresql(database):
        from core.storage_pg import PgStorage  # asyncpg only when PostgreSQL is configured

        return cast("Storage", await PgStorage.open(database))
    from core.storage import Storage

    return await Storage.open(database)


def is_transient(error: BaseException) -> bool:
    """Whether a storage error passes by itself, so the work is retried rather than given up: SQLite
    locked or busy (an OperationalError that is not a full disk), a PostgreSQL connection lost or a
    server restarting."""
    import sqlite3
    import sys

    from core.storage import is_storage_full

    if isinstance(error, sqlite3.OperationalError):
        return not is_storage_full(error)
    return is_connection_lost(error) if "core.storage_pg" in sys.modules else False


def is_connection_lost(error: BaseException) -> bool:
    """Whether `error` is PostgreSQL's server gone or restarting (False when PostgreSQL is not in use)."""
    import sys

    module = sys.modules.get("core.storage_pg")
    return bool(module is not None and module.is_transient(error))


async def again_on_lost_connection(attempt: Callable[[], Awaitable[None]], what: str, *,
                                   wait: float = RECONNECT_WAIT) -> None:
    """Run `attempt` (one whole unit of work, or one write) again while its failure is a lost PostgreSQL
    connection (a server restart), with a growing pause, for up to `wait` seconds; then, or on any
    other error, raise. On SQLite nothing is retried here."""
    delay, waited = 0.1, 0.0
    while True:
        try:
            await attempt()
            return
        except Exception as exc:
            if not is_connection_lost(exc) or waited >= wait:
                raise
            log.warning("the database connection was lost (%s); %s again in %.1f s", type(exc).__name__, what, delay)
            await asyncio.sleep(delay)
            waited += delay
            delay = min(delay * 2, 5.0)


def url_problem(database: str) -> str | None:
    """Why a PostgreSQL URL is malformed (None when its form is fine)."""
    try:
        parts = urlsplit(database)
        port = parts.port
    except ValueError as exc:
        return f"the PostgreSQL URL is malformed ({exc}); write it as postgresql://user:password@host:5432/dbname"
    if not parts.hostname and "host=" not in parts.query:
        return "the PostgreSQL URL names no host; write it as postgresql://user:password@host:5432/dbname"
    if not parts.path.strip("/"):
        return "the PostgreSQL URL names no database; write it as postgresql://user:password@host:5432/dbname"
    del port
    return None


async def reachable_problem(database: str, timeout: float = 10.0) -> str | None:
    """Why the PostgreSQL server at `database` cannot be used now (None when a connection works)."""
    import asyncpg

    try:
        conn = await asyncpg.connect(database, timeout=timeout)
    except (OSError, asyncio.TimeoutError) as exc:
        return f"cannot reach the PostgreSQL server at {redacted(database)} ({type(exc).__name__}: {exc.strerror or exc}); is it running, and is the host and port right?" if isinstance(exc, OSError) else f"the PostgreSQL server at {redacted(database)} did not answer within {timeout:.0f} s"
    except asyncpg.PostgresError as exc:
        return f"the PostgreSQL server at {redacted(database)} refused: {exc}"
    except (ValueError, asyncpg.InterfaceError) as exc:
        return f"the PostgreSQL URL {redacted(database)} cannot be used: {exc}"
    await conn.close()
    return None


def workers_problem(database: str, several_workers: bool) -> str | None:
    """Why `[practica] several_workers` cannot hold for `database` (a SQLite file serves one process)."""
    if several_workers and not is_postgresql(database):
        return ("key 'several_workers' needs a PostgreSQL database (database = \"postgresql://...\"); a SQLite "
                "file serves one `practica run` only: remove the key, or move the data with `practica migrate`")
    return None


def database_problem(database: str) -> str | None:
    """Why `database` cannot be used (what `practica check` reports before a start would fail)."""
    if not is_postgresql(database):
        from core.storage import database_problem as sqlite_problem

        return sqlite_problem(database)
    return url_problem(database) or asyncio.run(reachable_problem(database))
