"""The durable outbox table: every outbound action is a row before anything is sent.

- Rows are written in the transaction of the unit of work that asked for them (core.unit), so they
  exist exactly when the work they report exists.
- The sender (core.outbox) reports progress here; `Deliveries` stores it in groups (one transaction
  for all reports that arrived meanwhile). A report marks the row sent (keeping the platform message
  id, erasing the text) or failed. An action that asked for a delivery callback (`notify`) has its
  report stored in the same transaction as the plugin's `practica_on_delivered`, so the plugin learns
  the message id exactly once.
- At start, `pending()` gives back every row not yet confirmed, oldest first, for the sender.
- What the platform reports later about a sent message (`platform_status`: WhatsApp's delivered, read
  and failed webhooks) is found by the platform message id: delivered and read are recorded on the
  row (`receipt`); a failure after the send marks the row failed and, for an action sent with
  `notify`, calls the plugin's `practica_on_delivered` again with `failed=True`.
- Sent and failed rows are purged after a day.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from core import codec
from core.clock import Clock
from core.errors import DeliveryError
from core.replies import Sent
from core.storage import Storage, to_utc_text
from core.unit import Outgoing

log = logging.getLogger("practica.deliveries")

MIGRATIONS = (
    """
    CREATE TABLE practica_outbox (
        id INTEGER PRIMARY KEY,
        lane TEXT NOT NULL,
        platform TEXT NOT NULL,
        priority INTEGER NOT NULL,
        payload TEXT,
        parts_sent INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'pending',
        plugin TEXT NOT NULL DEFAULT '',
        community TEXT NOT NULL DEFAULT '',
        notify TEXT,
        notify_data TEXT,
        created_at TEXT NOT NULL,
        done_at TEXT,
        message_id TEXT,
        error TEXT
    );
    CREATE INDEX practica_outbox_pending ON practica_outbox (status, id);
    """,
    # 2: what the platform reported after the send (delivered, read), found by the platform's message id
    """
    ALTER TABLE practica_outbox ADD COLUMN receipt TEXT;
    ALTER TABLE practica_outbox ADD COLUMN receipt_at TEXT;
    CREATE INDEX practica_outbox_message ON practica_outbox (platform, message_id);
    """,
    # 3: the later parts of a text split at the platform's limit, each under its own message id
    """
    CREATE TABLE practica_outbox_parts (
        platform TEXT NOT NULL,
        message_id TEXT NOT NULL,
        outbox_id INTEGER NOT NULL,
        PRIMARY KEY (platform, message_id)
    );
    CREATE INDEX practica_outbox_parts_row ON practica_outbox_parts (outbox_id);
    """,
)

INSERT_SQL = ("INSERT INTO practica_outbox (id, lane, platform, priority, payload, plugin, community, notify, notify_data, "
              "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
SENT_SQL = "UPDATE practica_outbox SET status = 'sent', payload = NULL, message_id = ?, done_at = ? WHERE id = ?"
FAILED_SQL = "UPDATE practica_outbox SET status = 'failed', payload = NULL, error = ?, done_at = ? WHERE id = ?"
PROGRESS_SQL = "UPDATE practica_outbox SET parts_sent = ? WHERE id = ?"
PART_SQL = ("INSERT INTO practica_outbox_parts (platform, message_id, outbox_id) VALUES (?, ?, ?) "
            "ON CONFLICT (platform, message_id) DO NOTHING")
RECEIPT_SQL = "UPDATE practica_outbox SET receipt = ?, receipt_at = ? WHERE id = ?"
FAILED_LATER_SQL = "UPDATE practica_outbox SET status = 'failed', error = ?, receipt = 'failed', receipt_at = ? WHERE id = ?"
STATUS_COLUMNS = "SELECT id, status, receipt, plugin, community, notify, notify_data FROM practica_outbox"
KEEP_DONE = timedelta(days=1)
RECEIPTS = ("sent", "delivered", "read")  # in the order a platform reports them


@dataclass(frozen=True, slots=True)
class Delivery:
    """What a plugin's `practica_on_delivered` receives about an action it asked to hear about.

    Attributes:
        tag: the `notify` tag the plugin gave with the action.
        data: the JSON-able data it gave with it.
        sent: the platform's answer (message id, poll reference); None when `failed`.
        failed: True when the platform refused for good or the retry window ran out, or when it
            reported later that a sent message could not be delivered (a second call, after the one
            with `sent`: WhatsApp's `failed` status).
        late: True for that second call: the message had gone out (and may have been answered or
            voted on) before the platform said it did not reach someone; undo nothing it started.
    """

    tag: str
    data: dict[str, Any]
    sent: Sent | None
    failed: bool = False
    error: str = ""
    late: bool = False


def platform_of(record: Outgoing) -> str:
    chat = getattr(record.action, "chat", None)
    return str(chat.platform if chat is not None else record.action.user.platform)  # type: ignore[attr-defined]


class IdSource(Protocol):
    """Row ids handed out synchronously, reserved ahead (several workers: core.workers.IdBlocks)."""

    def __call__(self) -> int: ...

    async def reserve(self, count: int) -> None: ...


NotifyRunner = Callable[[str, str, Delivery, Callable[[Storage], Awaitable[None]]], Awaitable[None]]
"""(plugin, community, delivery, mark): the plugin's callback and the record `mark` in one transaction."""


class Deliveries:
    """The outbox table and the sender's `Receipts`."""

    def __init__(self, db: Storage, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._next_id = 1
        self._marks: list[tuple[str, tuple[object, ...], asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self.notify_runner: NotifyRunner | None = None
        self.allocate: IdSource | None = None  # several workers (core.workers): ids from the sequence

    async def load(self) -> None:
        self._next_id = int(await self.db.fetchval("SELECT COALESCE(MAX(id), 0) FROM practica_outbox", (), 0)) + 1

    # --- writing rows (inside a unit's transaction) ------------------------------------------------

    def rows(self, records: Sequence[Outgoing]) -> list[tuple[object, ...]]:
        """INSERT_SQL parameters for `records` (ids assigned here), for the caller's transaction."""
        now = to_utc_text(self.clock.now())
        rows: list[tuple[object, ...]] = []
        for record in records:
            if self.allocate is not None:
                record.id = self.allocate()
            else:
                record.id = self._next_id
                self._next_id += 1
            rows.append((record.id, record.action.queue_key, platform_of(record), record.priority, codec.dumps(record.action),
                         record.plugin, record.community, record.notify,
                         json.dumps(record.data, ensure_ascii=False) if record.data is not None else None, now))
        return rows

    async def pending(self, ids: Sequence[int] | None = None) -> list[Outgoing]:
        """Rows not confirmed yet, oldest first (a stop or a crash came before their delivery); only the
        rows `ids` when given (PostgreSQL: a worker loading a chat it just claimed)."""
        out = []
        params: tuple[object, ...] = ()
        sql = "SELECT * FROM practica_outbox WHERE status = 'pending'"
        if ids is not None:
            sql, params = sql + " AND id = ANY(?::bigint[])", (list(ids),)
        for row in await self.db.fetchall(sql + " ORDER BY id", params):
            try:
                action = codec.loads(row["payload"])
            except (ValueError, TypeError) as exc:
                log.warning("outbox row %d cannot be read back (%s); dropped", row["id"], exc)
                await self.db.execute(FAILED_SQL, ("unreadable", to_utc_text(self.clock.now()), row["id"]))
                continue
            out.append(Outgoing(action=action, priority=row["priority"], plugin=row["plugin"], community=row["community"],
                                notify=row["notify"], data=json.loads(row["notify_data"]) if row["notify_data"] else None,
                                id=row["id"], parts_sent=row["parts_sent"]))
        return out

    async def purge(self) -> int:
        cutoff = to_utc_text(self.clock.now() - KEEP_DONE)
        purged = await self.db.execute_rowcount(
            "DELETE FROM practica_outbox WHERE status != 'pending' AND done_at IS NOT NULL AND done_at < ?", (cutoff,))
        if purged:
            await self.db.execute("DELETE FROM practica_outbox_parts WHERE outbox_id NOT IN (SELECT id FROM practica_outbox)")
        return purged

    # --- Receipts: what the sender reports ------------------------------------------------------------

    async def progress(self, record: Outgoing, parts_sent: int) -> None:
        record.parts_sent = parts_sent
        await self._mark(PROGRESS_SQL, (parts_sent, record.id))

    async def part(self, record: Outgoing, sent: Sent) -> None:
        await self._mark(PART_SQL, (platform_of(record), sent.message_id, record.id))

    async def sent(self, record: Outgoing, sent: Sent | None) -> None:
        params = ((sent.message_id if sent else None), to_utc_text(self.clock.now()), record.id)
        if record.notify is None or self.notify_runner is None:
            await self._mark(SENT_SQL, params)
            return
        await self._notify(record, Delivery(record.notify, dict(record.data or {}), sent), SENT_SQL, params)

    async def failed(self, record: Outgoing, error: DeliveryError) -> None:
        params = (str(error)[:200], to_utc_text(self.clock.now()), record.id)
        if record.notify is None or self.notify_runner is None:
            await self._mark(FAILED_SQL, params)
            return
        await self._notify(record, Delivery(record.notify, dict(record.data or {}), None, failed=True, error=str(error)[:200]),
                           FAILED_SQL, params)

    async def _notify(self, record: Outgoing, delivery: Delivery, sql: str, params: tuple[object, ...]) -> None:
        async def mark(db: Storage) -> None:
            await db.execute(sql, params)

        assert self.notify_runner is not None
        try:
            await self.notify_runner(record.plugin, record.community, delivery, mark)
        except Exception:  # the plugin's callback failed: still record the delivery, once
            log.exception("plugin %s: delivery callback %r failed", record.plugin, record.notify)
            await self._mark(sql, params)

    # --- what the platform reports after the send ---------------------------------------------------

    async def platform_status(self, platform: str, message_id: str, status: str, error: str = "") -> bool:
        """Record what `platform` reports about its message `message_id`: "sent", "delivered", "read"
        (kept on the row, never going back) or "failed" (the row becomes failed; a `notify` action's
        plugin hears it). False when no row has that id (not sent by practica, or purged).

        The receipts being written are stored first: a report may arrive right after the send.
        """
        while self._writer is not None and not self._writer.done():
            await asyncio.wait({self._writer})
        row = await self.db.fetchone(f"{STATUS_COLUMNS} WHERE platform = ? AND message_id = ? ORDER BY id DESC LIMIT 1",
                                     (platform, message_id))
        if row is None:  # a later part of a split text: the report is the whole message's
            row = await self.db.fetchone(f"{STATUS_COLUMNS} WHERE id = (SELECT outbox_id FROM practica_outbox_parts "
                                         "WHERE platform = ? AND message_id = ?)", (platform, message_id))
        if row is None:
            return False
        now = to_utc_text(self.clock.now())
        if status in RECEIPTS:
            if row["status"] == "sent" and _rank(status) > _rank(row["receipt"]):
                await self.db.execute(RECEIPT_SQL, (status, now, row["id"]))
            return True
        if status != "failed" or row["status"] != "sent":  # unknown word, or already failed (a repeated webhook)
            return True
        text = (error or f"{platform} could not deliver the message")[:200]
        params = (text, now, row["id"])
        if row["notify"] is None or self.notify_runner is None:
            await self.db.execute(FAILED_LATER_SQL, params)
            return True
        data = json.loads(row["notify_data"]) if row["notify_data"] else {}
        delivery = Delivery(row["notify"], data, None, failed=True, error=text, late=True)

        async def mark(db: Storage) -> None:
            await db.execute(FAILED_LATER_SQL, params)

        try:
            await self.notify_runner(row["plugin"], row["community"], delivery, mark)
        except Exception:
            log.exception("plugin %s: delivery callback %r failed", row["plugin"], row["notify"])
            await self.db.execute(FAILED_LATER_SQL, params)
        return True

    async def _mark(self, sql: str, params: tuple[object, ...]) -> None:
        """Store one report; reports arriving while a write runs share the next transaction."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._marks.append((sql, params, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_marks(), name="practica-outbox-receipts")
        await asyncio.shield(future)

    async def _write_marks(self) -> None:
        delay = 0.05
        while self._marks:
            batch, self._marks = self._marks, []
            while True:
                by_sql: dict[str, list[tuple[object, ...]]] = {}
                for sql, params, _ in batch:
                    by_sql.setdefault(sql, []).append(params)
                try:
                    await self.db.write_batch([(sql, rows, True) for sql, rows in by_sql.items()])
                except Exception as exc:  # noqa: BLE001 - keep trying: the lane waits for this
                    log.warning("could not record deliveries (%s: %s); retrying in %.1f s", type(exc).__name__, exc, delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 5.0)
                    continue
                break
            for _, _, future in batch:
                if not future.done():
                    future.set_result(None)

    async def close(self, timeout: float = 5.0) -> None:
        """Wait for the reports being written; a database that keeps refusing does not hold the stop
        (the messages they concern are sent again at the next start: the in-flight duplicates)."""
        if self._writer is not None and not await finish_or_cancel(self._writer, timeout):
            log.warning("shutdown: %d delivery record(s) could not be stored; those messages may be sent again", len(self._marks))


def _rank(receipt: str | None) -> int:
    return RECEIPTS.index(receipt) + 1 if receipt in RECEIPTS else 0


async def finish_or_cancel(task: asyncio.Task[None], timeout: float) -> bool:
    """Wait up to `timeout` for `task`; cancel it if it is still running. True when it ended by itself."""
    done, _ = await asyncio.wait({task}, timeout=timeout)
    if done:
        return True
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return False
