"""Short statements on the event loop's thread, bounded in time (core.storage).

Every statement used to be a trip to aiosqlite's thread and back: 60-80 us of hand-over on a quiet
machine, up to milliseconds on a loaded one (the thread waits for the GIL while the loop runs plugins),
while the unit holding the one connection waits and every other unit waits behind it
(bench/ANALYSIS.md). Most statements take a few microseconds in SQLite, far less than the hand-over.

A statement runs inline, on the loop's thread, when nothing is queued or running in the database
thread (so the connection is idle and the order of statements is kept):

- A read: SQLite calls a progress handler every `CHECK_EVERY` virtual-machine steps; once the read has
  run for `BUDGET` seconds the handler interrupts it, which fails only that SELECT (the transaction and
  its savepoints stay as they were), and the read is run again in the database thread.
- A write cannot be cut off that way (SQLite may then roll the whole transaction back), so only writes
  known to be short run inline: at most `MANY_ROWS` rows in one call, a COMMIT of a transaction that
  changed at most `MANY_ROWS` rows, and never a statement that once took longer than `WRITE_SLOW`.
  A COMMIT never waits for a disk flush here: with `synchronous=NORMAL` in WAL mode only checkpoints
  flush, and those run in a thread of their own (core.checkpoints).

A statement that ran past its budget goes to the thread after that (searches, exports, purges: the
same SQL text is slow again), so the loop pays for it only once. A read's runs there are timed: one
that then runs quickly `FORGIVEN_AFTER` times in a row is forgotten and runs inline again, because the
overrun was a hiccup (a cold cache at startup, a wait for the GIL while a checkpoint ran), not its cost.
Without that, one such hiccup sent every later /search of the library to the thread for good, each
paying a hand-over and the wait behind the thread's queue. Reads only: a read forgiven wrongly costs
the loop one budget before it is cut off, a write cannot be cut off, so a slow write stays on the thread.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# Seconds a read may hold the loop before it moves to the database thread. Measured on 2 cores: handing
# a 0.5 ms read to aiosqlite's thread costs 0.2-0.4 ms more than running it here, and a read cut off at the
# budget has already spent it, so a read near a budget of 0.5 ms (a /search of three common words in a
# library of 10k items) cost 1.2-1.5 ms instead of 0.5. At 1 ms such reads run here, and the Telegram
# benchmark's p99 added latency was no worse (0.52-0.58 ms against 0.61-0.62 ms, interleaved runs).
BUDGET = 0.001
CHECK_EVERY = 1000  # SQLite virtual-machine steps between two looks at the clock
WRITE_SLOW = 0.002  # seconds after which an inline write's SQL goes to the thread from then on
MANY_ROWS = 200     # rows in one call, or changed by a transaction being committed, that go to the thread

_READS = ("select", "values")
SLOW_KEPT = 512     # statements remembered as too slow to run inline (forgotten all at once past that)
FORGIVEN_AFTER = 3  # quick runs in the thread in a row after which a slow read runs inline again


def is_plain_read(sql: str) -> bool:
    """Whether `sql` only reads (a SELECT; a WITH may hide a write, so it goes to the thread)."""
    head = sql.lstrip()[:6].lower()
    return head.startswith(_READS)


class Overran(Exception):
    """The read ran past its budget and was interrupted; run it again in the database thread."""


class InlineTrips:
    """Runs statements on `raw` inline (the caller checks that the database thread is idle)."""

    def __init__(self, raw: sqlite3.Connection) -> None:
        self.raw = raw
        self._deadline = 0.0
        self._overran = False
        self.slow: set[str] = set()  # SQL texts that overran: they go to the thread
        self._quick_runs: dict[str, int] = {}  # of those: quick runs in the thread in a row
        self._marks = threading.Lock()  # `slow` changes on the loop's thread and on the database thread
        self._changes_before = raw.total_changes  # rows changed before the open transaction began

    def starting(self) -> None:
        """Called at the start of every trip, inline or in the thread: remembers where a transaction
        begins, so a COMMIT knows how many rows it has to write."""
        raw = self.raw
        if not raw.in_transaction:
            self._changes_before = raw.total_changes

    def may_read(self, sql: str) -> bool:
        """Whether `sql` is a read worth trying inline."""
        return sql not in self.slow and is_plain_read(sql)

    def may_write(self, sql: str | None, rows: int = 1) -> bool:
        """Whether a write of `rows` rows (`sql`; None for the core's own commit trips) is short enough
        to run inline, its COMMIT included when it ends the open transaction."""
        if rows > MANY_ROWS or (sql is not None and sql in self.slow):
            return False
        raw = self.raw
        return not raw.in_transaction or raw.total_changes - self._changes_before <= MANY_ROWS

    def _check(self) -> int:
        if time.perf_counter() > self._deadline:
            self._overran = True
            return 1  # SQLite interrupts the statement: "interrupted"
        return 0

    def read(self, sql: str, fn: Callable[[sqlite3.Connection], T]) -> T:
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
                self._remember_slow(sql)
                raise Overran from None
            raise
        finally:
            raw.set_progress_handler(None, 0)

    def write(self, sql: str | None, fn: Callable[[sqlite3.Connection], T]) -> T:
        """`fn(raw)` now, whole; a statement `sql` that took longer than `WRITE_SLOW` goes to the
        thread from then on."""
        started = time.perf_counter()
        try:
            return fn(self.raw)
        finally:
            if sql is not None and time.perf_counter() - started > WRITE_SLOW:
                self._remember_slow(sql)

    def timed_read(self, sql: str, fn: Callable[[sqlite3.Connection], T]) -> Callable[[sqlite3.Connection], T]:
        """`fn` (which runs the read `sql`) for the database thread. When `sql` is remembered as slow, its
        run there is timed: runs within `BUDGET` of CPU time `FORGIVEN_AFTER` times in a row forget it."""
        if sql not in self.slow:
            return fn

        def run(raw: sqlite3.Connection) -> T:
            started = time.thread_time()  # the thread's CPU time: its waits for the GIL are not the statement's cost
            result = fn(raw)
            quick = time.thread_time() - started < BUDGET
            with self._marks:
                runs = self._quick_runs.get(sql, 0) + 1 if quick else 0
                if runs >= FORGIVEN_AFTER:
                    self.slow.discard(sql)
                    self._quick_runs.pop(sql, None)
                elif sql in self.slow:
                    self._quick_runs[sql] = runs
            return result
        return run

    def _remember_slow(self, sql: str) -> None:
        with self._marks:
            if len(self.slow) >= SLOW_KEPT:
                self.slow.clear()
                self._quick_runs.clear()
            self.slow.add(sql)
            self._quick_runs[sql] = 0
