"""The 24-hour customer-service window and the /stop opt-out, remembered durably per member.

WhatsApp accepts free-form messages to a member only within 24 hours of their last message. The
adapter needs that time before each send, across restarts, so it keeps one small table in its own
SQLite file beside the database (`whatsapp.db`): wa_id, time of the last inbound message, and
whether the member opted out of reminders with /stop. Nothing else (no message text) is kept.
Reads come from memory; writes go through aiosqlite (never blocking the loop) before the webhook
is answered. `/mydata` shows a member's row and `/forgetme` deletes it from the file (overwritten,
and the write-ahead log emptied); the time of their last message stays in memory only until the
next restart, so the confirmation of the erasure can still be sent inside the window they opened.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import aiosqlite

WINDOW = timedelta(hours=24)
MARGIN = timedelta(minutes=5)  # a message may take a moment to leave: do not start one at 23:59:59
_UPSERT_TIME = ("INSERT INTO whatsapp_members (wa_id, last_inbound) VALUES (?, ?) ON CONFLICT(wa_id) "
                "DO UPDATE SET last_inbound = max(last_inbound, excluded.last_inbound)")
_UPSERT_OFF = ("INSERT INTO whatsapp_members (wa_id, reminders_off) VALUES (?, ?) ON CONFLICT(wa_id) "
               "DO UPDATE SET reminders_off = excluded.reminders_off")


class WindowStore:
    """wa_id -> last inbound time and opt-out, cached in memory, written through to SQLite."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db
        self._last: dict[str, float] = {}
        self._off: set[str] = set()

    @classmethod
    async def open(cls, folder: str) -> WindowStore:
        db = await aiosqlite.connect(os.path.join(folder, "whatsapp.db"), isolation_level=None)
        await db.execute("PRAGMA journal_mode=WAL")
        await db.execute("PRAGMA secure_delete=ON")  # a deleted member's number is overwritten, not left in free pages
        await db.execute("CREATE TABLE IF NOT EXISTS whatsapp_members (wa_id TEXT PRIMARY KEY, "
                         "last_inbound REAL NOT NULL DEFAULT 0, reminders_off INTEGER NOT NULL DEFAULT 0)")
        store = cls(db)
        async with db.execute("SELECT wa_id, last_inbound, reminders_off FROM whatsapp_members") as rows:
            async for wa_id, last, off in rows:
                store._last[wa_id] = last
                if off:
                    store._off.add(wa_id)
        return store

    async def close(self) -> None:
        await self._db.close()

    async def wrote(self, times: dict[str, datetime]) -> None:
        """These members wrote at these times: their windows run 24 h from then (one transaction)."""
        rows = [(w, t.timestamp()) for w, t in times.items() if t.timestamp() > self._last.get(w, 0.0)]
        if not rows:
            return
        await self._db.executemany(_UPSERT_TIME, rows)
        self._last.update(rows)

    def is_open(self, wa_id: str, now: datetime | None = None) -> bool:
        """True while a free-form message to `wa_id` is allowed."""
        last = self._last.get(wa_id)
        if last is None:
            return False
        now = now or datetime.now(timezone.utc)
        return now < datetime.fromtimestamp(last, timezone.utc) + WINDOW - MARGIN

    async def set_reminders(self, wa_id: str, on: bool) -> None:
        """/stop (off) and /start (on)."""
        await self._db.execute(_UPSERT_OFF, (wa_id, 0 if on else 1))
        (self._off.discard if on else self._off.add)(wa_id)

    def reminders_off(self, wa_id: str) -> bool:
        return wa_id in self._off

    async def export(self, wa_id: str) -> dict[str, object] | None:
        """What the file keeps about `wa_id` (for /mydata), or None."""
        async with self._db.execute("SELECT last_inbound, reminders_off FROM whatsapp_members WHERE wa_id = ?",
                                    (wa_id,)) as rows:
            row = await rows.fetchone()
        if row is None:
            return None
        last = datetime.fromtimestamp(row[0], timezone.utc).isoformat() if row[0] else None
        return {"number": wa_id, "last_message_at": last, "reminders_off": bool(row[1])}

    async def erase(self, wa_id: str) -> bool:
        """Delete `wa_id`'s row from the file and the write-ahead log (for /forgetme); True when there was one."""
        cursor = await self._db.execute("DELETE FROM whatsapp_members WHERE wa_id = ?", (wa_id,))
        deleted = cursor.rowcount > 0
        await cursor.close()
        await self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._off.discard(wa_id)
        return deleted
