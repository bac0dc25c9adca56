"""WAL checkpoints in a thread of their own (core.storage).

In WAL mode a commit appends pages to `<database>-wal`; a checkpoint copies them back into the database
file and flushes it to disk, after which the WAL starts over. SQLite does this by itself inside the
COMMIT that makes the WAL pass 1,000 pages, and the storage now runs short COMMITs on the event loop's
thread (core.inline_trips): a checkpoint there would hold every chat for as long as the disk takes to
flush. So the main connection's auto-checkpoint is off, and this copies the WAL back every `EVERY`
seconds (only when something was written since) from its own connection, in its own thread. A PASSIVE
checkpoint never waits for the main connection nor blocks its writes. But the WAL starts over only
when a transaction begins after a checkpoint copied everything, which never happens while writes go on
without a pause: when the WAL holds more than `BEHIND` pages, a checkpoint runs with the main
connection's turn held (`Storage.catch_up_wal`, in aiosqlite's thread, as SQLite's own auto-checkpoint
would inside a COMMIT), so the WAL stays a few megabytes under any load. While that waits for its
turn, this thread goes on copying, so the hold itself copies only the last few milliseconds of writes.

What a crash or a full disk does is unchanged: a checkpoint cut off by SIGKILL is finished by the next
open, and one that cannot write (disk full) leaves the pages in the WAL, where they stay readable and
safe; it is logged and tried again.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

from core.throttle import Throttle

log = logging.getLogger("practica.storage")

EVERY = 0.5         # seconds between two checkpoints while something is being written
BEHIND = 4000       # WAL pages (16 MB at 4 KB) past which a checkpoint holds the writes so the WAL starts over
WARN_EVERY = 600.0  # seconds between two log lines about a failing checkpoint


class WalCheckpoints:
    """Checkpoints of the SQLite database at `path`; `written()` tells how many rows the main
    connection has changed so far (read on the loop's thread), so an idle bot checkpoints nothing."""

    def __init__(self, path: str, written: Callable[[], int],
                 catch_up: Callable[[Callable[[], Awaitable[object]]], Awaitable[None]]) -> None:
        self.path = path
        self._written = written
        self._catch_up = catch_up
        self._seen = written()
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="practica-checkpoint")
        self._conn: sqlite3.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._failing = Throttle(WARN_EVERY)  # one log line per ten minutes of failing checkpoints

    def start(self) -> None:
        self._task = asyncio.create_task(self._every(), name="practica-wal-checkpoints")

    async def _every(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(EVERY)
            seen = self._written()
            if seen == self._seen:
                continue
            try:
                pages = await loop.run_in_executor(self._executor, self._checkpoint)
                if pages > BEHIND:
                    await self._catch_up(lambda: loop.run_in_executor(self._executor, self._checkpoint))
            except Exception as exc:  # noqa: BLE001 - the checkpoints must go on whatever one of them met
                if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY:
                    continue  # another checkpoint is running (Storage.checkpoint): the next one goes on
                if self._failing.due():
                    log.warning("the database file could not take in its write-ahead log (%s); the data is "
                                "safe in %s-wal, and practica tries again", type(exc).__name__, self.path)
                continue
            self._seen = seen

    def _checkpoint(self) -> int:
        """One PASSIVE checkpoint; how many pages the WAL holds (copied back or not)."""
        if self._conn is None:
            self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        _, pages, _ = self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()[0]  # all: no statement left open
        return int(pages)

    async def close(self) -> None:
        """Stop; the main connection's close then checkpoints what is left, as the last one open."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await asyncio.get_running_loop().run_in_executor(self._executor, self._close_connection)
        self._executor.shutdown(wait=True)

    def _close_connection(self) -> None:  # in the checkpoint thread, after any checkpoint still running
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
