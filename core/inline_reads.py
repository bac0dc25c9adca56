"""Short reads on the event loop's thread, bounded in time (core.storage).

Every statement used to be a trip to aiosqlite's thread and back: 60-80 us of hand-over on a quiet
machine, up to milliseconds on a loaded one, while the unit holding the one connection waits and every
other unit waits behind it (bench/ANALYSIS.md). Most reads are point lookups that take a few
microseconds in SQLite, so the hand-over costs far more than the read.

A read runs inline, on the loop's thread, when nothing is queued or running in the database thread
(so the connection is idle and the order of statements is kept). SQLite calls a progress handler
every `CHECK_EVERY` virtual-machine steps; once the read has run for `BUDGET` seconds the handler
interrupts it, which fails only that SELECT (the transaction and its savepoints stay as they were), and
the read is run again in the database thread. So a big search or an export never stalls the loop for
more than about `BUDGET`. A statement that ran past the budget once always goes to the thread after
that (searches, exports: the same SQL text is slow again), so its cost is paid twice only once. Writes,
COMMITs and everything else keep going through the thread.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

BUDGET = 0.0005     # seconds a read may hold the loop before it moves to the database thread
CHECK_EVERY = 1000  # SQLite virtual-machine steps between two looks at the clock

_READS = ("select", "values")
SLOW_KEPT = 512     # statements remembered as too slow to run inline (forgotten all at once past that)


def is_plain_read(sql: str) -> bool:
    """Whether `sql` only reads (a SELECT; a WITH may hide a write, so it goes to the thread)."""
    head = sql.lstrip()[:6].lower()
    return head.startswith(_READS)


class Overran(Exception):
    """The read ran past its budget and was interrupted; run it again in the database thread."""


class InlineReads:
    """Runs reads on `raw` inline under a time budget (the caller checks the thread is idle)."""

    def __init__(self, raw: sqlite3.Connection) -> None:
        self.raw = raw
        self._deadline = 0.0
        self._overran = False
        self.slow: set[str] = set()  # SQL texts that overran once: they go to the thread

    def may_run(self, sql: str) -> bool:
        """Whether `sql` is a read worth trying inline."""
        return sql not in self.slow and is_plain_read(sql)

    def _check(self) -> int:
        if time.perf_counter() > self._deadline:
            self._overran = True
            return 1  # SQLite interrupts the statement: "interrupted"
        return 0

    def run(self, sql: str, fn: Callable[[sqlite3.Connection], T]) -> T:
        """`fn(raw)` (which runs `sql`) now; raises Overran when it was cut off at the budget (nothing
        was changed), and remembers `sql` as one for the thread."""
        raw = self.raw
        self._overran = False
        self._deadline = time.perf_counter() + BUDGET
        raw.set_progress_handler(self._check, CHECK_EVERY)
        try:
            return fn(raw)
        except sqlite3.OperationalError:
            if self._overran:
                if len(self.slow) >= SLOW_KEPT:
                    self.slow.clear()
                self.slow.add(sql)
                raise Overran from None
            raise
        finally:
            raw.set_progress_handler(None, 0)
