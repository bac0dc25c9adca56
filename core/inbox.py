"""The inbox: every inbound event is stored before the platform is told it arrived.

- `store()` writes events in groups (one transaction for everything that arrived meanwhile: one
  commit per getUpdates batch, not per update) and returns each event's row id, or None for an event
  the platform delivered again (same `source`, e.g. `telegram:update:812`).
- A row is marked done, and its payload erased, in the same transaction as the event's handling
  (core.unit), so a crash re-runs exactly the events whose handling had not committed.
- Domain events (`ctx.emit`) are rows too, written by the emitting unit's own transaction.
- Done rows keep only their source, for recognising re-deliveries, and are purged after a day.

Rows are claimed per lane (a chat, or a community for domain events), so the same table serves several
workers on a shared database later: a worker takes a lane, never a single message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import timedelta

from core import codec
from core.clock import Clock
from core.events import Event
from core.deliveries import IdSource, finish_or_cancel
from core.engines import is_transient
from core.storage import Storage, is_storage_full, to_utc_text
from core.throttle import Throttle

log = logging.getLogger("practica.inbox")

MIGRATIONS = (
    """
    CREATE TABLE practica_inbox (
        id INTEGER PRIMARY KEY,
        source TEXT,
        lane TEXT NOT NULL,
        payload TEXT,
        status TEXT NOT NULL DEFAULT 'pending',
        received_at TEXT NOT NULL,
        done_at TEXT
    );
    CREATE UNIQUE INDEX practica_inbox_source ON practica_inbox (source) WHERE source IS NOT NULL;
    CREATE INDEX practica_inbox_pending ON practica_inbox (status, id);
    """,
)

DONE_SQL = "UPDATE practica_inbox SET status = 'done', payload = NULL, done_at = ? WHERE id = ?"
INSERT_SQL = "INSERT INTO practica_inbox (id, source, lane, payload, received_at) VALUES (?, ?, ?, ?, ?)"
# A source already recorded (the platform delivered it again) inserts nothing.
INSERT_NEW_SQL = ("INSERT INTO practica_inbox (id, source, lane, payload, received_at) VALUES (?, ?, ?, ?, ?) "
                  "ON CONFLICT (source) WHERE source IS NOT NULL DO NOTHING")
KEEP_DONE = timedelta(days=1)
WARN_EVERY = 600.0  # seconds between two log lines about the same storage trouble


class Inbox:
    """The inbox table. `await inbox.load()` once after migrations."""

    def __init__(self, db: Storage, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._next_id = 1
        self.allocate: IdSource | None = None  # several workers (core.workers): ids from the sequence

    async def load(self) -> None:
        self._next_id = int(await self.db.fetchval("SELECT COALESCE(MAX(id), 0) FROM practica_inbox", (), 0)) + 1

    def new_id(self) -> int:
        if self.allocate is not None:
            return self.allocate()
        value = self._next_id
        self._next_id += 1
        return value

    def rows(self, events: Sequence[tuple[Event, str | None]]) -> list[tuple[int, str | None, str, str, str]]:
        """Insert parameters for `events`, with fresh ids."""
        now = to_utc_text(self.clock.now())
        return [(self.new_id(), source, event.order_key, codec.dumps(event), now) for event, source in events]

    async def store(self, events: Sequence[tuple[Event, str | None]]) -> list[int | None]:
        """Record events in one transaction (one trip to the database thread); an id per event, None for
        one already recorded (same source)."""
        if self.allocate is not None:
            await self.allocate.reserve(len(events))
        rows = self.rows(events)

        ids: list[int | None] = [row[0] for row in rows]
        # one call for the batch; a source seen before inserts nothing
        changed = (await self.db.write_batch([(INSERT_NEW_SQL, rows, True)]))[0]
        if changed == len(rows):  # the usual case: nothing was delivered twice
            return ids
        stored: set[int] = set()  # some were delivered again (or the engine does not count): which got their row
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            stored.update(r[0] for r in await self.db.fetchall(
                f"SELECT id FROM practica_inbox WHERE id IN ({','.join('?' * len(chunk))})", chunk))
        return [row_id if row_id in stored else None for row_id in ids]

    async def pending(self, ids: Sequence[int] | None = None) -> list[tuple[int, Event]]:
        """Events recorded but not handled (a crash or a stop came first), oldest first; only the rows
        `ids` when given (PostgreSQL: a worker loading a chat it just claimed)."""
        out = []
        params: tuple[object, ...] = ()
        sql = "SELECT id, payload FROM practica_inbox WHERE status = 'pending'"
        if ids is not None:
            sql, params = sql + " AND id = ANY(?::bigint[])", (list(ids),)
        for row in await self.db.fetchall(sql + " ORDER BY id", params):
            try:
                out.append((row["id"], codec.loads(row["payload"])))
            except (ValueError, TypeError) as exc:
                log.warning("inbox row %d cannot be read back (%s); dropped", row["id"], exc)
                await self.db.execute("UPDATE practica_inbox SET status = 'failed', payload = NULL WHERE id = ?", (row["id"],))
        return out

    async def purge(self) -> int:
        """Forget done rows older than a day (their sources no longer need recognising)."""
        cutoff = to_utc_text(self.clock.now() - KEEP_DONE)
        return await self.db.execute_rowcount(
            "DELETE FROM practica_inbox WHERE status != 'pending' AND done_at IS NOT NULL AND done_at < ?", (cutoff,))


class InboxWriter:
    """Group commit in front of `Inbox.store`: events handed in while a write runs go in the next one.

    `put()` returns a future of the event's row id (None: a re-delivery). Transient database errors
    (locked, busy) are retried with backoff while the futures wait, so nothing is confirmed to the
    platform that is not stored. A full disk or another lasting storage error resolves the futures
    with 0: the event is then handled from memory only (logged once), so the bot keeps answering.
    """

    def __init__(self, inbox: Inbox, on_stored: Callable[[Event, int | None], None] | None = None) -> None:
        self.inbox = inbox
        self.on_stored = on_stored  # called with each event and its row id as soon as its batch is stored
        self._buffer: list[tuple[Event, str | None, asyncio.Future[int | None]]] = []
        self._task: asyncio.Task[None] | None = None
        self._storage_trouble = Throttle(WARN_EVERY)  # one log line per ten minutes of storage trouble

    def put(self, event: Event, source: str | None) -> asyncio.Future[int | None]:
        future: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._buffer.append((event, source, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush(), name="practica-inbox-writer")
        return future

    async def close(self, timeout: float = 5.0) -> None:
        """Wait for the write in progress; a database that keeps refusing does not hold the stop (those
        events were never confirmed to the platform, which sends them again)."""
        if self._task is not None and not await finish_or_cancel(self._task, timeout):
            log.warning("shutdown: inbound events could not be stored; the platform will send them again")

    async def _flush(self) -> None:
        delay = 0.05
        while self._buffer:
            batch, self._buffer = self._buffer, []
            while True:
                try:
                    ids = await self.inbox.store([(e, s) for e, s, _ in batch])
                except Exception as exc:  # noqa: BLE001 - storage trouble must never lose an event
                    if is_storage_full(exc) or not is_transient(exc):
                        if self._storage_trouble.due():
                            log.error("could not record inbound events (%s): they are handled from memory until "
                                      "the database accepts writes again (disk full?)", type(exc).__name__)
                        ids = [0] * len(batch)
                    else:  # locked, busy, I/O, connection lost: wait and try again; the platform is not told meanwhile
                        log.warning("could not record inbound events (%s); retrying in %.1f s", type(exc).__name__, delay)
                        await asyncio.sleep(delay)
                        delay = min(delay * 2, 5.0)
                        continue
                break
            on_stored = self.on_stored
            for (event, _, future), row_id in zip(batch, ids):
                if on_stored is not None:  # straight to the dispatcher: no callback scheduled per event
                    try:
                        on_stored(event, row_id)
                    except Exception:  # noqa: BLE001 - never leave the other futures unresolved
                        log.exception("could not queue a stored %s", type(event).__name__)
                if not future.done():
                    future.set_result(row_id)
