"""SQL of the leaderboards: the points ledger, learning levels and member profiles (team, hidden)."""

from __future__ import annotations

import weakref
from collections import deque
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from core import Storage, move_rows, sliced, to_utc_text as iso
from plugins.leaderboards.services import ledger, team_totals

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
    ledger.BOARDS_SCHEMA,
    team_totals.TEAMS_SCHEMA,
)

# ------------------------------------------------------------------------------------ the ledger
# (plugins.leaderboards.ledger: the ledger and the boards kept from it; re-exported here for callers)

add_points = ledger.add_points
add_points_later = ledger.add_points_later
flush = ledger.flush
has_reference = ledger.has_reference
sum_since = ledger.sum_since
given_since = ledger.given_since
member_rows = ledger.member_rows


# ------------------------------------------------------------------------------------- levels


MEMBERS_PER_READ = 500  # members named in one statement (well under either engine's limit of parameters)
_levels_version: weakref.WeakKeyDictionary[Storage, int] = weakref.WeakKeyDictionary()
# Whose levels changed, numbered like levels_version: (version, community, member); None for "any".
LEVEL_CHANGES_KEPT = 10_000
_level_changes: weakref.WeakKeyDictionary[Storage, deque[tuple[int, str | None, str | None]]] = weakref.WeakKeyDictionary()


def levels_version(db: Storage) -> int:
    """A number that changes whenever a level is written or erased (the dashboard's cache key)."""
    return _levels_version.get(db, 0)


def level_changes_since(db: Storage, version: int) -> list[tuple[str | None, str | None]] | None:
    """(community, member) whose levels changed after `version` (None: any community / anyone), or None
    when that is too long ago to tell."""
    if version >= levels_version(db):
        return []
    changes = _level_changes.get(db)
    if not changes or changes[0][0] > version + 1:
        return None
    return [(community, member) for number, community, member in changes if number > version]


def levels_changed(db: Storage, community: str | None = None, *members: str) -> None:
    """Note that levels changed on another worker (committed there): `level_changes_since`."""
    _note_levels_changed(db, community, *members)


def _levels_changed(db: Storage, community: str | None = None, *members: str) -> None:
    # this worker's own change, noted once committed: a reader on another connection (PostgreSQL) that
    # sees the new version must also find the new levels, or it would keep the old ones as caught up
    db.after_commit(lambda: _note_levels_changed(db, community, *members))


def _note_levels_changed(db: Storage, community: str | None, *members: str) -> None:
    version = _levels_version.get(db, 0) + 1
    _levels_version[db] = version
    log = _level_changes.get(db)
    if log is None:
        log = _level_changes[db] = deque(maxlen=LEVEL_CHANGES_KEPT)
    for member in members or (None,):
        log.append((version, community, member))


async def set_level(db: Storage, community: str, member: str, module: str, level: int, confirmed: bool, when: datetime) -> None:
    await db.execute(
        "INSERT INTO leaderboards_levels (community, member, module, level, confirmed, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (community, member, module) DO UPDATE SET level = excluded.level, confirmed = excluded.confirmed, "
        "updated_at = excluded.updated_at",
        (community, member, module, level, int(confirmed), iso(when)))
    _levels_changed(db, community, member)


async def confirm_level(db: Storage, community: str, member: str, module: str) -> int | None:
    """Confirm a pending level; returns the level, or None when nothing was pending."""
    level = await db.fetchval("SELECT level FROM leaderboards_levels WHERE community = ? AND member = ? AND module = ? AND confirmed = 0",
                              (community, member, module))
    if level is None:
        return None
    await db.execute("UPDATE leaderboards_levels SET confirmed = 1 WHERE community = ? AND member = ? AND module = ?",
                     (community, member, module))
    _levels_changed(db, community, member)
    return int(level)


async def levels_of(db: Storage, community: str, member: str) -> dict[str, tuple[int, bool]]:
    """module -> (level, confirmed) of one member."""
    rows = await db.fetchall("SELECT module, level, confirmed FROM leaderboards_levels WHERE community = ? AND member = ?",
                             (community, member))
    return {r["module"]: (int(r["level"]), bool(r["confirmed"])) for r in rows}


async def all_levels(db: Storage, community: str,
                     members: Sequence[str] | None = None) -> dict[str, dict[str, tuple[int, bool, str]]]:
    """member -> {module: (level, confirmed, updated_at)} of every recorded level in the community (or of
    `members` only, read MEMBERS_PER_READ at a time)."""
    sql = "SELECT member, module, level, confirmed, updated_at FROM leaderboards_levels WHERE community = ?"
    if members is None:
        rows = await db.fetchall(sql, (community,))
    else:
        rows = []
        for start in range(0, len(members), MEMBERS_PER_READ):
            part = members[start:start + MEMBERS_PER_READ]
            rows += await db.fetchall(f"{sql} AND member IN ({','.join('?' * len(part))})", (community, *part))
    out: dict[str, dict[str, tuple[int, bool, str]]] = {}
    async for chunk in sliced(rows):
        for r in chunk:
            out.setdefault(r["member"], {})[r["module"]] = (int(r["level"]), bool(r["confirmed"]), r["updated_at"])
    return out


async def confirmed_levels(db: Storage, community: str) -> dict[str, dict[str, int]]:
    """member -> {module: level} of every confirmed level in the community."""
    rows = await db.fetchall("SELECT member, module, level FROM leaderboards_levels WHERE community = ? AND confirmed = 1",
                             (community,))
    out: dict[str, dict[str, int]] = {}
    async for chunk in sliced(rows):
        for r in chunk:
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
    """Set (or clear) `member`'s team; their points move to the new team's board."""
    await flush(db)
    key = team_totals.team_key(team)
    async with db.transaction():
        hidden, old = (await team_totals.profiles_of(db, [community], [member])).get((community, member), (False, None))
        await db.execute(
            "INSERT INTO leaderboards_profiles (community, member, team, team_key) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (community, member) DO UPDATE SET team = excluded.team, team_key = excluded.team_key",
            (community, member, team, key))
        if not hidden:
            await team_totals.moved(db, community, member, old, key)


async def set_hidden(db: Storage, community: str, member: str, hidden: bool) -> None:
    """Hide `member` from the public boards (or show them again); their place (and their part of their
    team's board) moves with them."""
    await flush(db)
    async with db.transaction():
        before, team = (await team_totals.profiles_of(db, [community], [member])).get((community, member), (False, None))
        await _upsert(db, community, member, "hidden", int(hidden))
        if before != hidden:
            await ledger.hidden_changed(db, community, member, hidden)
            if team is not None:
                await team_totals.moved(db, community, member, team if hidden else None, None if hidden else team)


async def mark_champion_announced(db: Storage, community: str, member: str) -> bool:
    """Record the Champion announcement; False when it had already been made (announce once)."""
    async with db.transaction():
        done = await db.fetchval("SELECT champion_announced FROM leaderboards_profiles WHERE community = ? AND member = ?",
                                 (community, member))
        if done:
            return False
        await _upsert(db, community, member, "champion_announced", 1)
        return True


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


async def prepare(db: Storage) -> None:
    """At start: what migration 4 could not do in SQL (team keys are folded in Python)."""
    await team_totals.prepare(db)


async def erase(db: Storage, member: str) -> dict[str, int]:
    """Delete the member's rows; rows they caused for others (thanks, corrections) lose the actor."""
    await flush(db)
    async with db.transaction():
        await ledger.forget(db, [member])
        rows = await db.execute_rowcount("DELETE FROM leaderboards_ledger WHERE member = ?", (member,))
        await db.execute("UPDATE leaderboards_ledger SET actor = NULL WHERE actor = ?", (member,))
        levels = await db.execute_rowcount("DELETE FROM leaderboards_levels WHERE member = ?", (member,))
        _levels_changed(db, None, member)
        profiles = await db.execute_rowcount("DELETE FROM leaderboards_profiles WHERE member = ?", (member,))
        # a certificate's code stays so that a check says "revoked"; the name and the member go
        certificates = await db.execute_rowcount(
            "UPDATE leaderboards_certificates SET revoked_at = COALESCE(revoked_at, ?), member = NULL, name = '' "
            "WHERE member = ?", (iso(datetime.now().astimezone()), member))
    return {"ledger_rows": rows, "levels": levels, "profiles": profiles, "revoked_certificates": certificates}


async def merge_accounts(db: Storage, community: str, person: str, accounts: tuple[str, ...]) -> None:
    """Move the rows of `accounts` to `person` in `community`; where both had one (the same homework
    scored twice, a level set on each), the person's row is kept."""
    others = [a for a in accounts if a and a != person]
    if not person or not others:
        return
    await flush(db)
    marks = ", ".join("?" for _ in others)
    async with db.transaction():
        await ledger.forget(db, [person, *others], community)
        for table, keys in (("leaderboards_ledger", ("reference",)), ("leaderboards_levels", ("module",)),
                            ("leaderboards_profiles", ()), ("leaderboards_certificates", ("code",))):
            await move_rows(db, table, "member", person, others, keys=keys, where=f"{table}.community = ?",
                            params=(community,))
            await db.execute(f"DELETE FROM {table} WHERE community = ? AND member IN ({marks})", (community, *others))
        await ledger.recount(db, community, [person])
    _levels_changed(db, community, person, *others)
