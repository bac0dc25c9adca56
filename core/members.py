"""The member directory: who has been seen in which community, so commands can name members.

`/warn @amina`, `/thanks @bekele` and "7 of 12 members have done this week's exercise" need to know
members by handle and count them. We keep only what that needs: platform id, display name, handle,
community, first and last seen day, and whether the member left. Writes happen only when something
changed (a new member, a new name, a new day), so the hot path stays in memory.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from core.events import User
from core.slices import sliced
from core.storage import RowsLater, Storage
from core.unit import Step, active_unit

if TYPE_CHECKING:
    from core.directories import Notices

log = logging.getLogger("practica.members")

MIGRATIONS = (
    """
    CREATE TABLE practica_members (
        community TEXT NOT NULL,
        uid TEXT NOT NULL,
        platform TEXT NOT NULL,
        user_id TEXT NOT NULL,
        name TEXT NOT NULL,
        handle TEXT,
        is_bot INTEGER NOT NULL DEFAULT 0,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1,
        PRIMARY KEY (community, uid)
    );
    CREATE INDEX practica_members_handle ON practica_members (community, handle);
    CREATE TABLE practica_member_prefs (
        uid TEXT PRIMARY KEY,
        locale TEXT
    );
    """,
    """
    CREATE TABLE practica_member_community (
        uid TEXT PRIMARY KEY,
        community TEXT NOT NULL
    );
    """,
    # 3: `find` by handle or display name, case-insensitively, without reading the whole community.
    """
    CREATE INDEX practica_members_handle_ci ON practica_members (community, lower(handle));
    CREATE INDEX practica_members_name_ci ON practica_members (community, lower(name));
    """,
)

CHANGES_KEPT = 10_000  # membership changes remembered per community for `changes_since`

_COLUMNS = "platform, user_id, name, handle, is_bot, active, last_seen"
# Three index lookups (handle, uid, name) instead of one OR that would read the whole community.
_FIND = ("SELECT * FROM (" + " UNION ".join(f"SELECT {_COLUMNS} FROM practica_members WHERE community = ? AND {match}"
                                             for match in ("lower(handle) = lower(?)", "uid = ?", "lower(name) = lower(?)"))
         + ") AS found ORDER BY active DESC, last_seen DESC, platform = ? DESC LIMIT 2")
_BY_IDS = 500  # uids per statement of `lookup`


UPSERT = """INSERT INTO practica_members (community, uid, platform, user_id, name, handle, is_bot, first_seen, last_seen, active)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (community, uid) DO UPDATE SET name = excluded.name, handle = excluded.handle,
                last_seen = excluded.last_seen, active = excluded.active"""


@dataclass(frozen=True, slots=True)
class Member:
    community: str
    user: User
    active: bool


class MemberDirectory:
    """Remembers members per community; lookups by handle, name or uid.

    With several workers (core.directories), what changes here is announced to the other workers
    (`notices`): a member seen in a community for the first time, or leaving (`seen`), a `/lang` choice
    (`lang`), a `/community` choice (`home`), an erasure (`forget`); notices of theirs reload the entry.
    """

    kinds: tuple[str, ...] = ("seen", "lang", "home", "forget")

    def __init__(self, db: Storage, notices: Notices | None = None) -> None:
        self.db = db
        self.notices = notices
        self._announce: set[tuple[str, str]] = set()  # membership changes to announce with their write
        self._seen: dict[tuple[str, str], tuple[str, str | None, str, bool]] = {}
        self._bots: set[str] = set()  # uids of bot accounts (with `_seen`, what naming a member needs)
        self.locales: dict[str, str] = {}
        self._unsaved: dict[tuple[str, str], tuple[object, ...]] = {}
        self._erased: set[str] = set()  # erased while a write was on its way: never written back
        self._writer: asyncio.Task[None] | None = None
        self.chosen: dict[str, str] = {}
        # Membership changes (a member seen for the first time, who left or came back, or was erased),
        # numbered per community, so that a plugin keeping counts can catch up instead of recounting.
        self._versions: dict[str, int] = {}
        self._changes: dict[str, deque[tuple[int, str]]] = {}

    async def load(self) -> None:
        for row in await self.db.fetchall("SELECT community, uid, name, handle, last_seen, active, is_bot FROM practica_members"):
            self._seen[(row["community"], row["uid"])] = (row["name"], row["handle"], row["last_seen"][:10], bool(row["active"]))
            if row["is_bot"]:
                self._bots.add(row["uid"])
        for row in await self.db.fetchall("SELECT uid, locale FROM practica_member_prefs WHERE locale IS NOT NULL"):
            self.locales[row["uid"]] = row["locale"]
        for row in await self.db.fetchall("SELECT uid, community FROM practica_member_community"):
            self.chosen[row["uid"]] = row["community"]

    # --- other workers' changes (core.directories) ------------------------------------------------

    async def reload(self) -> None:
        """Read everything again (another worker's changes may have been missed): sightings not written
        yet stay, and membership (and name) changes found are numbered as if seen here (`changes_since`)."""
        old = self._seen
        fresh = MemberDirectory(self.db)
        await fresh.load()
        seen = fresh._seen
        for (community, uid), row in self._unsaved.items():
            seen[(community, uid)] = (str(row[4]), row[5] if row[5] is None else str(row[5]), str(row[7])[:10], bool(row[9]))
        self._seen, self.locales, self.chosen = seen, fresh.locales, fresh.chosen
        self._bots |= fresh._bots
        for key in old.keys() | seen.keys():
            before, now = old.get(key), seen.get(key)
            if (before is None) != (now is None) or (before is not None and now is not None and before[::3] != now[::3]):
                self._changed(*key)

    async def refresh(self, kind: str, uids: Sequence[str]) -> None:
        """Reload what another worker changed about `uids` (`kind` is one of `kinds`)."""
        for start in range(0, len(uids), _BY_IDS):
            chunk = list(uids[start:start + _BY_IDS])
            marks = ",".join("?" * len(chunk))
            if kind == "forget":
                self._forget(chunk)
            elif kind == "seen":
                for row in await self.db.fetchall("SELECT community, uid, name, handle, last_seen, active FROM "
                                                  f"practica_members WHERE uid IN ({marks})", chunk):
                    key = (row["community"], row["uid"])
                    if key in self._unsaved:  # seen here a moment ago: this worker's row is the newer one
                        continue
                    known = self._seen.get(key)
                    self._seen[key] = (row["name"], row["handle"], row["last_seen"][:10], bool(row["active"]))
                    if known is None or known[3] != bool(row["active"]) or known[0] != row["name"]:
                        self._changed(*key)
            else:
                table, column, into = (("practica_member_prefs", "locale", self.locales) if kind == "lang"
                                       else ("practica_member_community", "community", self.chosen))
                found = {row[0]: row[1] for row in await self.db.fetchall(
                    f"SELECT uid, {column} FROM {table} WHERE uid IN ({marks}) AND {column} IS NOT NULL", chunk)}
                for uid in chunk:
                    if uid in found:
                        into[uid] = found[uid]
                    else:
                        into.pop(uid, None)

    def _forget(self, uids: Iterable[str]) -> None:
        """Drop every entry of `uids` from memory (they were erased), and their sightings not written."""
        gone = set(uids)
        for key in [k for k in self._unsaved if k[1] in gone]:
            del self._unsaved[key]
        self._announce = {k for k in self._announce if k[1] not in gone}
        self._erased.update(gone)
        for key in [k for k in self._seen if k[1] in gone]:
            del self._seen[key]
            self._changed(*key)
        for uid in gone:
            self.locales.pop(uid, None)
            self.chosen.pop(uid, None)
            self._bots.discard(uid)

    async def _tell(self, kind: str, uids: Iterable[str]) -> None:
        if self.notices is not None:
            await self.notices.announce(kind, uids)

    async def saw(self, community: str, user: User, when: datetime, *, active: bool = True) -> None:
        """Record that `user` was seen in `community` (cheap when nothing changed)."""
        day = when.date().isoformat()
        known = self._seen.get((community, user.uid))
        if known is not None and known == (user.name, user.handle, day, active):
            return
        self._seen[(community, user.uid)] = (user.name, user.handle, day, active)
        if user.is_bot:
            self._bots.add(user.uid)
        membership_changed = known is None or known[3] != active
        renamed = known is not None and known[0] != user.name  # a new name moves them in lists kept by name
        if membership_changed or renamed:
            self._changed(community, user.uid)
        if membership_changed and self.notices is not None:
            self._announce.add((community, user.uid))
        self._erased.discard(user.uid)  # seen again after /forgetme: a new sighting
        stamp = when.isoformat()
        row = (community, user.uid, user.platform, user.id, user.name, user.handle, int(user.is_bot), stamp, stamp,
               int(active))
        # A new name or a new day is written behind, many members per statement, outside the event's own
        # transaction: a plain message then needs no transaction at all, and a crash loses at most the
        # last moment's names, which the member's next message records again. Someone joining or leaving
        # commits with the event that says so (a member who wrote once and never again must still get
        # their reminders after a crash); it stays queued too, in case that event's unit rolls back.
        self._unsaved[(community, user.uid)] = row
        if membership_changed and active_unit() is not None:
            await self.db.execute(UPSERT, row)
            await self._tell("seen", [user.uid])
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_behind(), name="practica-members-writer")

    async def _write_behind(self) -> None:
        await asyncio.sleep(0)  # gather what the running lanes see now into one statement
        while self._unsaved:
            rows = dict(self._unsaved)
            steps: list[Step] = [
                # filtered when it runs: a member erased meanwhile (/forgetme) must not be written back
                (UPSERT, RowsLater(lambda: [row for row in rows.values() if row[1] not in self._erased], len(rows)), True)]
            joined = self._announce & rows.keys()
            if joined and self.notices is not None:  # other workers hear of new members when they are stored
                steps.append(self.notices.step("seen", sorted({uid for _, uid in joined})))
            try:
                await self.db.write_batch(steps)
            except Exception:  # noqa: BLE001 - the directory is rebuilt from members' next messages
                log.warning("could not record %d member sighting(s); they are recorded at their next message",
                            len(rows), exc_info=True)
                return
            self._forget_saved(rows)

    def _forget_saved(self, rows: dict[tuple[str, str], tuple[object, ...]]) -> None:
        for key, row in rows.items():
            if self._unsaved.get(key) == row:
                del self._unsaved[key]
                self._announce.discard(key)

    async def flush(self, *, community: str | None = None, uid: str | None = None) -> None:
        """Store the sightings not written yet (of one community or member), before a query reads them.

        Inside a unit of work they are written in that unit's transaction and stay queued, so the
        background writer still stores them if the unit rolls back.
        """
        rows = {k: v for k, v in self._unsaved.items()
                if (community is None or k[0] == community) and (uid is None or k[1] == uid)}
        if not rows:
            return
        async with self.db.transaction():
            await self.db.executemany(UPSERT, list(rows.values()))
            await self._tell("seen", sorted({uid for key, uid in self._announce & rows.keys()}))
        if active_unit() is None:
            self._forget_saved(rows)

    def _changed(self, community: str, uid: str) -> None:
        version = self._versions.get(community, 0) + 1
        self._versions[community] = version
        self._changes.setdefault(community, deque(maxlen=CHANGES_KEPT)).append((version, uid))

    def version(self, community: str) -> int:
        """A number that grows whenever someone becomes or stops being a member of `community`, or is seen
        there under a new name."""
        return self._versions.get(community, 0)

    def changes_since(self, community: str, version: int) -> list[str] | None:
        """The uids whose membership of `community` (or name) changed after `version` (oldest first), or None when
        that is too long ago to tell (more than CHANGES_KEPT changes since): then count again."""
        current = self._versions.get(community, 0)
        if version >= current:
            return []
        changes = self._changes.get(community)
        if not changes or changes[0][0] > version + 1:
            return None
        return [uid for number, uid in changes if number > version]

    async def lookup(self, community: str, uids: Iterable[str]) -> dict[str, Member]:
        """The members of `community` among `uids`, whether active or not: what naming a few people
        needs, without reading the whole community. With one process, from memory (the directory keeps
        every member's name and handle); with several workers, one index lookup per uid, batched (another
        worker may have seen a new name)."""
        wanted = list(dict.fromkeys(uids))
        if self.notices is None:  # one process: every sighting and erasure passes here, so memory is the directory
            return {uid: self._remembered(community, uid, known) for uid in wanted
                    if (known := self._seen.get((community, uid))) is not None}
        out: dict[str, Member] = {}
        for uid in wanted:
            row = self._unsaved.get((community, uid))  # seen a moment ago: not written yet
            if row is not None:
                out[uid] = Member(community, User(platform=str(row[2]), id=str(row[3]), name=str(row[4]),
                                                  handle=str(row[5]) if row[5] is not None else None, is_bot=bool(row[6])),
                                 bool(row[9]))
        rest = [uid for uid in wanted if uid not in out]
        for start in range(0, len(rest), _BY_IDS):
            chunk = rest[start:start + _BY_IDS]
            rows = await self.db.fetchall(
                f"SELECT uid, {_COLUMNS} FROM practica_members WHERE community = ? AND uid IN ({','.join('?' * len(chunk))})",
                (community, *chunk))
            for r in rows:
                out[r["uid"]] = Member(community, User(platform=r["platform"], id=r["user_id"], name=r["name"],
                                                       handle=r["handle"], is_bot=bool(r["is_bot"])), bool(r["active"]))
        return out

    def _remembered(self, community: str, uid: str, known: tuple[str, str | None, str, bool]) -> Member:
        platform, _, user_id = uid.partition(":")
        return Member(community, User(platform=platform, id=user_id, name=known[0], handle=known[1], is_bot=uid in self._bots),
                      known[3])

    async def find(self, community: str, text: str, platform: str = "") -> User | None:
        """A member of `community` named by `@handle`, `platform:id`, or exact display name (the most
        recently seen; between two seen together, the one on `platform`, where the name was typed)."""
        word = text.strip()
        if not word:
            return None
        if word.startswith("@"):
            word = word[1:]
        folded = word.lower()
        for (where, uid), row in reversed(self._unsaved.items()):  # seen a moment ago: not written yet
            name, handle = str(row[4]), row[5]
            if where == community and (uid == word or name.lower() == folded or (handle and str(handle).lower() == folded)):
                return User(platform=str(row[2]), id=str(row[3]), name=name, handle=str(handle) if handle is not None else None, is_bot=bool(row[6]))
        rows = await self.db.fetchall(_FIND, (community, word, community, word, community, word, platform))
        if not rows:
            return None
        r = rows[0]
        return User(platform=r["platform"], id=r["user_id"], name=r["name"], handle=r["handle"], is_bot=bool(r["is_bot"]))

    async def members(self, community: str, *, include_bots: bool = False) -> list[User]:
        """Active members of a community."""
        await self.flush(community=community)
        rows = await self.db.fetchall(
            "SELECT platform, user_id, name, handle, is_bot FROM practica_members WHERE community = ? AND active = 1"
            + ("" if include_bots else " AND is_bot = 0") + " ORDER BY name", (community,))
        users: list[User] = []
        async for chunk in sliced(rows):  # 100,000 members: the other chats go on meanwhile
            users.extend(User(platform=r["platform"], id=r["user_id"], name=r["name"], handle=r["handle"],
                              is_bot=bool(r["is_bot"])) for r in chunk)
        return users

    async def page(self, community: str, offset: int, limit: int) -> list[User]:
        """Active members (bots excluded) by name, case-insensitively, then uid: `limit` of them from
        `offset`. A page of a long table, read along the name index whatever the community's size."""
        await self.flush(community=community)
        rows = await self.db.fetchall(
            "SELECT platform, user_id, name, handle, is_bot FROM practica_members WHERE community = ? AND active = 1 "
            "AND is_bot = 0 ORDER BY lower(name), uid LIMIT ? OFFSET ?", (community, limit, offset))
        return [User(platform=r["platform"], id=r["user_id"], name=r["name"], handle=r["handle"], is_bot=bool(r["is_bot"]))
                for r in rows]

    async def count(self, community: str) -> int:
        """How many active members (bots excluded) the community has."""
        await self.flush(community=community)
        return int(await self.db.fetchval("SELECT COUNT(*) FROM practica_members WHERE community = ? AND active = 1 "
                                          "AND is_bot = 0", (community,), 0))

    async def is_member(self, community: str, uid: str) -> bool:
        return (community, uid) in self._seen and self._seen[(community, uid)][3]

    def communities_of(self, uid: str, among: Iterable[str]) -> list[str]:
        """The communities of `among` where `uid` is an active member, most recently seen first."""
        found = [(self._seen[(name, uid)][2], name) for name in among
                 if (name, uid) in self._seen and self._seen[(name, uid)][3]]
        return [name for _, name in sorted(found, key=lambda f: (f[0], f[1]), reverse=True)]

    async def choose(self, uid: str, community: str) -> None:
        """Remember the community `uid` chose with /community (what their private chat acts in)."""
        self.chosen[uid] = community
        await self.db.execute("INSERT INTO practica_member_community (uid, community) VALUES (?, ?) "
                              "ON CONFLICT (uid) DO UPDATE SET community = excluded.community", (uid, community))
        await self._tell("home", [uid])

    async def set_locale(self, uid: str, locale: str | None) -> None:
        if locale is None:
            self.locales.pop(uid, None)
            await self.db.execute("DELETE FROM practica_member_prefs WHERE uid = ?", (uid,))
        else:
            self.locales[uid] = locale
            await self.db.execute("INSERT INTO practica_member_prefs (uid, locale) VALUES (?, ?) "
                                  "ON CONFLICT (uid) DO UPDATE SET locale = excluded.locale", (uid, locale))
        await self._tell("lang", [uid])

    async def export(self, uid: str) -> dict[str, object]:
        await self.flush(uid=uid)
        rows = await self.db.fetchall("SELECT community, name, handle, first_seen, last_seen FROM practica_members WHERE uid = ?", (uid,))
        return {"communities": [dict(r) for r in rows], "language": self.locales.get(uid),
                "private_chat_community": self.chosen.get(uid)}

    async def erase(self, uid: str) -> int:
        for key in [k for k in self._unsaved if k[1] == uid]:
            del self._unsaved[key]
        self._announce = {k for k in self._announce if k[1] != uid}
        self._erased.add(uid)
        async with self.db.transaction():
            count = await self.db.execute_rowcount("DELETE FROM practica_members WHERE uid = ?", (uid,))
            await self.db.execute("DELETE FROM practica_member_prefs WHERE uid = ?", (uid,))
            await self.db.execute("DELETE FROM practica_member_community WHERE uid = ?", (uid,))
            await self._tell("forget", [uid])
        self.chosen.pop(uid, None)
        for key in [k for k in self._seen if k[1] == uid]:
            del self._seen[key]
            self._changed(key[0], uid)
        self.locales.pop(uid, None)
        self._bots.discard(uid)
        return count
