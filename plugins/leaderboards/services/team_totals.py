"""SQL of the team boards, kept like the member boards (plugins.leaderboards.ledger calls in here).

`/top teams` ranks teams by average points per member. Summing every member of every team at each call
reads the whole community; instead, per community, how many public members each team has
(`leaderboards_teams`) and, per board period, the team's points (`leaderboards_team_totals`) are kept
and moved whenever a member's points, team or visibility change. Teams are grouped case- and
accent-insensitively by `team_key` (the folded name), shown with the spelling of their first member.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from core import Storage, fold

# Migration 4 (store.MIGRATIONS). Rows stored before it get their key at the next start (`prepare`).
TEAMS_SCHEMA = """
ALTER TABLE leaderboards_profiles ADD COLUMN team_key TEXT;
CREATE INDEX leaderboards_profiles_team ON leaderboards_profiles (community, team_key, member);
CREATE INDEX leaderboards_profiles_unkeyed ON leaderboards_profiles (community) WHERE team IS NOT NULL AND team_key IS NULL;
CREATE TABLE leaderboards_teams (
    community TEXT NOT NULL,
    team_key TEXT NOT NULL,
    members INTEGER NOT NULL,
    PRIMARY KEY (community, team_key)
);
CREATE TABLE leaderboards_team_totals (
    window_id INTEGER NOT NULL,
    team_key TEXT NOT NULL,
    points INTEGER NOT NULL,
    PRIMARY KEY (window_id, team_key)
);
"""

_ADD_MEMBERS = ("INSERT INTO leaderboards_teams (community, team_key, members) VALUES (?, ?, ?) "
                "ON CONFLICT (community, team_key) DO UPDATE SET members = leaderboards_teams.members + excluded.members")
_ADD_POINTS = ("INSERT INTO leaderboards_team_totals (window_id, team_key, points) VALUES (?, ?, ?) "
               "ON CONFLICT (window_id, team_key) DO UPDATE SET points = leaderboards_team_totals.points + excluded.points")
_FROM_TOTALS = ("SELECT t.window_id, p.team_key, SUM(t.points) FROM leaderboards_totals AS t "
                "JOIN leaderboards_windows AS w ON w.id = t.window_id "
                "JOIN leaderboards_profiles AS p ON p.community = w.community AND p.member = t.member "
                "WHERE p.team_key IS NOT NULL AND p.hidden = 0")


def team_key(team: str | None) -> str | None:
    """How teams are grouped: "Hope clinic" and "hope  Clinic " are one team."""
    return fold(team.strip()) if team and team.strip() else None


async def profiles_of(db: Storage, communities: Sequence[str], members: Sequence[str]) -> dict[tuple[str, str], tuple[bool, str | None]]:
    """(community, member) -> (hidden, team key) for the members that have a profile (primary-key reads)."""
    if not communities or not members:
        return {}
    rows = await db.fetchall(
        f"SELECT community, member, hidden, team_key FROM leaderboards_profiles WHERE community IN ({_marks(communities)}) "
        f"AND member IN ({_marks(members)})", (*communities, *members))
    return {(r[0], r[1]): (bool(r[2]), r[3]) for r in rows}


async def add(db: Storage, points: dict[tuple[int, str], int] | None = None,
              members: dict[tuple[str, str], int] | None = None) -> None:
    """Add point deltas {(window, team key): points} and member-count deltas {(community, team key): n}."""
    changes = [(w, k, n) for (w, k), n in (points or {}).items() if n]
    if changes:
        await db.executemany(_ADD_POINTS, changes)
    counts = [(c, k, n) for (c, k), n in (members or {}).items() if n]
    if counts:
        await db.executemany(_ADD_MEMBERS, counts)


async def moved(db: Storage, community: str, member: str, old: str | None, new: str | None) -> None:
    """A public member left team `old` for team `new` (either may be None: no team, or hidden)."""
    if old == new:
        return
    rows = await db.fetchall(
        "SELECT t.window_id, t.points FROM leaderboards_totals AS t JOIN leaderboards_windows AS w ON w.id = t.window_id "
        "WHERE t.member = ? AND w.community = ?", (member, community))
    points: dict[tuple[int, str], int] = defaultdict(int)
    members: dict[tuple[str, str], int] = defaultdict(int)
    for key, sign in ((old, -1), (new, 1)):
        if key is None:
            continue
        members[(community, key)] += sign
        for r in rows:
            points[(r[0], key)] += sign * int(r[1])
    await add(db, points, members)


async def window_created(db: Storage, window_id: int) -> None:
    """Count a new window's team points from its member totals."""
    await db.execute(f"INSERT INTO leaderboards_team_totals (window_id, team_key, points) {_FROM_TOTALS} "
                     "AND t.window_id = ? GROUP BY t.window_id, p.team_key", (window_id,))


async def windows_dropped(db: Storage, window_ids: Iterable[int]) -> None:
    for window_id in window_ids:
        await db.execute("DELETE FROM leaderboards_team_totals WHERE window_id = ?", (window_id,))


async def board(db: Storage, community: str, window_id: int) -> list[tuple[str, float, int]]:
    """(team, average points per member, members) of every team with a public member, best first
    (members without points count as 0; ties by name). One row per team, whatever the team sizes."""
    rows = await db.fetchall(
        "SELECT t.members, COALESCE(tt.points, 0), (SELECT p.team FROM leaderboards_profiles AS p WHERE p.community = t.community "
        "AND p.team_key = t.team_key AND p.hidden = 0 ORDER BY p.member LIMIT 1) FROM leaderboards_teams AS t "
        "LEFT JOIN leaderboards_team_totals AS tt ON tt.window_id = ? AND tt.team_key = t.team_key "
        "WHERE t.community = ? AND t.members > 0", (window_id, community))
    out = [(str(r[2]).strip(), int(r[1]) / int(r[0]), int(r[0])) for r in rows if r[2] is not None]
    return sorted(out, key=lambda item: (-item[1], fold(item[0])))


async def prepare(db: Storage) -> None:
    """After migration 4: give stored teams their key, then count members and points per team (once)."""
    rows = await db.fetchall("SELECT community, member, team FROM leaderboards_profiles "
                             "WHERE team IS NOT NULL AND team_key IS NULL")
    if not rows:
        return
    async with db.transaction():
        await db.executemany("UPDATE leaderboards_profiles SET team_key = ? WHERE community = ? AND member = ?",
                             [(team_key(r[2]), r[0], r[1]) for r in rows])
        await db.execute("DELETE FROM leaderboards_teams")
        await db.execute("INSERT INTO leaderboards_teams (community, team_key, members) SELECT community, team_key, COUNT(*) "
                         "FROM leaderboards_profiles WHERE team_key IS NOT NULL AND hidden = 0 GROUP BY community, team_key")
        await db.execute("DELETE FROM leaderboards_team_totals")
        await db.execute(f"INSERT INTO leaderboards_team_totals (window_id, team_key, points) {_FROM_TOTALS} "
                         "GROUP BY t.window_id, p.team_key")


def _marks(values: Iterable[Any]) -> str:
    return ",".join("?" for _ in values)
