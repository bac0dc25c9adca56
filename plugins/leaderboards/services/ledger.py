"""SQL of the points ledger and of the boards kept from it (plain, portable SQL).

The ledger is the truth: one row per scoring event. Boards never sum it on the hot path. For every
board period asked for (all time, a week, a month of one community: a "window"), totals per member
are kept in `leaderboards_totals`, and in `leaderboards_tally` how many public members (not hidden
from the boards) have each total. A window is counted from the ledger once, when first asked for,
and every later ledger row is added to the windows it falls in, in the same transaction. So:

- /top reads the first rows of an index (window, points DESC): ten names cost ten rows;
- a member's place is 1 + the number of public members with more points: a sum over the tally, whose
  size is the number of distinct totals, not the number of members;
- a total is one primary-key read.

Every write path of the ledger goes through this module (add_points, the write-behind flush) or
re-counts the members it touched (forget / recount, used by erase and account merges), and hiding
from the boards moves the member's tally entries (hidden_changed).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core import Storage, to_utc_text as iso
from plugins.leaderboards.services import team_totals

# Migration 3 (store.MIGRATIONS): windows, totals, tally, and who gave thanks today without a scan.
BOARDS_SCHEMA = """
CREATE TABLE leaderboards_windows (
    id INTEGER PRIMARY KEY,
    community TEXT NOT NULL,
    span TEXT NOT NULL,
    starts_at TEXT,
    ends_at TEXT,
    UNIQUE (community, span)
);
CREATE TABLE leaderboards_totals (
    window_id INTEGER NOT NULL,
    member TEXT NOT NULL,
    points INTEGER NOT NULL,
    PRIMARY KEY (window_id, member)
);
CREATE INDEX leaderboards_totals_rank ON leaderboards_totals (window_id, points DESC, member);
CREATE INDEX leaderboards_totals_member ON leaderboards_totals (member);
CREATE TABLE leaderboards_tally (
    window_id INTEGER NOT NULL,
    points INTEGER NOT NULL,
    members INTEGER NOT NULL,
    PRIMARY KEY (window_id, points)
);
CREATE INDEX leaderboards_ledger_actor ON leaderboards_ledger (community, actor, created_at);
"""

CHUNK = 400  # members per IN (...) list

# ------------------------------------------------------------------------------------ writing


# Write-behind for points scored from ordinary messages (activity, thank-you replies). Rows wait
# here (per database) and are written with one executemany when FLUSH_AT accumulate, FLUSH_AFTER
# seconds after the first of them at the latest, before any read of the ledger that they could change
# (a count of today's thanks or points only when one of them would count), and at shutdown. A crash
# loses at most the last second's such points, never points from homework, quizzes, resources or
# corrections (documented in docs/plugins/leaderboards.md).
FLUSH_AT = 200
FLUSH_AFTER = 1.0
_pending: weakref.WeakKeyDictionary[Storage, list[tuple[Any, ...]]] = weakref.WeakKeyDictionary()
_timers: weakref.WeakKeyDictionary[Storage, asyncio.TimerHandle] = weakref.WeakKeyDictionary()
_flushing: set[asyncio.Task[None]] = set()
_failing = False
log = logging.getLogger("practica.plugins.leaderboards")
_INSERT = ("INSERT INTO leaderboards_ledger (community, member, points, source, reason, reference, actor, created_at) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (community, member, reference) DO NOTHING")
_UPSERT_TOTAL = ("INSERT INTO leaderboards_totals (window_id, member, points) VALUES (?, ?, ?) "
                 "ON CONFLICT (window_id, member) DO UPDATE SET points = excluded.points")
_ADD_TALLY = ("INSERT INTO leaderboards_tally (window_id, points, members) VALUES (?, ?, ?) "
              "ON CONFLICT (window_id, points) DO UPDATE SET members = leaderboards_tally.members + excluded.members")


async def add_points_later(db: Storage, *, community: str, member: str, points: int, source: str, reason: str,
                           reference: str, actor: str | None, when: datetime) -> None:
    """Queue one ledger row whose reference is unique by construction (a message id)."""
    rows = _pending.setdefault(db, [])
    rows.append((community, member, points, source, reason[:200], reference, actor, iso(when)))
    if len(rows) >= FLUSH_AT:
        await flush(db)
    elif db not in _timers:
        _timers[db] = asyncio.get_running_loop().call_later(FLUSH_AFTER, _flush_in_background, db)


def _flush_in_background(db: Storage) -> None:
    _timers.pop(db, None)
    task = asyncio.get_running_loop().create_task(_flush_quietly(db), name="leaderboards-flush")
    _flushing.add(task)
    task.add_done_callback(_flushing.discard)


async def _flush_quietly(db: Storage) -> None:
    global _failing
    try:
        await flush(db)
    except Exception:  # noqa: BLE001 - the rows stay queued for the next flush
        if not _failing:  # once per streak of failures (a full disk retries every second)
            log.warning("could not write the queued activity and thank-you points yet; trying again every second",
                        exc_info=True)
        _failing = True
    else:
        _failing = False


async def flush(db: Storage) -> None:
    """Write queued activity rows (cheap when there are none), and add those not already stored
    (a message scored again after a restart) to the boards.

    The rows are taken from the queue only once this transaction holds the database: a timed flush
    waiting for the connection leaves them queued, so a board read by the task holding it (a /top
    whose unit of work began first) writes them itself and shows them."""
    if not _pending.get(db):
        return
    timer = _timers.pop(db, None)
    if timer is not None:
        timer.cancel()
    taken: list[tuple[Any, ...]] = []
    try:
        async with db.transaction():
            taken = _pending.get(db) or []
            if not taken:  # written meanwhile by the task that held the database
                return
            _pending[db] = []
            await _write(db, taken)
    except BaseException:
        if taken:  # nothing was stored
            _queue_again(db, taken)
        raise
    # Inside a unit of work the rows are stored only with its COMMIT: if the unit (or the plugin call
    # that flushed) is rolled back instead, they go back to the queue rather than being lost.
    db.on_rollback(lambda: _queue_again(db, taken))


def _queue_again(db: Storage, rows: list[tuple[Any, ...]]) -> None:
    """Rows a flush took but did not store: they go with the next flush."""
    _pending.setdefault(db, [])[:0] = rows
    if db not in _timers:
        _timers[db] = asyncio.get_running_loop().call_later(FLUSH_AFTER, _flush_in_background, db)


async def _write(db: Storage, rows: list[tuple[Any, ...]]) -> None:
    """Store queued rows and add them to the boards (in the caller's transaction)."""
    count = await db.executemany(_INSERT, rows)
    if count == len(rows):  # the usual case: every row is new, no need to read them back
        await _record(db, [(r[0], r[1], int(r[2]), r[7]) for r in rows])
        return
    # Some were stored before (a message scored again after a restart): the rows just inserted are
    # the last `count` ids (ids grow; this transaction holds the database).
    inserted = await db.fetchall(
        "SELECT community, member, points, created_at FROM leaderboards_ledger ORDER BY id DESC LIMIT ?", (count,))
    await _record(db, [(r[0], r[1], int(r[2]), r[3]) for r in inserted])


async def add_points(db: Storage, *, community: str, member: str, points: int, source: str, reason: str,
                     reference: str, actor: str | None, when: datetime) -> bool:
    """Append one ledger row; False when this member already scored for `reference` (nothing written)."""
    await flush(db)
    async with db.transaction():
        count = await db.execute_rowcount(_INSERT, (community, member, points, source, reason[:200], reference, actor,
                                                    iso(when)))
        if count > 0:
            await _record(db, [(community, member, points, iso(when))])
    return count > 0


async def _record(db: Storage, rows: Sequence[tuple[str, str, int, str]]) -> None:
    """Add new ledger rows (community, member, points, created_at) to every window they fall in."""
    if not rows:
        return
    communities = sorted({r[0] for r in rows})
    windows = await db.fetchall(
        f"SELECT id, community, starts_at, ends_at FROM leaderboards_windows WHERE community IN ({_marks(communities)})",
        communities)
    by_community: dict[str, list[Any]] = defaultdict(list)
    for w in windows:
        by_community[w["community"]].append(w)
    deltas: dict[tuple[int, str], int] = defaultdict(int)
    for community, member, points, created_at in rows:
        for w in by_community.get(community, ()):
            if (w["starts_at"] is None or created_at >= w["starts_at"]) and (w["ends_at"] is None or created_at < w["ends_at"]):
                deltas[(w["id"], member)] += points
    await _apply(db, {w["id"]: w["community"] for w in windows}, deltas)


async def _apply(db: Storage, communities: dict[int, str], deltas: dict[tuple[int, str], int]) -> None:
    """Add `deltas` {(window, member): points} to the totals, and move the public members' tally entries."""
    if not deltas:
        return
    members = sorted({m for _, m in deltas})
    window_ids = sorted({w for w, _ in deltas})
    names = sorted({communities[w] for w in window_ids})
    old: dict[tuple[int, str], int] = {}
    profiles: dict[tuple[str, str], tuple[bool, str | None]] = {}
    for chunk in _chunks(members):  # primary-key reads only: (window, member) and (community, member)
        # In key order: SQLite 3.40 then reads the totals by the primary key. Without the ORDER BY it
        # prefers the covering rank index and reads every total of the window (18 ms instead of 30 us
        # for ten members of a 100,000-member board).
        for r in await db.fetchall(
                f"SELECT window_id, member, points FROM leaderboards_totals WHERE window_id IN ({_marks(window_ids)}) "
                f"AND member IN ({_marks(chunk)}) ORDER BY window_id, member", (*window_ids, *chunk)):
            old[(r[0], r[1])] = int(r[2])
        profiles.update(await team_totals.profiles_of(db, names, chunk))
    totals, tally, teams = [], defaultdict(int), defaultdict(int)
    for (window_id, member), delta in deltas.items():
        before = old.get((window_id, member))
        after = (before or 0) + delta
        totals.append((window_id, member, after))
        hidden, team = profiles.get((communities[window_id], member), (False, None))
        if not hidden:
            if before is not None:
                tally[(window_id, before)] -= 1
            tally[(window_id, after)] += 1
            if team is not None:
                teams[(window_id, team)] += delta
    await db.executemany(_UPSERT_TOTAL, totals)
    changes = [(w, p, n) for (w, p), n in tally.items() if n]
    if changes:
        await db.executemany(_ADD_TALLY, changes)
    await team_totals.add(db, teams)


async def hidden_changed(db: Storage, community: str, member: str, hidden: bool) -> None:
    """`member` hid from the boards (or came back): their totals leave (or join) the tally."""
    rows = await db.fetchall(
        "SELECT t.window_id, t.points FROM leaderboards_totals AS t JOIN leaderboards_windows AS w ON w.id = t.window_id "
        "WHERE t.member = ? AND w.community = ?", (member, community))
    if rows:
        await db.executemany(_ADD_TALLY, [(r[0], r[1], -1 if hidden else 1) for r in rows])


async def forget(db: Storage, members: Sequence[str], community: str | None = None) -> None:
    """Remove `members`' totals (of one community, or everywhere), their tally entries and their part in
    team boards; call before their ledger rows or profiles are deleted or moved (then `recount`)."""
    if not members:
        return
    where = "" if community is None else " AND w.community = ?"
    extra: tuple[Any, ...] = () if community is None else (community,)
    for chunk in _chunks(list(members)):
        rows = await db.fetchall(
            "SELECT t.window_id, t.member, t.points, p.hidden, p.team_key "
            "FROM leaderboards_totals AS t JOIN leaderboards_windows AS w ON w.id = t.window_id "
            "LEFT JOIN leaderboards_profiles AS p ON p.community = w.community AND p.member = t.member "
            f"WHERE t.member IN ({_marks(chunk)}){where}", (*chunk, *extra))
        tally: dict[tuple[int, int], int] = defaultdict(int)
        teams: dict[tuple[int, str], int] = defaultdict(int)
        for r in rows:
            if not r["hidden"]:
                tally[(r["window_id"], r["points"])] -= 1
                if r["team_key"] is not None:
                    teams[(r["window_id"], r["team_key"])] -= int(r["points"])
        if tally:
            await db.executemany(_ADD_TALLY, [(w, p, n) for (w, p), n in tally.items()])
        await db.executemany("DELETE FROM leaderboards_totals WHERE window_id = ? AND member = ?",
                             [(r["window_id"], r["member"]) for r in rows])
        profiles = await db.fetchall(
            f"SELECT community, team_key FROM leaderboards_profiles WHERE member IN ({_marks(chunk)}) AND hidden = 0 "
            "AND team_key IS NOT NULL" + ("" if community is None else " AND community = ?"), (*chunk, *extra))
        sizes: dict[tuple[str, str], int] = defaultdict(int)
        for p in profiles:
            sizes[(p[0], p[1])] -= 1
        await team_totals.add(db, teams, sizes)


async def recount(db: Storage, community: str, members: Sequence[str]) -> None:
    """Count `members`' totals again from the ledger in every window of `community` (after `forget`)."""
    if not members:
        return
    for chunk in _chunks(list(members)):  # their place in team sizes again
        sizes: dict[tuple[str, str], int] = defaultdict(int)
        for (where, _), (hidden, team) in (await team_totals.profiles_of(db, [community], chunk)).items():
            if not hidden and team is not None:
                sizes[(where, team)] += 1
        await team_totals.add(db, None, sizes)
    windows = await db.fetchall("SELECT id, starts_at, ends_at FROM leaderboards_windows WHERE community = ?", (community,))
    if not windows:
        return
    for chunk in _chunks(list(members)):
        rows = await db.fetchall(
            "SELECT member, points, created_at FROM leaderboards_ledger "
            f"WHERE community = ? AND member IN ({_marks(chunk)})", (community, *chunk))
        deltas: dict[tuple[int, str], int] = defaultdict(int)
        for r in rows:
            for w in windows:
                if (w["starts_at"] is None or r["created_at"] >= w["starts_at"]) and (w["ends_at"] is None or r["created_at"] < w["ends_at"]):
                    deltas[(w["id"], r["member"])] += int(r["points"])
        await _apply(db, {w["id"]: community for w in windows}, deltas)


# ------------------------------------------------------------------------------------ windows


@dataclass(frozen=True, slots=True)
class Window:
    """A board period of one community: [starts, ends), open on either side when None."""

    id: int
    community: str


def _span(starts: datetime | None, ends: datetime | None) -> str:
    return "all" if starts is None and ends is None else f"{iso(starts) if starts else ''}/{iso(ends) if ends else ''}"


# (community, span) -> window id, per database: a board asked for again needs no lookup. Windows are
# only ever deleted by `prune`, which forgets them here too.
_known: weakref.WeakKeyDictionary[Storage, dict[tuple[str, str], int]] = weakref.WeakKeyDictionary()


async def window(db: Storage, community: str, starts: datetime | None = None, ends: datetime | None = None, *,
                 write_queued: bool = True) -> Window:
    """The window [starts, ends) of `community`, counted from the ledger the first time it is asked for.

    Queued rows are written first: whatever a board then tells is stored, so a crash after the answer
    cannot take back points the member was shown (docs/plugins/leaderboards.md). Only `first_rows`,
    which decides itself whether they must be, leaves them queued (`write_queued=False`).
    """
    if write_queued:
        await flush(db)
    span = _span(starts, ends)
    known = _known.setdefault(db, {})
    if (community, span) in known:
        return Window(known[(community, span)], community)
    found = await db.fetchval("SELECT id FROM leaderboards_windows WHERE community = ? AND span = ?", (community, span))
    if found is not None:
        known[(community, span)] = int(found)
        return Window(int(found), community)
    async with db.transaction():
        window_id = await db.execute(
            "INSERT INTO leaderboards_windows (community, span, starts_at, ends_at) VALUES (?, ?, ?, ?)",
            (community, span, iso(starts) if starts else None, iso(ends) if ends else None))
        sql = "SELECT ?, member, SUM(points) FROM leaderboards_ledger WHERE community = ?"
        params: list[Any] = [window_id, community]
        if starts is not None:
            sql += " AND created_at >= ?"
            params.append(iso(starts))
        if ends is not None:
            sql += " AND created_at < ?"
            params.append(iso(ends))
        await db.execute(f"INSERT INTO leaderboards_totals (window_id, member, points) {sql} GROUP BY member", params)
        await db.execute(
            "INSERT INTO leaderboards_tally (window_id, points, members) SELECT ?, points, COUNT(*) FROM leaderboards_totals AS t "
            "WHERE window_id = ? AND NOT EXISTS (SELECT 1 FROM leaderboards_profiles AS p WHERE p.community = ? "
            "AND p.member = t.member AND p.hidden = 1) GROUP BY points", (window_id, window_id, community))
        await team_totals.window_created(db, window_id)
    return Window(window_id, community)  # remembered once its transaction is over (the next call looks it up)


async def prune(db: Storage, community: str, older_than: datetime) -> int:
    """Drop the windows of `community` that ended before `older_than` (counted again if ever asked for)."""
    rows = await db.fetchall("SELECT id FROM leaderboards_windows WHERE community = ? AND ends_at IS NOT NULL AND ends_at < ?",
                             (community, iso(older_than)))
    gone = {r[0] for r in rows}
    known = _known.setdefault(db, {})
    for key in [k for k, v in known.items() if v in gone]:
        del known[key]
    async with db.transaction():
        for r in rows:
            for table in ("leaderboards_totals", "leaderboards_tally"):
                await db.execute(f"DELETE FROM {table} WHERE window_id = ?", (r[0],))
            await db.execute("DELETE FROM leaderboards_windows WHERE id = ?", (r[0],))
        await team_totals.windows_dropped(db, gone)
    return len(rows)


# ------------------------------------------------------------------------------------ reading

_PUBLIC = ("NOT EXISTS (SELECT 1 FROM leaderboards_profiles AS p WHERE p.community = ? AND p.member = t.member "
           "AND p.hidden = 1)")


async def top(db: Storage, w: Window, limit: int) -> list[tuple[str, int]]:
    """The best `limit` public members with positive totals, best first (ties by member id)."""
    rows = await db.fetchall(
        f"SELECT t.member, t.points FROM leaderboards_totals AS t WHERE t.window_id = ? AND t.points > 0 AND {_PUBLIC} "
        "ORDER BY t.points DESC, t.member LIMIT ?", (w.id, w.community, limit))
    return [(r[0], int(r[1])) for r in rows]


async def first_rows(db: Storage, community: str, starts: datetime | None, ends: datetime | None,
                     limit: int) -> list[tuple[str, int]]:
    """The best `limit` public members of the window [starts, ends) of `community` (as `top`), with the
    queued rows written first only when one of them could change those rows: what is shown is always
    stored, and a board that queued points cannot change costs one read instead of a write of the batch."""
    w = await window(db, community, starts, ends, write_queued=False)
    shown = await top(db, w, limit)
    if await _queued_could_change(db, w, starts, ends, shown, limit):
        await flush(db)
        shown = await top(db, w, limit)
    return shown


async def _queued_could_change(db: Storage, w: Window, starts: datetime | None, ends: datetime | None,
                               shown: list[tuple[str, int]], limit: int) -> bool:
    """Whether writing the queued rows could change `shown`, the first rows of `w`: a queued row of a
    member shown, or one that could lift a member in (rows are ordered by points, then member id)."""
    since, until = (iso(starts) if starts else ""), (iso(ends) if ends else None)
    queued: dict[str, int] = defaultdict(int)
    for r in _pending.get(db, ()):
        if r[0] == w.community and r[7] >= since and (until is None or r[7] < until):
            queued[r[1]] += int(r[2])
    if not queued:
        return False
    if len(shown) < limit or any(points <= 0 for points in queued.values()) or any(m in queued for m, _ in shown):
        return True
    last_member, last_points = shown[-1]
    stored = await _totals_in(db, w, list(queued))

    def enters(member: str, points: int) -> bool:
        return points > last_points or (points == last_points and member < last_member)
    return any(enters(m, stored.get(m, 0) + d) for m, d in queued.items())


async def _totals_in(db: Storage, w: Window, members: Sequence[str]) -> dict[str, int]:
    """Points of `members` in `w` (absent: none), by primary key."""
    found: dict[str, int] = {}
    for chunk in _chunks(list(members)):
        for r in await db.fetchall(f"SELECT member, points FROM leaderboards_totals WHERE window_id = ? "
                                   f"AND member IN ({_marks(chunk)}) ORDER BY member", (w.id, *chunk)):
            found[r[0]] = int(r[1])
    return found


async def total(db: Storage, w: Window, member: str) -> int:
    """`member`'s points in the window (0 when none)."""
    return (await totals_of(db, [w], member))[0]


async def totals_of(db: Storage, windows: Sequence[Window], member: str) -> list[int]:
    """`member`'s points in each of `windows` (0 when none), in one primary-key read each."""
    ids = [w.id for w in windows]
    rows = await db.fetchall(f"SELECT window_id, points FROM leaderboards_totals WHERE window_id IN ({_marks(ids)}) "
                             "AND member = ?", (*ids, member))
    found = {r[0]: int(r[1]) for r in rows}
    return [found.get(i, 0) for i in ids]


async def standing(db: Storage, w: Window, member: str, points: int, *, hidden: bool) -> tuple[int | None, int]:
    """(place of `member` with `points` among the public members and themselves, how many are ranked):
    ties share the better place; no place without positive points. One read of the tally."""
    row = await db.fetchone(
        "SELECT COALESCE(SUM(members), 0), COALESCE(SUM(CASE WHEN points > ? THEN members ELSE 0 END), 0) "
        "FROM leaderboards_tally WHERE window_id = ? AND points > 0", (points, w.id))
    ranked, ahead = (int(row[0]), int(row[1])) if row is not None else (0, 0)
    if points <= 0:
        return None, ranked
    return 1 + ahead, ranked + (1 if hidden else 0)


async def most_improved(db: Storage, current: Window, previous: Window) -> tuple[str, int] | None:
    """The public member whose total grew most from `previous` to `current` (growth > 0; ties by member id)."""
    row = await db.fetchone(
        "SELECT t.member, t.points - COALESCE(b.points, 0) AS gain FROM leaderboards_totals AS t "
        "LEFT JOIN leaderboards_totals AS b ON b.window_id = ? AND b.member = t.member "
        f"WHERE t.window_id = ? AND t.points - COALESCE(b.points, 0) > 0 AND {_PUBLIC} "
        "ORDER BY gain DESC, t.member LIMIT 1", (previous.id, current.id, current.community))
    return (row[0], int(row[1])) if row is not None else None


# ------------------------------------------------------------------------------------ one member


async def has_reference(db: Storage, community: str, member: str, reference: str) -> bool:
    await flush(db)
    return await db.fetchval("SELECT 1 FROM leaderboards_ledger WHERE community = ? AND member = ? AND reference = ?",
                             (community, member, reference)) is not None


def _pending_match(db: Storage, community: str, column: int, who: str, source: str, since: str) -> bool:
    """Whether a queued row (not yet written) would count in a read of `who`'s rows of `source` since
    `since` (`column`: 1 for the member, 6 for the actor): only then must the read flush first."""
    return any(r[column] == who and r[3] == source and r[0] == community and r[7] >= since for r in _pending.get(db, ()))


async def sum_since(db: Storage, community: str, member: str, source: str, since: datetime) -> int:
    """Points `member` got from `source` since `since`.

    Queued rows that cannot count (another member's thanks: nearly always) are not flushed first, so a
    thank-you reply costs one read instead of the flush's seven statements; the result is the same.
    """
    if _pending_match(db, community, 1, member, source, iso(since)):
        await flush(db)
    return int(await db.fetchval(
        "SELECT COALESCE(SUM(points), 0) FROM leaderboards_ledger WHERE community = ? AND member = ? AND source = ? AND created_at >= ?",
        (community, member, source, iso(since)), 0))


async def given_since(db: Storage, community: str, actor: str, source: str, since: datetime) -> int:
    """How many rows of `source` `actor` caused since `since` (e.g. thanks given today); flushes the
    queued rows only when one of them would count (see `sum_since`)."""
    if _pending_match(db, community, 6, actor, source, iso(since)):
        await flush(db)
    return int(await db.fetchval(
        "SELECT COUNT(*) FROM leaderboards_ledger WHERE community = ? AND actor = ? AND source = ? AND created_at >= ?",
        (community, actor, source, iso(since)), 0))


async def member_rows(db: Storage, member: str) -> list[dict[str, Any]]:
    await flush(db)
    rows = await db.fetchall(
        "SELECT community, points, source, reason, reference, created_at FROM leaderboards_ledger WHERE member = ? ORDER BY id",
        (member,))
    return [dict(r) for r in rows]


def _marks(values: Iterable[Any]) -> str:
    return ",".join("?" for _ in values)


def _chunks(values: list[str]) -> list[list[str]]:
    return [values[i:i + CHUNK] for i in range(0, len(values), CHUNK)]
