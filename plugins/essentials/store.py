"""SQL of the essentials plugin: pending /forgetme confirmations (so a restart does not lose them).

A row lives at most CONFIRM_WINDOW (data.py): it is deleted when the member confirms, cancels, or asks
again after it expired; nothing else about the member is kept here.
"""

from __future__ import annotations

from datetime import datetime

from core import Storage, from_utc_text, to_utc_text

MIGRATIONS = (
    """
    CREATE TABLE essentials_forget_requests (
        member TEXT PRIMARY KEY,
        asked_at TEXT NOT NULL
    );
    """,
)


async def ask(db: Storage, member: str, now: datetime) -> None:
    await db.execute("INSERT INTO essentials_forget_requests (member, asked_at) VALUES (?, ?) "
                     "ON CONFLICT (member) DO UPDATE SET asked_at = excluded.asked_at", (member, to_utc_text(now)))


async def asked_at(db: Storage, member: str) -> datetime | None:
    text = await db.fetchval("SELECT asked_at FROM essentials_forget_requests WHERE member = ?", (member,))
    return from_utc_text(text) if text else None


async def clear(db: Storage, member: str) -> None:
    await db.execute("DELETE FROM essentials_forget_requests WHERE member = ?", (member,))


async def clear_expired(db: Storage, before: datetime) -> None:
    await db.execute("DELETE FROM essentials_forget_requests WHERE asked_at < ?", (to_utc_text(before),))
