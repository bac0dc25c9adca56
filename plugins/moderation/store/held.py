"""SQL for messages held for review and for code-of-conduct announcements (tables in store.MIGRATIONS).

A held message keeps its text only while it waits: deciding or expiring it clears the text.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core import Storage, User
from plugins.moderation.store import parse_stamp, stamp, user_from


@dataclass(frozen=True, slots=True)
class Held:
    id: int
    token: str
    community: str
    case_id: int
    chat: str
    message_id: str
    member_uid: str
    member_name: str
    member_handle: str | None
    host: str
    text: str
    posted_at: datetime
    created_at: datetime
    status: str

    @classmethod
    def from_row(cls, row: Any) -> Held:
        return cls(row["id"], row["token"], row["community"], row["case_id"], row["chat"], row["message_id"],
                   row["member_uid"], row["member_name"], row["member_handle"], row["host"], row["text"],
                   parse_stamp(row["posted_at"]), parse_stamp(row["created_at"]), row["status"])  # type: ignore[arg-type]

    @property
    def member(self) -> User:
        return user_from(self.member_uid, self.member_name, self.member_handle)


async def insert(db: Storage, *, community: str, case_id: int, chat: str, message_id: str, member: User, host: str,
                 text: str, posted_at: datetime, now: datetime) -> Held:
    """Keep a held message until a moderator decides; the token is what buttons carry (not guessable)."""
    token = secrets.token_urlsafe(9)
    held_id = await db.execute(
        "INSERT INTO moderation_held (token, community, case_id, chat, message_id, member_uid, member_name, member_handle, "
        "host, text, posted_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (token, community, case_id, chat, message_id, member.uid, member.name, member.handle, host, text,
         stamp(posted_at), stamp(now)))
    return Held(held_id, token, community, case_id, chat, message_id, member.uid, member.name, member.handle, host, text,
                posted_at, now, "pending")


async def get(db: Storage, held_id: int) -> Held | None:
    if not 0 < held_id < 2**63:  # larger numbers are no id SQLite can hold: simply not found
        return None
    row = await db.fetchone("SELECT * FROM moderation_held WHERE id = ?", (held_id,))
    return Held.from_row(row) if row else None


async def by_token(db: Storage, token: str) -> Held | None:
    row = await db.fetchone("SELECT * FROM moderation_held WHERE token = ?", (token,))
    return Held.from_row(row) if row else None


async def pending(db: Storage, community: str, limit: int = 20) -> list[Held]:
    rows = await db.fetchall("SELECT * FROM moderation_held WHERE community = ? AND status = 'pending' ORDER BY id LIMIT ?",
                             (community, limit))
    return [Held.from_row(r) for r in rows]


async def count_pending(db: Storage, community: str) -> int:
    return int(await db.fetchval("SELECT COUNT(*) FROM moderation_held WHERE community = ? AND status = 'pending'",
                                 (community,), 0))


async def decide(db: Storage, held_id: int, status: str, by: str | None, now: datetime) -> bool:
    """Close a pending held message and forget its text; False when it was already decided (two moderators)."""
    changed = await db.execute_rowcount(
        "UPDATE moderation_held SET status = ?, decided_by = ?, decided_at = ?, text = '' WHERE id = ? AND status = 'pending'",
        (status, by, stamp(now), held_id))
    return changed > 0


async def export_member(db: Storage, uid: str) -> list[dict[str, Any]]:
    rows = await db.fetchall("SELECT community, host, text, status, created_at FROM moderation_held WHERE member_uid = ? "
                             "ORDER BY id", (uid,))
    return [dict(r) for r in rows]


async def erase_member(db: Storage, uid: str) -> int:
    return await db.execute_rowcount("DELETE FROM moderation_held WHERE member_uid = ?", (uid,))


# --------------------------------------------------------------------------------------- announcements


async def any_announced(db: Storage, community: str) -> bool:
    return await db.fetchval("SELECT 1 FROM moderation_announced WHERE community = ? LIMIT 1", (community,)) is not None


async def was_announced(db: Storage, community: str, version: str) -> bool:
    return await db.fetchval("SELECT 1 FROM moderation_announced WHERE community = ? AND version = ?",
                             (community, version)) is not None


async def mark_announced(db: Storage, community: str, version: str, now: datetime) -> None:
    await db.execute("INSERT INTO moderation_announced (community, version, announced_at) VALUES (?, ?, ?) "
                     "ON CONFLICT (community, version) DO NOTHING", (community, version, stamp(now)))


async def accepted_other_version(db: Storage, community: str, version: str) -> bool:
    """Whether some member accepted a version other than `version` (the rules existed before)."""
    return await db.fetchval("SELECT 1 FROM moderation_acceptances WHERE community = ? AND version <> ? LIMIT 1",
                             (community, version)) is not None
