"""SQL of the moderation plugin: cases, join requests, code-of-conduct acceptances, appeals.

Timestamps are stored as UTC ISO text ("2026-11-26T09:00:00Z"), which sorts like the time it stands for.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core import Storage, User, from_utc_text, to_utc_text

MIGRATIONS = (
    """
    CREATE TABLE moderation_cases (
        id INTEGER PRIMARY KEY,
        community TEXT NOT NULL,
        number INTEGER NOT NULL,
        action TEXT NOT NULL,
        member_uid TEXT NOT NULL,
        member_name TEXT NOT NULL,
        actor_uid TEXT,
        actor_name TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        points INTEGER NOT NULL DEFAULT 0,
        chat TEXT,
        evidence_id TEXT,
        evidence_excerpt TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        expires_at TEXT,
        status TEXT NOT NULL DEFAULT 'open',
        UNIQUE (community, number)
    );
    CREATE INDEX moderation_cases_member ON moderation_cases (community, member_uid);
    CREATE TABLE moderation_requests (
        id INTEGER PRIMARY KEY,
        community TEXT NOT NULL,
        member_uid TEXT NOT NULL,
        member_name TEXT NOT NULL,
        member_handle TEXT,
        chat TEXT NOT NULL,
        status TEXT NOT NULL,
        answers TEXT NOT NULL DEFAULT '[]',
        approvals TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL,
        decided_at TEXT,
        decided_by TEXT,
        reason TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX moderation_requests_member ON moderation_requests (member_uid, status);
    CREATE TABLE moderation_acceptances (
        community TEXT NOT NULL,
        member_uid TEXT NOT NULL,
        version TEXT NOT NULL,
        accepted_at TEXT NOT NULL,
        PRIMARY KEY (community, member_uid)
    );
    CREATE TABLE moderation_appeals (
        id INTEGER PRIMARY KEY,
        community TEXT NOT NULL,
        case_number INTEGER NOT NULL,
        member_uid TEXT NOT NULL,
        text TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'pending',
        created_at TEXT NOT NULL,
        decided_by TEXT,
        decided_at TEXT,
        reason TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX moderation_appeals_status ON moderation_appeals (community, status);
    """,
    # 2: a ladder sanction remembers the warning that triggered it and its threshold (an accepted appeal
    # on a warning lifts the sanctions it no longer justifies); messages held for review, kept until decided.
    """
    ALTER TABLE moderation_cases ADD COLUMN caused_by INTEGER;
    ALTER TABLE moderation_cases ADD COLUMN ladder_points INTEGER;
    CREATE TABLE moderation_held (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        token TEXT NOT NULL UNIQUE,
        community TEXT NOT NULL,
        case_id INTEGER NOT NULL,
        chat TEXT NOT NULL,
        message_id TEXT NOT NULL,
        member_uid TEXT NOT NULL,
        member_name TEXT NOT NULL,
        member_handle TEXT,
        host TEXT NOT NULL DEFAULT '',
        text TEXT NOT NULL DEFAULT '',
        posted_at TEXT NOT NULL,
        created_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        decided_by TEXT,
        decided_at TEXT
    );
    CREATE INDEX moderation_held_status ON moderation_held (community, status);
    CREATE TABLE moderation_announced (
        community TEXT NOT NULL,
        version TEXT NOT NULL,
        announced_at TEXT NOT NULL,
        PRIMARY KEY (community, version)
    );
    """,
    # 3: join requests and appeals are numbered with AUTOINCREMENT: /forgetme deletes them, and a plain
    # INTEGER PRIMARY KEY hands the highest deleted number to the next one (two people shown as "#7", and
    # the new request's reminder and expiry jobs collided with the old request's keys). Rows keep their
    # numbers; numbers already used in job payloads are never handed out again.
    """
    CREATE TABLE moderation_requests_new (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        community TEXT NOT NULL,
        member_uid TEXT NOT NULL,
        member_name TEXT NOT NULL,
        member_handle TEXT,
        chat TEXT NOT NULL,
        status TEXT NOT NULL,
        answers TEXT NOT NULL DEFAULT '[]',
        approvals TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL,
        decided_at TEXT,
        decided_by TEXT,
        reason TEXT NOT NULL DEFAULT ''
    );
    INSERT INTO moderation_requests_new (id, community, member_uid, member_name, member_handle, chat, status, answers,
                                         approvals, created_at, decided_at, decided_by, reason)
        SELECT id, community, member_uid, member_name, member_handle, chat, status, answers, approvals, created_at,
               decided_at, decided_by, reason FROM moderation_requests;
    DROP TABLE moderation_requests;
    ALTER TABLE moderation_requests_new RENAME TO moderation_requests;
    CREATE INDEX moderation_requests_member ON moderation_requests (member_uid, status);
    CREATE TABLE moderation_appeals_new (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        community TEXT NOT NULL,
        case_number INTEGER NOT NULL,
        member_uid TEXT NOT NULL,
        text TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'pending',
        created_at TEXT NOT NULL,
        decided_by TEXT,
        decided_at TEXT,
        reason TEXT NOT NULL DEFAULT ''
    );
    INSERT INTO moderation_appeals_new (id, community, case_number, member_uid, text, status, created_at, decided_by,
                                        decided_at, reason)
        SELECT id, community, case_number, member_uid, text, status, created_at, decided_by, decided_at, reason
        FROM moderation_appeals;
    DROP TABLE moderation_appeals;
    ALTER TABLE moderation_appeals_new RENAME TO moderation_appeals;
    CREATE INDEX moderation_appeals_status ON moderation_appeals (community, status);
    INSERT INTO sqlite_sequence (name, seq)
        SELECT t.name, 0 FROM (SELECT 'moderation_requests' AS name UNION ALL SELECT 'moderation_appeals') AS t
        WHERE t.name NOT IN (SELECT name FROM sqlite_sequence);
    UPDATE sqlite_sequence SET seq = MAX(seq, (
        SELECT COALESCE(MAX(CAST(json_extract(payload, '$.request') AS INTEGER)), 0) FROM practica_jobs
        WHERE plugin = 'moderation')) WHERE name = 'moderation_requests';
    """,
)

ERASED = "erased member"
OPEN_REQUEST = ("questionnaire", "pending")


def stamp(when: datetime | None) -> str | None:
    return to_utc_text(when) if when is not None else None


def parse_stamp(text: str | None) -> datetime | None:
    return from_utc_text(text) if text else None


def user_from(uid: str, name: str, handle: str | None = None) -> User:
    platform, _, user_id = uid.partition(":")
    return User(platform=platform, id=user_id, name=name, handle=handle)


# --------------------------------------------------------------------------------------- cases


@dataclass(frozen=True, slots=True)
class Case:
    id: int
    community: str
    number: int
    action: str
    member_uid: str
    member_name: str
    actor_uid: str | None
    actor_name: str
    reason: str
    points: int
    chat: str | None
    evidence_id: str | None
    evidence_excerpt: str
    created_at: datetime
    expires_at: datetime | None
    status: str
    caused_by: int | None = None
    ladder_points: int | None = None

    @classmethod
    def from_row(cls, row: Any) -> Case:
        values = dict(row)
        values["created_at"] = parse_stamp(values["created_at"])
        values["expires_at"] = parse_stamp(values["expires_at"])
        return cls(**values)

    @property
    def member(self) -> User:
        return user_from(self.member_uid, self.member_name)


async def insert_case(db: Storage, *, community: str, action: str, member: User, actor: User | None, actor_name: str,
                      reason: str, points: int, chat: str | None, evidence_id: str | None, evidence_excerpt: str,
                      created_at: datetime, expires_at: datetime | None, caused_by: int | None = None,
                      ladder_points: int | None = None) -> Case:
    """Open a case with the community's next number (atomic)."""
    async with db.transaction():
        number = int(await db.fetchval("SELECT COALESCE(MAX(number), 0) + 1 FROM moderation_cases WHERE community = ?",
                                       (community,), 1))
        case_id = await db.execute(
            """INSERT INTO moderation_cases (community, number, action, member_uid, member_name, actor_uid, actor_name,
                   reason, points, chat, evidence_id, evidence_excerpt, created_at, expires_at, caused_by, ladder_points)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (community, number, action, member.uid, member.name, actor.uid if actor else None, actor_name, reason, points,
             chat, evidence_id, evidence_excerpt, stamp(created_at), stamp(expires_at), caused_by, ladder_points))
    return Case(case_id, community, number, action, member.uid, member.name, actor.uid if actor else None, actor_name,
                reason, points, chat, evidence_id, evidence_excerpt, created_at, expires_at, "open", caused_by, ladder_points)


async def get_case(db: Storage, community: str, number: int) -> Case | None:
    row = await db.fetchone("SELECT * FROM moderation_cases WHERE community = ? AND number = ?", (community, number))
    return Case.from_row(row) if row else None


async def get_case_by_id(db: Storage, case_id: int) -> Case | None:
    row = await db.fetchone("SELECT * FROM moderation_cases WHERE id = ?", (case_id,))
    return Case.from_row(row) if row else None


async def member_case(db: Storage, member_uid: str, number: int) -> Case | None:
    """The member's own case `number` (any community; the most recent when several match)."""
    row = await db.fetchone("SELECT * FROM moderation_cases WHERE member_uid = ? AND number = ? ORDER BY id DESC LIMIT 1",
                            (member_uid, number))
    return Case.from_row(row) if row else None


async def member_cases(db: Storage, community: str, member_uid: str, limit: int = 20) -> list[Case]:
    rows = await db.fetchall("SELECT * FROM moderation_cases WHERE community = ? AND member_uid = ? ORDER BY number DESC LIMIT ?",
                             (community, member_uid, limit))
    return [Case.from_row(r) for r in rows]


async def set_case_reason(db: Storage, case_id: int, reason: str) -> None:
    await db.execute("UPDATE moderation_cases SET reason = ? WHERE id = ?", (reason, case_id))


async def set_case_status(db: Storage, case_id: int, status: str) -> None:
    await db.execute("UPDATE moderation_cases SET status = ? WHERE id = ?", (status, case_id))


async def close_case(db: Storage, case_id: int, status: str) -> bool:
    """Close an open case (a report decided); False when it was no longer open."""
    return await db.execute_rowcount("UPDATE moderation_cases SET status = ? WHERE id = ? AND status = 'open'",
                                     (status, case_id)) == 1


async def close_reports_about(db: Storage, community: str, chat: str, message_id: str) -> list[int]:
    """Close the open reports of one message (a moderator acted on it in chat); their case numbers."""
    rows = await db.fetchall("SELECT number FROM moderation_cases WHERE community = ? AND action = 'report' "
                             "AND status = 'open' AND chat = ? AND evidence_id = ? ORDER BY number", (community, chat, message_id))
    if rows:
        await db.execute("UPDATE moderation_cases SET status = 'actioned' WHERE community = ? AND action = 'report' "
                         "AND status = 'open' AND chat = ? AND evidence_id = ?", (community, chat, message_id))
    return [int(row["number"]) for row in rows]


async def active_points(db: Storage, community: str, member_uid: str, since: datetime) -> int:
    """Warning points given since `since` and not lifted on appeal."""
    return int(await db.fetchval(
        "SELECT COALESCE(SUM(points), 0) FROM moderation_cases WHERE community = ? AND member_uid = ? AND action = 'warn' "
        "AND status = 'open' AND created_at > ?", (community, member_uid, stamp(since)), 0))


async def ladder_sanctions_after(db: Storage, community: str, member_uid: str, since: datetime) -> list[Case]:
    """The member's open ladder mutes and bans opened at or after `since` (a warning counted toward them)."""
    rows = await db.fetchall("SELECT * FROM moderation_cases WHERE community = ? AND member_uid = ? AND status = 'open' "
                             "AND action IN ('mute', 'ban') AND caused_by IS NOT NULL AND created_at >= ? ORDER BY id",
                             (community, member_uid, stamp(since)))
    return [Case.from_row(r) for r in rows]


async def open_mute_of(db: Storage, community: str, member_uid: str, now: datetime) -> Case | None:
    """Another running mute of the member, if any (lifting one mute must not end a second one)."""
    row = await db.fetchone("SELECT * FROM moderation_cases WHERE community = ? AND member_uid = ? AND action = 'mute' "
                            "AND status = 'open' AND (expires_at IS NULL OR expires_at > ?) ORDER BY id DESC LIMIT 1",
                            (community, member_uid, stamp(now)))
    return Case.from_row(row) if row else None


async def is_banned(db: Storage, community: str, member_uid: str, now: datetime) -> bool:
    """Whether a ban of the member in `community` is running."""
    row = await db.fetchone("SELECT 1 FROM moderation_cases WHERE community = ? AND member_uid = ? AND action = 'ban' "
                            "AND status = 'open' AND (expires_at IS NULL OR expires_at > ?) LIMIT 1",
                            (community, member_uid, stamp(now)))
    return row is not None


def _of_members(uids: Sequence[str] | None) -> tuple[str, tuple[str, ...]]:
    """` AND member_uid IN (...)` and its parameters for `uids` (nothing for None: every member)."""
    if uids is None:
        return "", ()
    return f" AND member_uid IN ({','.join('?' * len(uids)) or 'NULL'})", tuple(uids)


async def active_mutes(db: Storage, now: datetime, uids: Sequence[str] | None = None) -> list[Case]:
    """Running mutes (of `uids` only, when given)."""
    among, params = _of_members(uids)
    rows = await db.fetchall("SELECT * FROM moderation_cases WHERE action = 'mute' AND status = 'open' "
                             "AND (expires_at IS NULL OR expires_at > ?)" + among, (stamp(now), *params))
    return [Case.from_row(r) for r in rows]


# --------------------------------------------------------------------------------------- join requests


@dataclass(frozen=True, slots=True)
class Request:
    id: int
    community: str
    member_uid: str
    member_name: str
    member_handle: str | None
    chat: str
    status: str
    answers: tuple[str, ...]
    approvals: tuple[str, ...]
    created_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> Request:
        return cls(row["id"], row["community"], row["member_uid"], row["member_name"], row["member_handle"], row["chat"],
                   row["status"], tuple(json.loads(row["answers"])), tuple(json.loads(row["approvals"])),
                   parse_stamp(row["created_at"]))  # type: ignore[arg-type]

    @property
    def member(self) -> User:
        return user_from(self.member_uid, self.member_name, self.member_handle)


async def insert_request(db: Storage, community: str, member: User, chat: str, status: str, now: datetime) -> Request:
    request_id = await db.execute(
        "INSERT INTO moderation_requests (community, member_uid, member_name, member_handle, chat, status, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)", (community, member.uid, member.name, member.handle, chat, status, stamp(now)))
    return Request(request_id, community, member.uid, member.name, member.handle, chat, status, (), (), now)


async def get_request(db: Storage, request_id: int) -> Request | None:
    row = await db.fetchone("SELECT * FROM moderation_requests WHERE id = ?", (request_id,))
    return Request.from_row(row) if row else None


async def open_request_of(db: Storage, community: str, member_uid: str) -> Request | None:
    row = await db.fetchone("SELECT * FROM moderation_requests WHERE community = ? AND member_uid = ? "
                            "AND status IN ('questionnaire', 'pending') ORDER BY id DESC LIMIT 1", (community, member_uid))
    return Request.from_row(row) if row else None


async def open_requests(db: Storage, uids: Sequence[str] | None = None) -> list[Request]:
    """Join requests not decided yet (of `uids` only, when given), oldest first."""
    among, params = _of_members(uids)
    rows = await db.fetchall("SELECT * FROM moderation_requests WHERE status IN ('questionnaire', 'pending')"
                             + among + " ORDER BY id", params)
    return [Request.from_row(r) for r in rows]


async def is_verified(db: Storage, community: str, member_uid: str) -> bool:
    return await db.fetchval("SELECT 1 FROM moderation_requests WHERE community = ? AND member_uid = ? AND status = 'approved' "
                             "LIMIT 1", (community, member_uid)) is not None


async def update_request(db: Storage, request_id: int, *, status: str | None = None, answers: tuple[str, ...] | None = None,
                         approvals: tuple[str, ...] | None = None, decided_by: str | None = None,
                         decided_at: datetime | None = None, reason: str | None = None) -> None:
    sets, params = [], []
    for column, value in (("status", status), ("decided_by", decided_by), ("decided_at", stamp(decided_at)), ("reason", reason)):
        if value is not None:
            sets.append(f"{column} = ?")
            params.append(value)
    if answers is not None:
        sets.append("answers = ?")
        params.append(json.dumps(list(answers), ensure_ascii=False))
    if approvals is not None:
        sets.append("approvals = ?")
        params.append(json.dumps(list(approvals)))
    if sets:
        await db.execute(f"UPDATE moderation_requests SET {', '.join(sets)} WHERE id = ?", (*params, request_id))


# --------------------------------------------------------------------------------------- acceptances


async def load_acceptances(db: Storage, uids: Sequence[str] | None = None) -> list[tuple[str, str, str]]:
    """(community, member, version of the code of conduct accepted), of `uids` only when given."""
    among, params = _of_members(uids)
    rows = await db.fetchall("SELECT community, member_uid, version FROM moderation_acceptances WHERE 1 = 1" + among,
                             params)
    return [(r["community"], r["member_uid"], r["version"]) for r in rows]


async def had_acceptance(db: Storage, community: str, member_uid: str) -> bool:
    return await db.fetchval("SELECT 1 FROM moderation_acceptances WHERE community = ? AND member_uid = ?",
                             (community, member_uid)) is not None


async def save_acceptance(db: Storage, community: str, member_uid: str, version: str, now: datetime) -> None:
    await db.execute("INSERT INTO moderation_acceptances (community, member_uid, version, accepted_at) VALUES (?, ?, ?, ?) "
                     "ON CONFLICT (community, member_uid) DO UPDATE SET version = excluded.version, "
                     "accepted_at = excluded.accepted_at", (community, member_uid, version, stamp(now)))


# --------------------------------------------------------------------------------------- appeals


@dataclass(frozen=True, slots=True)
class Appeal:
    id: int
    community: str
    case_number: int
    member_uid: str
    text: str
    status: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> Appeal:
        return cls(row["id"], row["community"], row["case_number"], row["member_uid"], row["text"], row["status"],
                   parse_stamp(row["created_at"]))  # type: ignore[arg-type]


async def insert_appeal(db: Storage, community: str, case_number: int, member_uid: str, text: str, now: datetime) -> int:
    return await db.execute("INSERT INTO moderation_appeals (community, case_number, member_uid, text, created_at) "
                            "VALUES (?, ?, ?, ?, ?)", (community, case_number, member_uid, text, stamp(now)))


async def pending_appeal_for(db: Storage, community: str, case_number: int) -> Appeal | None:
    row = await db.fetchone("SELECT * FROM moderation_appeals WHERE community = ? AND case_number = ? AND status = 'pending'",
                            (community, case_number))
    return Appeal.from_row(row) if row else None


async def get_appeal(db: Storage, appeal_id: int) -> Appeal | None:
    row = await db.fetchone("SELECT * FROM moderation_appeals WHERE id = ?", (appeal_id,))
    return Appeal.from_row(row) if row else None


async def pending_appeals(db: Storage, community: str) -> list[Appeal]:
    rows = await db.fetchall("SELECT * FROM moderation_appeals WHERE community = ? AND status = 'pending' ORDER BY id", (community,))
    return [Appeal.from_row(r) for r in rows]


async def decide_appeal(db: Storage, appeal_id: int, status: str, by: str, now: datetime, reason: str) -> None:
    await db.execute("UPDATE moderation_appeals SET status = ?, decided_by = ?, decided_at = ?, reason = ? WHERE id = ?",
                     (status, by, stamp(now), reason, appeal_id))


# --------------------------------------------------------------------------------------- members' data


async def export_member(db: Storage, uid: str) -> dict[str, Any]:
    cases = await db.fetchall("SELECT community, number, action, actor_name, reason, evidence_excerpt, created_at, expires_at, "
                              "status FROM moderation_cases WHERE member_uid = ? ORDER BY id", (uid,))
    requests = await db.fetchall("SELECT community, status, answers, created_at, decided_at FROM moderation_requests "
                                 "WHERE member_uid = ? ORDER BY id", (uid,))
    accepted = await db.fetchall("SELECT community, version, accepted_at FROM moderation_acceptances WHERE member_uid = ?", (uid,))
    appeals = await db.fetchall("SELECT community, case_number, text, status, created_at FROM moderation_appeals "
                                "WHERE member_uid = ? ORDER BY id", (uid,))
    out: dict[str, Any] = {}
    if cases:
        out["cases"] = [dict(r) for r in cases]
    if requests:
        out["join_requests"] = [{**dict(r), "answers": json.loads(r["answers"])} for r in requests]
    if accepted:
        out["code_of_conduct"] = [dict(r) for r in accepted]
    if appeals:
        out["appeals"] = [dict(r) for r in appeals]
    return out


async def erase_member(db: Storage, uid: str) -> dict[str, int]:
    """Delete answers, acceptances and appeals; keep cases with the member's identity replaced."""
    async with db.transaction():
        requests = await db.execute_rowcount("DELETE FROM moderation_requests WHERE member_uid = ?", (uid,))
        accepted = await db.execute_rowcount("DELETE FROM moderation_acceptances WHERE member_uid = ?", (uid,))
        appeals = await db.execute_rowcount("DELETE FROM moderation_appeals WHERE member_uid = ?", (uid,))
        cases = await db.execute_rowcount(
            "UPDATE moderation_cases SET member_uid = ?, member_name = ?, evidence_excerpt = '' WHERE member_uid = ?",
            (f"erased:{secrets.token_hex(6)}", ERASED, uid))
    return {"join_requests": requests, "acceptances": accepted, "appeals": appeals, "cases_anonymized": cases}

