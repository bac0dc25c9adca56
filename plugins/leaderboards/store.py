"""SQL of the leaderboards: the points ledger, learning levels and member profiles (team, hidden)."""

from __future__ import annotations

import weakref
from datetime import datetime
from typing import Any

from core import Storage, to_utc_text as iso

MIGRATIONS = (
    """
    CREATE TABLE leaderboards_ledger (
        id INTEGER PRIMARY KEY,
        community TEXT NOT NULL,
        member TEXT NOT NULL,
        points INTEGER NOT NULL,
        source TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        reference TEXT NOT NULL,
        actor TEXT,
        created_at TEXT NOT NULL
    );
    CREATE UNIQUE INDEX leaderboards_ledger_ref ON leaderboards_ledger (community, member, reference);
    CREATE INDEX leaderboards_ledger_time ON leaderboards_ledger (community, created_at);
    CREATE INDEX leaderboards_ledger_member ON leaderboards_ledger (member);
    CREATE TABLE leaderboards_levels (
        community TEXT NOT NULL,
        member TEXT NOT NULL,
        module TEXT NOT NULL,
        level INTEGER NOT NULL,
        confirmed INTEGER NOT NULL DEFAULT 1,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (community, member, module)
    );
    CREATE TABLE leaderboards_profiles (
        community TEXT NOT NULL,
        member TEXT NOT NULL,
        team TEXT,
        hidden INTEGER NOT NULL DEFAULT 0,
        champion_announced INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (community, member)
    );
    """,
    """
    CREATE TABLE leaderboards_certificates (
        code TEXT PRIMARY KEY,
        community TEXT NOT NULL,
        member TEXT,
        name TEXT NOT NULL,
        modules TEXT NOT NULL,
        issued_at TEXT NOT NULL,
        revoked_at TEXT
    );
    CREATE INDEX leaderboards_certificates_member ON leaderboards_certificates (community, member);
    """,
)

# ------------------------------------------------------------------------------------ the ledger


# Write-behind for points scored from ordinary messages (activity, thank-you replies). Rows wait
# here (per database) and are written with one executemany when FLUSH_AT accumulate, before any read
# of the ledger, and at shutdown. A crash can lose at most FLUSH_AT - 1 such rows, never points from
# homework, quizzes, resources or corrections (documented in docs/plugins/leaderboards.md).
FLUSH_AT = 200
_pending: weakref.WeakKeyDictionary[Storage, list[tuple[Any, ...]]] = weakref.WeakKeyDictionary()
_INSERT = ("INSERT INTO leaderboards_ledger (community, member, points, source, reason, reference, actor, created_at) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (community, member, reference) DO NOTHING")


async def add_points_later(db: Storage, *, community: str, member: str, points: int, source: str, reason: str,
                           reference: str, actor: str | None, when: datetime) -> None:
    """Queue one ledger row whose reference is unique by construction (a message id)."""
    rows = _pending.setdefault(db, [])
    rows.append((community, member, points, source, reason[:200], reference, actor, iso(when)))
    if len(rows) >= FLUSH_AT:
        await flush(db)


async def flush(db: Storage) -> None:
    """Write queued activity rows (cheap when there are none)."""
    rows = _pending.get(db)
    if rows:
        _pending[db] = []
        await db.executemany(_INSERT, rows)


async def add_points(db: Storage, *, community: str, member: str, points: int, source: str, reason: str,
                     reference: str, actor: str | None, when: datetime) -> bool:
    """Append one ledger row; False when this member already scored for `reference` (nothing written)."""
    await flush(db)
    count = await db.execute_rowcount(_INSERT, (community, member, points, source, reason[:200], reference, actor, iso(when)))
    return count > 0


async def has_reference(db: Storage, community: str, member: str, reference: str) -> bool:
    await flush(db)
    return await db.fetchval("SELECT 1 FROM leaderboards_ledger WHERE community = ? AND member = ? AND reference = ?",
                             (community, member, reference)) is not None


async def sum_since(db: Storage, community: str, member: str, source: str, since: datetime) -> int:
    """Points `member` got from `source` since `since`."""
    await flush(db)
    return int(await db.fetchval(
        "SELECT COALESCE(SUM(points), 0) FROM leaderboards_ledger WHERE community = ? AND member = ? AND source = ? AND created_at >= ?",
        (community, member, source, iso(since)), 0))


async def given_since(db: Storage, community: str, actor: str, source: str, since: datetime) -> int:
    """How many rows of `source` `actor` caused since `since` (e.g. thanks given today)."""
    await flush(db)
    return int(await db.fetchval(
        "SELECT COUNT(*) FROM leaderboards_ledger WHERE community = ? AND actor = ? AND source = ? AND created_at >= ?",
        (community, actor, source, iso(since)), 0))


async def totals(db: Storage, community: str, start: datetime | None = None, end: datetime | None = None) -> dict[str, int]:
    """member -> points in [start, end) (everything when open)."""
    await flush(db)
    sql = "SELECT member, SUM(points) AS total FROM leaderboards_ledger WHERE community = ?"
    params: list[Any] = [community]
    if start is not None:
        sql += " AND created_at >= ?"
        params.append(iso(start))
    if end is not None:
        sql += " AND created_at < ?"
        params.append(iso(end))
    rows = await db.fetchall(sql + " GROUP BY member", params)
    return {r["member"]: int(r["total"]) for r in rows}


async def member_rows(db: Storage, member: str) -> list[dict[str, Any]]:
    await flush(db)
    rows = await db.fetchall(
        "SELECT community, points, source, reason, reference, created_at FROM leaderboards_ledger WHERE member = ? ORDER BY id",
        (member,))
    return [dict(r) for r in rows]


# ------------------------------------------------------------------------------------- levels


_levels_version: weakref.WeakKeyDictionary[Storage, int] = weakref.WeakKeyDictionary()


def levels_version(db: Storage) -> int:
    """A number that changes whenever a level is written or erased (the dashboard's cache key)."""
    return _levels_version.get(db, 0)


def _levels_changed(db: Storage) -> None:
    _levels_version[db] = _levels_version.get(db, 0) + 1


async def set_level(db: Storage, community: str, member: str, module: str, level: int, confirmed: bool, when: datetime) -> None:
    await db.execute(
        "INSERT INTO leaderboards_levels (community, member, module, level, confirmed, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (community, member, module) DO UPDATE SET level = excluded.level, confirmed = excluded.confirmed, "
        "updated_at = excluded.updated_at",
        (community, member, module, level, int(confirmed), iso(when)))
    _levels_changed(db)


async def confirm_level(db: Storage, community: str, member: str, module: str) -> int | None:
    """Confirm a pending level; returns the level, or None when nothing was pending."""
    level = await db.fetchval("SELECT level FROM leaderboards_levels WHERE community = ? AND member = ? AND module = ? AND confirmed = 0",
                              (community, member, module))
    if level is None:
        return None
    await db.execute("UPDATE leaderboards_levels SET confirmed = 1 WHERE community = ? AND member = ? AND module = ?",
                     (community, member, module))
    _levels_changed(db)
    return int(level)


async def levels_of(db: Storage, community: str, member: str) -> dict[str, tuple[int, bool]]:
    """module -> (level, confirmed) of one member."""
    rows = await db.fetchall("SELECT module, level, confirmed FROM leaderboards_levels WHERE community = ? AND member = ?",
                             (community, member))
    return {r["module"]: (int(r["level"]), bool(r["confirmed"])) for r in rows}


async def all_levels(db: Storage, community: str) -> dict[str, dict[str, tuple[int, bool, str]]]:
    """member -> {module: (level, confirmed, updated_at)} of every recorded level in the community."""
    rows = await db.fetchall("SELECT member, module, level, confirmed, updated_at FROM leaderboards_levels WHERE community = ?",
                             (community,))
    out: dict[str, dict[str, tuple[int, bool, str]]] = {}
    for r in rows:
        out.setdefault(r["member"], {})[r["module"]] = (int(r["level"]), bool(r["confirmed"]), r["updated_at"])
    return out


async def confirmed_levels(db: Storage, community: str) -> dict[str, dict[str, int]]:
    """member -> {module: level} of every confirmed level in the community."""
    rows = await db.fetchall("SELECT member, module, level FROM leaderboards_levels WHERE community = ? AND confirmed = 1",
                             (community,))
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        out.setdefault(r["member"], {})[r["module"]] = int(r["level"])
    return out


# ------------------------------------------------------------------------------------- profiles


async def profile(db: Storage, community: str, member: str) -> dict[str, Any]:
    row = await db.fetchone("SELECT team, hidden, champion_announced FROM leaderboards_profiles WHERE community = ? AND member = ?",
                            (community, member))
    if row is None:
        return {"team": None, "hidden": False, "champion_announced": False}
    return {"team": row["team"], "hidden": bool(row["hidden"]), "champion_announced": bool(row["champion_announced"])}


async def _upsert(db: Storage, community: str, member: str, column: str, value: Any) -> None:
    await db.execute(
        f"INSERT INTO leaderboards_profiles (community, member, {column}) VALUES (?, ?, ?) "
        f"ON CONFLICT (community, member) DO UPDATE SET {column} = excluded.{column}",
        (community, member, value))


async def set_team(db: Storage, community: str, member: str, team: str | None) -> None:
    await _upsert(db, community, member, "team", team)


async def set_hidden(db: Storage, community: str, member: str, hidden: bool) -> None:
    await _upsert(db, community, member, "hidden", int(hidden))


async def mark_champion_announced(db: Storage, community: str, member: str) -> bool:
    """Record the Champion announcement; False when it had already been made (announce once)."""
    async with db.transaction():
        done = await db.fetchval("SELECT champion_announced FROM leaderboards_profiles WHERE community = ? AND member = ?",
                                 (community, member))
        if done:
            return False
        await _upsert(db, community, member, "champion_announced", 1)
        return True


async def hidden_members(db: Storage, community: str) -> set[str]:
    rows = await db.fetchall("SELECT member FROM leaderboards_profiles WHERE community = ? AND hidden = 1", (community,))
    return {r["member"] for r in rows}


async def teams(db: Storage, community: str) -> dict[str, str]:
    """member -> team of members who set one and are not hidden."""
    rows = await db.fetchall("SELECT member, team FROM leaderboards_profiles WHERE community = ? AND team IS NOT NULL AND hidden = 0",
                             (community,))
    return {r["member"]: r["team"] for r in rows}


# ---------------------------------------------------------------------------------- members' data


async def export(db: Storage, member: str) -> dict[str, Any]:
    levels = await db.fetchall("SELECT community, module, level, confirmed, updated_at FROM leaderboards_levels WHERE member = ?", (member,))
    profiles = await db.fetchall("SELECT community, team, hidden FROM leaderboards_profiles WHERE member = ?", (member,))
    return {
        "ledger": await member_rows(db, member),
        "levels": [dict(r) for r in levels],
        "profiles": [{"community": r["community"], "team": r["team"], "hidden": bool(r["hidden"])} for r in profiles],
        "certificates": [dict(r) for r in await db.fetchall(
            "SELECT community, name, modules, issued_at, revoked_at, code FROM leaderboards_certificates WHERE member = ?",
            (member,))],
    }


async def erase(db: Storage, member: str) -> dict[str, int]:
    """Delete the member's rows; rows they caused for others (thanks, corrections) lose the actor."""
    await flush(db)
    async with db.transaction():
        ledger = await db.execute_rowcount("DELETE FROM leaderboards_ledger WHERE member = ?", (member,))
        await db.execute("UPDATE leaderboards_ledger SET actor = NULL WHERE actor = ?", (member,))
        levels = await db.execute_rowcount("DELETE FROM leaderboards_levels WHERE member = ?", (member,))
        _levels_changed(db)
        profiles = await db.execute_rowcount("DELETE FROM leaderboards_profiles WHERE member = ?", (member,))
        # a certificate's code stays so that a check says "revoked"; the name and the member go
        certificates = await db.execute_rowcount(
            "UPDATE leaderboards_certificates SET revoked_at = COALESCE(revoked_at, ?), member = NULL, name = '' "
            "WHERE member = ?", (iso(datetime.now().astimezone()), member))
    return {"ledger_rows": ledger, "levels": levels, "profiles": profiles, "revoked_certificates": certificates}


async def merge_accounts(db: Storage, community: str, person: str, accounts: tuple[str, ...]) -> None:
    """Move the rows of `accounts` to `person` in `community`; where both had one (the same homework
    scored twice, a level set on each), the person's row is kept."""
    others = [a for a in accounts if a and a != person]
    if not person or not others:
        return
    await flush(db)
    marks = ", ".join("?" for _ in others)
    for table in ("leaderboards_ledger", "leaderboards_levels", "leaderboards_profiles", "leaderboards_certificates"):
        await db.execute(f"UPDATE OR IGNORE {table} SET member = ? WHERE community = ? AND member IN ({marks})",
                         (person, community, *others))
        await db.execute(f"DELETE FROM {table} WHERE community = ? AND member IN ({marks})", (community, *others))
