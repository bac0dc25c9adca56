"""Homework SQL: assignments, series, submissions, quiet hours and per-member nudges (snoozes)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time
from typing import Any

Row = Any  # a database row (mapping by column name)

from core import INT_RANGE, Storage, move_rows, from_utc_text as from_iso, to_utc_text as iso
from plugins.homework.logic import Assignment

MIGRATIONS = (
    """
    CREATE TABLE homework_series (
        id INTEGER PRIMARY KEY,
        community TEXT NOT NULL,
        title TEXT NOT NULL,
        instructions TEXT NOT NULL DEFAULT '',
        module TEXT,
        rrule TEXT NOT NULL,
        tz TEXT NOT NULL,
        due_after INTEGER NOT NULL,
        chat_platform TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        chat_thread TEXT,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1
    );
    CREATE TABLE homework_assignments (
        id INTEGER PRIMARY KEY,
        community TEXT NOT NULL,
        series_id INTEGER,
        occurrence TEXT,
        title TEXT NOT NULL,
        instructions TEXT NOT NULL DEFAULT '',
        module TEXT,
        due_at TEXT NOT NULL,
        chat_platform TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        chat_thread TEXT,
        message_id TEXT,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open',
        proof_at TEXT
    );
    CREATE UNIQUE INDEX homework_assignments_occurrence ON homework_assignments (series_id, occurrence);
    CREATE INDEX homework_assignments_open ON homework_assignments (community, status, due_at);
    CREATE TABLE homework_submissions (
        assignment_id INTEGER NOT NULL,
        uid TEXT NOT NULL,
        name TEXT NOT NULL,
        handle TEXT,
        submitted_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        on_time INTEGER NOT NULL,
        via TEXT NOT NULL,
        attachment TEXT,
        has_note INTEGER NOT NULL DEFAULT 0,
        note TEXT,
        status TEXT NOT NULL DEFAULT 'submitted',
        reviewed_by TEXT,
        reviewed_at TEXT,
        PRIMARY KEY (assignment_id, uid)
    );
    CREATE INDEX homework_submissions_uid ON homework_submissions (uid);
    CREATE TABLE homework_quiet (
        uid TEXT PRIMARY KEY,
        quiet_start TEXT NOT NULL,
        quiet_end TEXT NOT NULL
    );
    CREATE TABLE homework_nudges (
        assignment_id INTEGER NOT NULL,
        uid TEXT NOT NULL,
        snoozed_until TEXT,
        last_reminded TEXT,
        PRIMARY KEY (assignment_id, uid)
    );
    CREATE INDEX homework_nudges_uid ON homework_nudges (uid);
    """,
    # 2: assignment and series numbers are never handed out twice (AUTOINCREMENT), even if a row is ever
    # deleted: a new assignment must not inherit an old one's number, its submissions or its reminder
    # job keys ("remind:<id>:..."). Rows keep their numbers; numbers used by jobs are skipped.
    """
    CREATE TABLE homework_series_new (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        community TEXT NOT NULL,
        title TEXT NOT NULL,
        instructions TEXT NOT NULL DEFAULT '',
        module TEXT,
        rrule TEXT NOT NULL,
        tz TEXT NOT NULL,
        due_after INTEGER NOT NULL,
        chat_platform TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        chat_thread TEXT,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1
    );
    INSERT INTO homework_series_new (id, community, title, instructions, module, rrule, tz, due_after, chat_platform,
                                     chat_id, chat_thread, created_by, created_at, active)
        SELECT id, community, title, instructions, module, rrule, tz, due_after, chat_platform, chat_id, chat_thread,
               created_by, created_at, active FROM homework_series;
    DROP TABLE homework_series;
    ALTER TABLE homework_series_new RENAME TO homework_series;
    CREATE TABLE homework_assignments_new (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        community TEXT NOT NULL,
        series_id INTEGER,
        occurrence TEXT,
        title TEXT NOT NULL,
        instructions TEXT NOT NULL DEFAULT '',
        module TEXT,
        due_at TEXT NOT NULL,
        chat_platform TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        chat_thread TEXT,
        message_id TEXT,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open',
        proof_at TEXT
    );
    INSERT INTO homework_assignments_new (id, community, series_id, occurrence, title, instructions, module, due_at,
                                          chat_platform, chat_id, chat_thread, message_id, created_by, created_at,
                                          status, proof_at)
        SELECT id, community, series_id, occurrence, title, instructions, module, due_at, chat_platform, chat_id,
               chat_thread, message_id, created_by, created_at, status, proof_at FROM homework_assignments;
    DROP TABLE homework_assignments;
    ALTER TABLE homework_assignments_new RENAME TO homework_assignments;
    CREATE UNIQUE INDEX homework_assignments_occurrence ON homework_assignments (series_id, occurrence);
    CREATE INDEX homework_assignments_open ON homework_assignments (community, status, due_at);
    INSERT INTO sqlite_sequence (name, seq)
        SELECT t.name, 0 FROM (SELECT 'homework_series' AS name UNION ALL SELECT 'homework_assignments') AS t
        WHERE t.name NOT IN (SELECT name FROM sqlite_sequence);
    UPDATE sqlite_sequence SET seq = MAX(seq, (
        SELECT COALESCE(MAX(CAST(json_extract(payload, '$.assignment') AS INTEGER)), 0) FROM practica_jobs
        WHERE plugin = 'homework')) WHERE name = 'homework_assignments';
    UPDATE sqlite_sequence SET seq = MAX(seq, (
        SELECT COALESCE(MAX(CAST(json_extract(payload, '$.series') AS INTEGER)), 0) FROM practica_jobs
        WHERE plugin = 'homework')) WHERE name = 'homework_series';
    """,
)

_ASSIGNMENT_COLUMNS = ("id, community, title, instructions, module, due_at, chat_platform, chat_id, chat_thread, "
                       "message_id, status, series_id, proof_at")


def _assignment(row: Row) -> Assignment:
    return Assignment(id=row["id"], community=row["community"], title=row["title"], instructions=row["instructions"],
                      module=row["module"], due_at=from_iso(row["due_at"]), chat_platform=row["chat_platform"],
                      chat_id=row["chat_id"], chat_thread=row["chat_thread"], message_id=row["message_id"],
                      status=row["status"], series_id=row["series_id"],
                      proof_at=from_iso(row["proof_at"]) if row["proof_at"] else None)


# --- assignments ----------------------------------------------------------------------------------


async def add_assignment(db: Storage, *, community: str, title: str, instructions: str, module: str | None,
                         due_at: datetime, chat: tuple[str, str, str | None], created_by: str, now: datetime,
                         series_id: int | None = None, occurrence: datetime | None = None) -> int:
    return await db.execute(
        "INSERT INTO homework_assignments (community, series_id, occurrence, title, instructions, module, due_at, "
        "chat_platform, chat_id, chat_thread, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (community, series_id, iso(occurrence) if occurrence else None, title, instructions, module, iso(due_at),
         *chat, created_by, iso(now)))


async def occurrence_exists(db: Storage, series_id: int, occurrence: datetime) -> bool:
    return await db.fetchval("SELECT COUNT(*) FROM homework_assignments WHERE series_id = ? AND occurrence = ?",
                             (series_id, iso(occurrence))) > 0


async def set_message_id(db: Storage, assignment_id: int, message_id: str) -> None:
    await db.execute("UPDATE homework_assignments SET message_id = ? WHERE id = ?", (message_id, assignment_id))


async def get_assignment(db: Storage, assignment_id: int) -> Assignment | None:
    if assignment_id not in INT_RANGE:  # typed by a member: no row has such an id
        return None
    row = await db.fetchone(f"SELECT {_ASSIGNMENT_COLUMNS} FROM homework_assignments WHERE id = ?", (assignment_id,))
    return _assignment(row) if row is not None else None


async def open_assignments(db: Storage, community: str, after: datetime) -> list[Assignment]:
    rows = await db.fetchall(f"SELECT {_ASSIGNMENT_COLUMNS} FROM homework_assignments WHERE community = ? "
                             "AND status = 'open' AND due_at > ? ORDER BY due_at, id", (community, iso(after)))
    return [_assignment(r) for r in rows]


async def posted_messages(db: Storage, after: datetime) -> list[tuple[str, str, int]]:
    """(chat key, message id, assignment id) of assignments still worth a reply-submission."""
    rows = await db.fetchall("SELECT id, chat_platform, chat_id, message_id FROM homework_assignments "
                             "WHERE status = 'open' AND message_id IS NOT NULL AND due_at > ?", (iso(after),))
    return [(f"{r['chat_platform']}:{r['chat_id']}", r["message_id"], r["id"]) for r in rows]


async def set_status(db: Storage, assignment_id: int, status: str) -> None:
    await db.execute("UPDATE homework_assignments SET status = ? WHERE id = ?", (status, assignment_id))


async def set_proof_at(db: Storage, assignment_id: int, when: datetime) -> None:
    await db.execute("UPDATE homework_assignments SET proof_at = ? WHERE id = ?", (iso(when), assignment_id))


# --- series ---------------------------------------------------------------------------------------


async def add_series(db: Storage, *, community: str, title: str, instructions: str, module: str | None, rrule: str,
                     tz: str, due_after: int, chat: tuple[str, str, str | None], created_by: str, now: datetime) -> int:
    return await db.execute(
        "INSERT INTO homework_series (community, title, instructions, module, rrule, tz, due_after, chat_platform, "
        "chat_id, chat_thread, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (community, title, instructions, module, rrule, tz, due_after, *chat, created_by, iso(now)))


async def get_series(db: Storage, series_id: int) -> Row | None:
    if series_id not in INT_RANGE:
        return None
    return await db.fetchone("SELECT * FROM homework_series WHERE id = ?", (series_id,))


async def stop_series(db: Storage, series_id: int) -> None:
    await db.execute("UPDATE homework_series SET active = 0 WHERE id = ?", (series_id,))


# --- submissions -----------------------------------------------------------------------------------


async def get_submission(db: Storage, assignment_id: int, uid: str) -> Row | None:
    return await db.fetchone("SELECT * FROM homework_submissions WHERE assignment_id = ? AND uid = ?", (assignment_id, uid))


async def insert_submission(db: Storage, *, assignment_id: int, uid: str, name: str, handle: str | None, now: datetime,
                            on_time: bool, via: str, attachment: str | None, has_note: bool, note: str | None) -> None:
    await db.execute(
        "INSERT INTO homework_submissions (assignment_id, uid, name, handle, submitted_at, updated_at, on_time, via, "
        "attachment, has_note, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (assignment_id, uid, name, handle, iso(now), iso(now), int(on_time), via, attachment, int(has_note), note))


async def update_submission(db: Storage, *, assignment_id: int, uid: str, now: datetime, attachment: str | None,
                            has_note: bool, note: str | None) -> None:
    await db.execute(
        "UPDATE homework_submissions SET updated_at = ?, attachment = COALESCE(?, attachment), "
        "has_note = CASE WHEN ? = 1 THEN 1 ELSE has_note END, note = COALESCE(?, note) WHERE assignment_id = ? AND uid = ?",
        (iso(now), attachment, int(has_note), note, assignment_id, uid))


async def submissions(db: Storage, assignment_id: int) -> list[Row]:
    return await db.fetchall("SELECT * FROM homework_submissions WHERE assignment_id = ? ORDER BY submitted_at",
                             (assignment_id,))


async def submitted_uids(db: Storage, assignment_id: int) -> set[str]:
    rows = await db.fetchall("SELECT uid FROM homework_submissions WHERE assignment_id = ?", (assignment_id,))
    return {r["uid"] for r in rows}


async def mark_reviewed(db: Storage, assignment_id: int, uid: str, reviewer: str, now: datetime) -> None:
    await db.execute("UPDATE homework_submissions SET status = 'reviewed', reviewed_by = ?, reviewed_at = ? "
                     "WHERE assignment_id = ? AND uid = ?", (reviewer, iso(now), assignment_id, uid))


# --- quiet hours and nudges ------------------------------------------------------------------------


async def set_quiet(db: Storage, uid: str, start: time, end: time) -> None:
    await db.execute("INSERT INTO homework_quiet (uid, quiet_start, quiet_end) VALUES (?, ?, ?) ON CONFLICT (uid) "
                     "DO UPDATE SET quiet_start = excluded.quiet_start, quiet_end = excluded.quiet_end",
                     (uid, start.strftime("%H:%M"), end.strftime("%H:%M")))


async def clear_quiet(db: Storage, uid: str) -> bool:
    return await db.execute_rowcount("DELETE FROM homework_quiet WHERE uid = ?", (uid,)) > 0


async def quiet_of(db: Storage, uids: Iterable[str]) -> dict[str, tuple[time, time]]:
    wanted = list(uids)
    out: dict[str, tuple[time, time]] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        if not chunk:
            break
        rows = await db.fetchall(f"SELECT uid, quiet_start, quiet_end FROM homework_quiet WHERE uid IN "
                                 f"({','.join('?' * len(chunk))})", chunk)
        out.update({r["uid"]: (time.fromisoformat(r["quiet_start"]), time.fromisoformat(r["quiet_end"])) for r in rows})
    return out


async def nudges(db: Storage, assignment_id: int) -> tuple[dict[str, datetime], dict[str, datetime]]:
    """({uid: snoozed until}, {uid: last reminded}) for one assignment."""
    rows = await db.fetchall("SELECT uid, snoozed_until, last_reminded FROM homework_nudges WHERE assignment_id = ?",
                             (assignment_id,))
    snoozed = {r["uid"]: from_iso(r["snoozed_until"]) for r in rows if r["snoozed_until"]}
    reminded = {r["uid"]: from_iso(r["last_reminded"]) for r in rows if r["last_reminded"]}
    return snoozed, reminded


async def set_snooze(db: Storage, assignment_id: int, uid: str, until: datetime) -> None:
    await db.execute("INSERT INTO homework_nudges (assignment_id, uid, snoozed_until) VALUES (?, ?, ?) "
                     "ON CONFLICT (assignment_id, uid) DO UPDATE SET snoozed_until = excluded.snoozed_until",
                     (assignment_id, uid, iso(until)))


async def mark_reminded(db: Storage, assignment_id: int, uids: Iterable[str], now: datetime) -> None:
    rows = [(assignment_id, uid, iso(now)) for uid in uids]
    if rows:
        await db.executemany("INSERT INTO homework_nudges (assignment_id, uid, last_reminded) VALUES (?, ?, ?) "
                             "ON CONFLICT (assignment_id, uid) DO UPDATE SET last_reminded = excluded.last_reminded", rows)


# --- members' data ---------------------------------------------------------------------------------


async def export_member(db: Storage, uid: str) -> dict[str, Any]:
    subs = await db.fetchall(
        "SELECT s.assignment_id, a.title, s.submitted_at, s.updated_at, s.on_time, s.via, s.attachment, s.note, "
        "s.status, s.reviewed_at FROM homework_submissions s LEFT JOIN homework_assignments a ON a.id = s.assignment_id "
        "WHERE s.uid = ? ORDER BY s.submitted_at", (uid,))
    quiet = await db.fetchone("SELECT quiet_start, quiet_end FROM homework_quiet WHERE uid = ?", (uid,))
    snoozes = await db.fetchall("SELECT assignment_id, snoozed_until, last_reminded FROM homework_nudges WHERE uid = ?", (uid,))
    return {
        "submissions": [{**dict(r), "on_time": bool(r["on_time"])} for r in subs],
        "quiet_hours": f"{quiet['quiet_start']}-{quiet['quiet_end']}" if quiet else None,
        "snoozes": [dict(r) for r in snoozes],
    }


async def erase_member(db: Storage, uid: str) -> dict[str, int]:
    async with db.transaction():
        subs = await db.execute_rowcount("DELETE FROM homework_submissions WHERE uid = ?", (uid,))
        quiet = await db.execute_rowcount("DELETE FROM homework_quiet WHERE uid = ?", (uid,))
        nudge = await db.execute_rowcount("DELETE FROM homework_nudges WHERE uid = ?", (uid,))
    return {"submissions": subs, "quiet_hours": quiet, "snoozes": nudge}


async def merge_accounts(db: Storage, person: str, accounts: tuple[str, ...]) -> None:
    """Move the submissions of `accounts` to `person` (the person's own one wins for the same homework)."""
    others = [a for a in accounts if a and a != person]
    if not person or not others:
        return
    marks = ", ".join("?" for _ in others)
    await move_rows(db, "homework_submissions", "uid", person, others, keys=("assignment_id",))
    await db.execute(f"DELETE FROM homework_submissions WHERE uid IN ({marks})", tuple(others))
