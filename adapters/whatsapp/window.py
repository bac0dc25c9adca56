"""The 24-hour customer-service window and the /stop opt-out, remembered durably per member.

WhatsApp accepts free-form messages to a member only within 24 hours of their last message. The
adapter needs that time before each send, across restarts, so it keeps one small table in its own
SQLite file beside the database (`whatsapp.db`): wa_id, time of the last inbound message, and
whether the member opted out of reminders with /stop. Nothing else (no message text) is kept.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime, timedelta, timezone

WINDOW = timedelta(hours=24)
MARGIN = timedelta(minutes=5)  # a message may take a moment to leave: do not start one at 23:59:59


class WindowStore:
    """wa_id -> last inbound time and opt-out, cached in memory, written through to SQLite."""

    def __init__(self, folder: str) -> None:
        self.path = os.path.join(folder, "whatsapp.db")
        self._db = sqlite3.connect(self.path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS whatsapp_members (wa_id TEXT PRIMARY KEY, "
                         "last_inbound REAL NOT NULL DEFAULT 0, reminders_off INTEGER NOT NULL DEFAULT 0)")
        self._last: dict[str, float] = {}
        self._off: set[str] = set()
        for wa_id, last, off in self._db.execute("SELECT wa_id, last_inbound, reminders_off FROM whatsapp_members"):
            self._last[wa_id] = last
            if off:
                self._off.add(wa_id)

    def close(self) -> None:
        self._db.close()

    def wrote(self, wa_id: str, when: datetime) -> None:
        """The member wrote at `when`: their window runs 24 h from then."""
        stamp = when.timestamp()
        if stamp <= self._last.get(wa_id, 0.0):
            return
        self._last[wa_id] = stamp
        self._db.execute("INSERT INTO whatsapp_members (wa_id, last_inbound) VALUES (?, ?) ON CONFLICT(wa_id) "
                         "DO UPDATE SET last_inbound = max(last_inbound, excluded.last_inbound)", (wa_id, stamp))

    def is_open(self, wa_id: str, now: datetime | None = None) -> bool:
        """True while a free-form message to `wa_id` is allowed."""
        last = self._last.get(wa_id)
        if last is None:
            return False
        now = now or datetime.now(timezone.utc)
        return now < datetime.fromtimestamp(last, timezone.utc) + WINDOW - MARGIN

    def set_reminders(self, wa_id: str, on: bool) -> None:
        """/stop (off) and /start (on)."""
        (self._off.discard if on else self._off.add)(wa_id)
        self._db.execute("INSERT INTO whatsapp_members (wa_id, reminders_off) VALUES (?, ?) ON CONFLICT(wa_id) "
                         "DO UPDATE SET reminders_off = excluded.reminders_off", (wa_id, 0 if on else 1))

    def reminders_off(self, wa_id: str) -> bool:
        return wa_id in self._off
