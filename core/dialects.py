"""SQL dialects: which engine a storage speaks, and how a migration says it differs per engine.

A plugin's migration N is the N-th entry of its list (versions stay the list index on every engine).
An entry is either

- a plain SQL string: portable, run as written on SQLite; on PostgreSQL the storage translates the few
  DDL spellings that must differ (`INTEGER PRIMARY KEY AUTOINCREMENT`, `BLOB`, `REAL`...), or
- a mapping `{"sqlite": "...", "postgresql": "..."}`: the variant for each engine, for what no
  translation can express (SQLite FTS5 tables against PostgreSQL tsvector columns). An empty string
  means "nothing to do on this engine": the version is still recorded, so later entries keep their
  numbers.

    MIGRATIONS = (
        "CREATE TABLE notes_items (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL)",
        {"sqlite": "CREATE VIRTUAL TABLE notes_fts USING fts5(body)",
         "postgresql": "ALTER TABLE notes_items ADD COLUMN search tsvector"},
    )
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, Union

from core.errors import MigrationError

Dialect = Literal["sqlite", "postgresql"]
DIALECTS: tuple[Dialect, ...] = ("sqlite", "postgresql")

Migration = Union[str, Mapping[str, str]]
"""One migration: portable SQL, or its variant per dialect (see the module's docstring)."""

MIGRATION_LOCK = 7_274_201
"""PostgreSQL advisory lock key: workers started together create and migrate tables one at a time.
Here, not in core.storage_pg, so that core.workers needs no asyncpg on a SQLite start."""


def migration_sql(entry: Migration, dialect: Dialect, plugin: str, version: int) -> str:
    """The SQL of migration `version` of `plugin` for `dialect` ('' when it has nothing to do there).

    Raises MigrationError when a per-dialect entry has no variant for `dialect` or names an unknown one.
    """
    if isinstance(entry, str):
        return entry
    if not isinstance(entry, Mapping):
        raise MigrationError(f"plugin {plugin!r}: migration {version} is a {type(entry).__name__}; "
                             f"give SQL text or a mapping {{'sqlite': ..., 'postgresql': ...}}")
    unknown = sorted(set(entry) - set(DIALECTS))
    if unknown:
        raise MigrationError(f"plugin {plugin!r}: migration {version} names unknown dialect(s) "
                             f"{', '.join(map(repr, unknown))}; the dialects are 'sqlite' and 'postgresql'")
    if dialect not in entry:
        raise MigrationError(f"plugin {plugin!r}: migration {version} has no {dialect!r} variant; add one "
                             f"(an empty string if nothing needs doing on {dialect})")
    return entry[dialect]


def refuse_unknown_version(plugin: str, current: int, known: int) -> None:
    """Raise MigrationError when the database is at a migration the plugin does not know (both engines)."""
    if current > known:
        raise MigrationError(f"plugin {plugin!r}: the database is at migration {current} but the plugin only "
                             f"knows {known}. Migrations are append-only: was one removed, "
                             f"or is this database from a newer version?")
