"""`practica migrate --from practica.db --to postgresql://...`: copy a SQLite community to PostgreSQL.

Both databases are first brought to the plugins' current migrations (as a start would), then every table
the two have in common (core's and every plugin's) is copied in one PostgreSQL transaction, parents
before the tables whose foreign keys point at them, and the row counts are compared table by table.
A target that already holds rows is refused unless `force` (its rows are then replaced). The SQLite
file is locked meanwhile, so no bot writes to it during the copy. SQLite-only tables (the resources
plugin's FTS5 index and its shadow tables) are not copied: PostgreSQL builds its own index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.dialects import Migration
from core.engines import redacted
from core.errors import PracticaError

BATCH = 5000


@dataclass(frozen=True)
class Copied:
    """One table's outcome: rows in the SQLite source and in the PostgreSQL target after the copy."""

    table: str
    source: int
    target: int


def _convert(value: Any, pg_type: str) -> Any:
    """A SQLite value as the PostgreSQL column's type wants it (SQLite columns may hold any type)."""
    if value is None:
        return None
    if pg_type in ("bigint", "integer", "smallint"):
        return int(value)
    if pg_type in ("double precision", "real", "numeric"):
        return float(value)
    if pg_type == "bytea":
        return bytes(value) if not isinstance(value, str) else value.encode()
    if pg_type == "boolean":
        return bool(value)
    return value if isinstance(value, str) else str(value)


def _order(tables: Sequence[str], parents: dict[str, set[str]]) -> list[str]:
    """`tables` with every table after the tables its foreign keys point at."""
    done: list[str] = []
    seen: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in seen or name in path:
            return
        for parent in sorted(parents.get(name, ())):
            if parent in tables and parent != name:
                visit(parent, (*path, name))
        seen.add(name)
        done.append(name)

    for table in sorted(tables):
        visit(table, ())
    return done


async def copy_to_postgresql(source: str, target: str, migrations: Sequence[tuple[str, Sequence[Migration]]], *,
                             force: bool = False) -> list[Copied]:
    """Copy the SQLite database at `source` into the PostgreSQL database at `target` (see the module)."""
    import asyncpg

    from core.lock import DatabaseLock
    from core.storage import Storage, database_problem
    from core.storage_pg import PgStorage

    if not Path(source).is_file():
        raise PracticaError(f"--from {source}: no such file; give the path of the bot's SQLite database")
    problem = database_problem(source)
    if problem is not None:
        raise PracticaError(f"--from {source}: {problem}")
    lock = DatabaseLock.acquire(source)  # refuses while a bot runs on it
    try:
        lite = await Storage.open(source)
        try:
            for owner, steps in migrations:
                await lite.migrate(owner, steps)
            names = [r[0] for r in await lite.fetchall(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
            try:
                pg = await PgStorage.open(target)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError, ValueError) as exc:
                raise PracticaError(f"--to {redacted(target)}: cannot connect ({type(exc).__name__}: {exc})") from None
            try:
                for owner, steps in migrations:
                    await pg.migrate(owner, steps)
                return await _copy(lite, pg, names, force=force)
            finally:
                await pg.close()
        finally:
            await lite.close()
    finally:
        lock.release()


async def _copy(lite: Any, pg: Any, names: list[str], *, force: bool) -> list[Copied]:
    columns: dict[str, dict[str, str]] = {}
    for row in await pg.fetchall(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = ANY (current_schemas(false))"):
        columns.setdefault(row[0], {})[row[1]] = row[2]
    parents: dict[str, set[str]] = {}
    for row in await pg.fetchall(
            "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c WHERE c.contype = 'f'"):
        parents.setdefault(row[0].strip('"'), set()).add(row[1].strip('"'))
    tables = [n for n in names if n in columns and n != "practica_schema"]
    ordered = _order(tables, parents)
    async with pg.pool.acquire() as conn:
        filled = [t for t in ordered if await conn.fetchval(f'SELECT EXISTS (SELECT 1 FROM "{t}")')]
        if filled and not force:
            raise PracticaError(f"the target already holds rows (in {', '.join(filled[:5])}"
                                f"{'...' if len(filled) > 5 else ''}); copy into an empty database, or add --force "
                                f"to replace them")
        async with conn.transaction():
            if filled:
                await conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in ordered) + " CASCADE")
            for table in ordered:
                source_columns = [r[1] for r in await lite.fetchall(f'PRAGMA table_info("{table}")')]
                shared = [c for c in source_columns if c in columns[table]]
                types = [columns[table][c] for c in shared]
                select = ", ".join(f'"{c}"' for c in shared)
                last = -(2 ** 63)
                while True:  # in rowid order, a batch at a time (keyset: each batch is one index range)
                    rows = await lite.fetchall(
                        f'SELECT rowid, {select} FROM "{table}" WHERE rowid > ? ORDER BY rowid LIMIT {BATCH}', (last,))
                    if not rows:
                        break
                    records = [tuple(_convert(v, t) for v, t in zip(tuple(row)[1:], types)) for row in rows]
                    await conn.copy_records_to_table(table, records=records, columns=shared)
                    last = rows[-1][0]
    await pg.sync_identities()
    outcome = []
    for table in ordered:
        outcome.append(Copied(table, int(await lite.fetchval(f'SELECT COUNT(*) FROM "{table}"')),
                              int(await pg.fetchval(f'SELECT COUNT(*) FROM "{table}"'))))
    return outcome


def migrated_line(copied: Sequence[Copied]) -> str:
    """The summary printed at the end: tables and rows copied."""
    return f"{len(copied)} tables, {sum(c.target for c in copied)} rows copied"


__all__ = ["Copied", "copy_to_postgresql", "migrated_line"]
