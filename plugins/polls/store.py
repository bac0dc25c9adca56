"""SQL of the polls plugin (tables `polls_*`). Timestamps are UTC ISO text.

Votes are rows (poll, voter, option). For anonymous polls `voter` is a salted one-way token
(see logic.anonymous_token), never a member id, so no query can list who voted in them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from core import Storage, from_utc_text as from_iso, to_utc_text as iso
from plugins.polls.logic import Poll, Tally

MIGRATIONS = (
    """
    CREATE TABLE polls_polls (
        id INTEGER PRIMARY KEY,
        community TEXT NOT NULL,
        platform TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        chat_kind TEXT NOT NULL DEFAULT 'group',
        thread_id TEXT,
        author TEXT,
        question TEXT NOT NULL,
        options TEXT NOT NULL,
        multiple INTEGER NOT NULL DEFAULT 0,
        anonymous INTEGER NOT NULL DEFAULT 0,
        hidden INTEGER NOT NULL DEFAULT 0,
        final INTEGER NOT NULL DEFAULT 0,
        correct INTEGER,
        explanation TEXT,
        native INTEGER NOT NULL DEFAULT 0,
        message_id TEXT,
        poll_ref TEXT,
        salt TEXT NOT NULL,
        created_at TEXT NOT NULL,
        close_at TEXT,
        closed_at TEXT
    );
    CREATE INDEX polls_polls_open ON polls_polls (community, closed_at);
    CREATE INDEX polls_polls_ref ON polls_polls (platform, poll_ref);
    CREATE INDEX polls_polls_message ON polls_polls (platform, chat_id, message_id);
    CREATE INDEX polls_polls_author ON polls_polls (author);
    CREATE TABLE polls_votes (
        poll_id INTEGER NOT NULL REFERENCES polls_polls (id) ON DELETE CASCADE,
        voter TEXT NOT NULL,
        option INTEGER NOT NULL,
        voted_at TEXT NOT NULL,
        PRIMARY KEY (poll_id, voter, option)
    );
    CREATE INDEX polls_votes_voter ON polls_votes (voter);
    CREATE TABLE polls_quiz_scored (
        poll_id INTEGER NOT NULL REFERENCES polls_polls (id) ON DELETE CASCADE,
        voter TEXT NOT NULL,
        PRIMARY KEY (poll_id, voter)
    );
    """,
    # 2: poll numbers are never handed out twice (AUTOINCREMENT), so a new poll never inherits an old
    # one's number or its close/remind job keys. Rows keep their numbers. The vote tables are rebuilt
    # too, children before the parent: with foreign keys on, dropping polls_polls while they point at it
    # would cascade-delete every vote.
    """
    CREATE TABLE polls_polls_new (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        community TEXT NOT NULL,
        platform TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        chat_kind TEXT NOT NULL DEFAULT 'group',
        thread_id TEXT,
        author TEXT,
        question TEXT NOT NULL,
        options TEXT NOT NULL,
        multiple INTEGER NOT NULL DEFAULT 0,
        anonymous INTEGER NOT NULL DEFAULT 0,
        hidden INTEGER NOT NULL DEFAULT 0,
        final INTEGER NOT NULL DEFAULT 0,
        correct INTEGER,
        explanation TEXT,
        native INTEGER NOT NULL DEFAULT 0,
        message_id TEXT,
        poll_ref TEXT,
        salt TEXT NOT NULL,
        created_at TEXT NOT NULL,
        close_at TEXT,
        closed_at TEXT
    );
    INSERT INTO polls_polls_new (id, community, platform, chat_id, chat_kind, thread_id, author, question, options,
                                 multiple, anonymous, hidden, final, correct, explanation, native, message_id, poll_ref,
                                 salt, created_at, close_at, closed_at)
        SELECT id, community, platform, chat_id, chat_kind, thread_id, author, question, options, multiple, anonymous,
               hidden, final, correct, explanation, native, message_id, poll_ref, salt, created_at, close_at, closed_at
        FROM polls_polls;
    CREATE TABLE polls_votes_new (
        poll_id INTEGER NOT NULL REFERENCES polls_polls_new (id) ON DELETE CASCADE,
        voter TEXT NOT NULL,
        option INTEGER NOT NULL,
        voted_at TEXT NOT NULL,
        PRIMARY KEY (poll_id, voter, option)
    );
    INSERT INTO polls_votes_new (poll_id, voter, option, voted_at) SELECT poll_id, voter, option, voted_at FROM polls_votes;
    CREATE TABLE polls_quiz_scored_new (
        poll_id INTEGER NOT NULL REFERENCES polls_polls_new (id) ON DELETE CASCADE,
        voter TEXT NOT NULL,
        PRIMARY KEY (poll_id, voter)
    );
    INSERT INTO polls_quiz_scored_new (poll_id, voter) SELECT poll_id, voter FROM polls_quiz_scored;
    DROP TABLE polls_votes;
    DROP TABLE polls_quiz_scored;
    DROP TABLE polls_polls;
    ALTER TABLE polls_polls_new RENAME TO polls_polls;
    ALTER TABLE polls_votes_new RENAME TO polls_votes;
    ALTER TABLE polls_quiz_scored_new RENAME TO polls_quiz_scored;
    CREATE INDEX polls_polls_open ON polls_polls (community, closed_at);
    CREATE INDEX polls_polls_ref ON polls_polls (platform, poll_ref);
    CREATE INDEX polls_polls_message ON polls_polls (platform, chat_id, message_id);
    CREATE INDEX polls_polls_author ON polls_polls (author);
    CREATE INDEX polls_votes_voter ON polls_votes (voter);
    INSERT INTO sqlite_sequence (name, seq) SELECT 'polls_polls', 0
        WHERE 'polls_polls' NOT IN (SELECT name FROM sqlite_sequence);
    UPDATE sqlite_sequence SET seq = MAX(seq, (
        SELECT COALESCE(MAX(CAST(json_extract(payload, '$.poll') AS INTEGER)), 0) FROM practica_jobs
        WHERE plugin = 'polls')) WHERE name = 'polls_polls';
    """,
    # 3: results are counted as votes come and go, so /results and /polls read a few rows whatever the
    # number of voters. Option -1 counts the voters (members with at least one option chosen).
    """
    CREATE TABLE polls_counts (
        poll_id INTEGER NOT NULL REFERENCES polls_polls (id) ON DELETE CASCADE,
        option INTEGER NOT NULL,
        votes INTEGER NOT NULL,
        PRIMARY KEY (poll_id, option)
    );
    INSERT INTO polls_counts (poll_id, option, votes) SELECT poll_id, option, COUNT(*) FROM polls_votes GROUP BY poll_id, option;
    INSERT INTO polls_counts (poll_id, option, votes) SELECT poll_id, -1, COUNT(DISTINCT voter) FROM polls_votes GROUP BY poll_id;
    """,
)

VOTERS = -1  # the polls_counts row that counts voters
_COUNT = ("INSERT INTO polls_counts (poll_id, option, votes) VALUES (?, ?, ?) "
          "ON CONFLICT (poll_id, option) DO UPDATE SET votes = polls_counts.votes + excluded.votes")



_COLUMNS = ("id, community, platform, chat_id, chat_kind, thread_id, author, question, options, multiple, anonymous, "
            "hidden, final, correct, explanation, native, message_id, poll_ref, salt, created_at, close_at, closed_at")


def _poll(row: Any) -> Poll:
    return Poll(id=row["id"], community=row["community"], platform=row["platform"], chat_id=row["chat_id"],
                chat_kind=row["chat_kind"], thread_id=row["thread_id"], author=row["author"], question=row["question"],
                options=tuple(json.loads(row["options"])), multiple=bool(row["multiple"]),
                anonymous=bool(row["anonymous"]), hidden=bool(row["hidden"]), final=bool(row["final"]),
                correct=row["correct"], explanation=row["explanation"], native=bool(row["native"]),
                message_id=row["message_id"], poll_ref=row["poll_ref"], salt=row["salt"],
                created_at=from_iso(row["created_at"]), close_at=from_iso(row["close_at"]) if row["close_at"] else None,
                closed_at=from_iso(row["closed_at"]) if row["closed_at"] else None)


async def insert_poll(db: Storage, *, community: str, platform: str, chat_id: str, chat_kind: str, thread_id: str | None,
                      author: str, question: str, options: tuple[str, ...], multiple: bool, anonymous: bool,
                      hidden: bool, final: bool, correct: int | None, explanation: str | None, salt: str,
                      created_at: datetime, close_at: datetime | None) -> int:
    return await db.execute(
        "INSERT INTO polls_polls (community, platform, chat_id, chat_kind, thread_id, author, question, options, multiple, "
        "anonymous, hidden, final, correct, explanation, salt, created_at, close_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (community, platform, chat_id, chat_kind, thread_id, author, question, json.dumps(list(options), ensure_ascii=False),
         int(multiple), int(anonymous), int(hidden), int(final), correct, explanation, salt, iso(created_at),
         iso(close_at) if close_at else None))


async def set_posted(db: Storage, poll_id: int, *, native: bool, message_id: str | None, poll_ref: str | None) -> None:
    await db.execute("UPDATE polls_polls SET native = ?, message_id = ?, poll_ref = ? WHERE id = ?",
                     (int(native), message_id, poll_ref, poll_id))


async def delete_poll(db: Storage, poll_id: int) -> None:
    async with db.transaction():
        await db.execute("DELETE FROM polls_counts WHERE poll_id = ?", (poll_id,))
        await db.execute("DELETE FROM polls_polls WHERE id = ?", (poll_id,))


async def get_poll(db: Storage, poll_id: int) -> Poll | None:
    row = await db.fetchone(f"SELECT {_COLUMNS} FROM polls_polls WHERE id = ?", (poll_id,))
    return _poll(row) if row is not None else None


async def poll_by_ref(db: Storage, platform: str, poll_ref: str) -> Poll | None:
    row = await db.fetchone(f"SELECT {_COLUMNS} FROM polls_polls WHERE platform = ? AND poll_ref = ?", (platform, poll_ref))
    return _poll(row) if row is not None else None


async def poll_by_message(db: Storage, platform: str, chat_id: str, message_id: str) -> Poll | None:
    row = await db.fetchone(f"SELECT {_COLUMNS} FROM polls_polls WHERE platform = ? AND chat_id = ? AND message_id = ?",
                            (platform, chat_id, message_id))
    return _poll(row) if row is not None else None


async def open_polls(db: Storage, community: str, limit: int = 50) -> list[Poll]:
    rows = await db.fetchall(f"SELECT {_COLUMNS} FROM polls_polls WHERE community = ? AND closed_at IS NULL "
                             "AND (message_id IS NOT NULL OR poll_ref IS NOT NULL) ORDER BY id LIMIT ?", (community, limit))
    return [_poll(r) for r in rows]


async def unposted_polls(db: Storage, community: str, limit: int = 50) -> list[Poll]:
    """Polls created but not posted yet (their message is on its way to the platform)."""
    rows = await db.fetchall(f"SELECT {_COLUMNS} FROM polls_polls WHERE community = ? AND closed_at IS NULL "
                             "AND message_id IS NULL AND poll_ref IS NULL ORDER BY id LIMIT ?", (community, limit))
    return [_poll(r) for r in rows]


async def mark_closed(db: Storage, poll_id: int, when: datetime) -> bool:
    """Close a poll; False when it was already closed."""
    return await db.execute_rowcount("UPDATE polls_polls SET closed_at = ? WHERE id = ? AND closed_at IS NULL",
                                     (iso(when), poll_id)) > 0


async def choice_of(db: Storage, poll_id: int, voter: str) -> frozenset[int]:
    rows = await db.fetchall("SELECT option FROM polls_votes WHERE poll_id = ? AND voter = ?", (poll_id, voter))
    return frozenset(r["option"] for r in rows)


async def set_choice(db: Storage, poll_id: int, voter: str, choice: Iterable[int], when: datetime) -> None:
    """Replace a voter's options (an empty choice withdraws the vote); the counts follow."""
    new = frozenset(choice)
    async with db.transaction():
        old = await choice_of(db, poll_id, voter)
        await db.execute("DELETE FROM polls_votes WHERE poll_id = ? AND voter = ?", (poll_id, voter))
        await db.executemany("INSERT INTO polls_votes (poll_id, voter, option, voted_at) VALUES (?, ?, ?, ?)",
                             [(poll_id, voter, option, iso(when)) for option in sorted(new)])
        await _count(db, poll_id, old, new)


async def _count(db: Storage, poll_id: int, old: frozenset[int], new: frozenset[int]) -> None:
    """Move one voter's contribution to the counts from `old` options to `new` ones."""
    changes = [(poll_id, option, -1) for option in sorted(old - new)] + [(poll_id, option, 1) for option in sorted(new - old)]
    if bool(old) != bool(new):
        changes.append((poll_id, VOTERS, 1 if new else -1))
    if changes:
        await db.executemany(_COUNT, changes)


async def poll_tally(db: Storage, poll: Poll) -> Tally:
    """Votes per option and voters, from the kept counts (a few rows, whatever the number of voters)."""
    rows = {r["option"]: int(r["votes"]) for r in await db.fetchall("SELECT option, votes FROM polls_counts WHERE poll_id = ?",
                                                                    (poll.id,))}
    return Tally(tuple(rows.get(i, 0) for i in range(len(poll.options))), rows.get(VOTERS, 0))


async def voter_count(db: Storage, poll_id: int) -> int:
    return int(await db.fetchval("SELECT votes FROM polls_counts WHERE poll_id = ? AND option = ?", (poll_id, VOTERS), 0))


async def voter_keys(db: Storage, poll_id: int) -> set[str]:
    """Stored voter keys (uids, or tokens for anonymous polls): only to skip voters in reminders."""
    rows = await db.fetchall("SELECT DISTINCT voter FROM polls_votes WHERE poll_id = ?", (poll_id,))
    return {r["voter"] for r in rows}


async def mark_scored(db: Storage, poll_id: int, voter: str) -> bool:
    """Remember that a member's first quiz answer scored; False when it already had."""
    return await db.execute_rowcount(
        "INSERT INTO polls_quiz_scored (poll_id, voter) VALUES (?, ?) ON CONFLICT (poll_id, voter) DO NOTHING",
        (poll_id, voter)) > 0


# ------------------------------------------------------------------------------------------ members' data


async def polls_by_author(db: Storage, uid: str) -> list[Poll]:
    rows = await db.fetchall(f"SELECT {_COLUMNS} FROM polls_polls WHERE author = ? ORDER BY id", (uid,))
    return [_poll(r) for r in rows]


async def votes_by_voter(db: Storage, voter: str) -> list[tuple[Poll, int]]:
    rows = await db.fetchall(
        f"SELECT {', '.join('p.' + c.strip() for c in _COLUMNS.split(','))}, v.option AS chosen FROM polls_votes v "
        "JOIN polls_polls p ON p.id = v.poll_id WHERE v.voter = ? ORDER BY p.id, v.option", (voter,))
    return [(_poll(r), r["chosen"]) for r in rows]


async def anonymous_salts(db: Storage) -> list[tuple[int, str]]:
    rows = await db.fetchall("SELECT id, salt FROM polls_polls WHERE anonymous = 1 ORDER BY id")
    return [(r["id"], r["salt"]) for r in rows]


async def anonymous_polls_voted(db: Storage, keys: list[tuple[int, str]]) -> list[int]:
    """Ids of anonymous polls where the given (poll id, token) pairs have a vote."""
    found = []
    for poll_id, token in keys:
        if await db.fetchval("SELECT 1 FROM polls_votes WHERE poll_id = ? AND voter = ? LIMIT 1", (poll_id, token)):
            found.append(poll_id)
    return found


async def erase_member(db: Storage, uid: str, anonymous_keys: list[tuple[int, str]]) -> dict[str, int]:
    async with db.transaction():
        chosen: dict[int, set[int]] = {}
        for r in await db.fetchall("SELECT poll_id, option FROM polls_votes WHERE voter = ?", (uid,)):
            chosen.setdefault(r["poll_id"], set()).add(r["option"])
        for poll_id, options in chosen.items():
            await _count(db, poll_id, frozenset(options), frozenset())
        votes = await db.execute_rowcount("DELETE FROM polls_votes WHERE voter = ?", (uid,))
        for poll_id, token in anonymous_keys:
            await _count(db, poll_id, await choice_of(db, poll_id, token), frozenset())
            votes += await db.execute_rowcount("DELETE FROM polls_votes WHERE poll_id = ? AND voter = ?", (poll_id, token))
        await db.execute("DELETE FROM polls_quiz_scored WHERE voter = ?", (uid,))
        authored = await db.execute_rowcount("UPDATE polls_polls SET author = NULL WHERE author = ?", (uid,))
    return {"votes_deleted": votes, "polls_anonymized": authored}
