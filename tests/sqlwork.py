"""Measuring how much SQLite work a command does, deterministically (no timing).

`StatementLog` records every statement the runtime sends through `core.storage.Storage`; `vm_steps`
replays one on a separate connection to the same database file (inside a transaction that is rolled
back) and counts the virtual-machine instructions SQLite executed for it. Instructions grow with the
rows a statement reads, so a statement whose count does not grow when the table does reads a bounded
number of rows: that is what "the cost of /top does not grow with members" means, checked without a clock.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from core.storage import Storage

STEP = 50  # the progress handler runs every STEP instructions


@dataclass
class StatementLog:
    """The statements sent to the database while `recording` is true: (sql, parameters)."""

    statements: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    recording: bool = False

    def clear(self) -> None:
        self.statements.clear()

    def matching(self, *words: str) -> list[tuple[str, tuple[Any, ...]]]:
        return [(sql, params) for sql, params in self.statements if all(w in sql for w in words)]


def record_statements(monkeypatch: pytest.MonkeyPatch) -> StatementLog:
    """Wrap Storage's statement methods so that every statement is also logged (with its parameters)."""
    log = StatementLog()

    def wrap(name: str, many: bool = False) -> None:
        original = getattr(Storage, name)

        async def logged(self: Storage, sql: str, params: Any = ()) -> Any:
            if log.recording:
                if many:
                    rows = list(params)
                    params = rows
                    log.statements.extend((sql, tuple(row)) for row in rows[:1])
                else:
                    log.statements.append((sql, tuple(params) if not isinstance(params, dict) else params))
            return await original(self, sql, params)

        monkeypatch.setattr(Storage, name, logged)

    for name in ("execute", "execute_rowcount", "fetchall", "fetchone"):
        wrap(name)
    wrap("executemany", many=True)
    return log


def vm_steps(path: str, sql: str, params: Sequence[Any] = ()) -> int:
    """SQLite instructions executed by one statement on the database at `path` (changes rolled back)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        count = [0]

        def tick() -> int:
            count[0] += 1
            return 0

        conn.execute("BEGIN")
        conn.set_progress_handler(tick, STEP)
        conn.execute(sql, params).fetchall()
        conn.set_progress_handler(None, STEP)
        conn.execute("ROLLBACK")
        return count[0] * STEP
    finally:
        conn.close()


def total_steps(path: str, statements: Iterable[tuple[str, Sequence[Any]]]) -> int:
    """The instructions of every statement (replayed one by one on the committed state)."""
    return sum(vm_steps(path, sql, params) for sql, params in statements)


def plan(path: str, sql: str, params: Sequence[Any] = ()) -> str:
    """SQLite's query plan of `sql`, one line."""
    with sqlite3.connect(path) as conn:
        return " | ".join(str(row[-1]) for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params))
