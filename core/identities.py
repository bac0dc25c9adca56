"""Linked accounts: one person's Telegram, Discord (and later WhatsApp) accounts, by their own choice.

Opt-in only: nothing is linked until a member sends `/link` from one account and the short code it
gives from the other. A person is named by the uid of the account that asked for the first code (the
"person id"); plugins store what follows the person (points, levels, homework) under
`ctx.identity.person_of(user)` and find every account with `ctx.identity.accounts_of(user)`. Any of the accounts can
`/unlink` (all of them are separate again); what was recorded stays with the person id's account.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from core.storage import Storage, to_utc_text

if TYPE_CHECKING:
    from core.directories import Notices

MIGRATIONS = (
    """
    CREATE TABLE practica_links (
        uid TEXT PRIMARY KEY,
        person TEXT NOT NULL,
        linked_at TEXT NOT NULL
    );
    CREATE INDEX practica_links_person ON practica_links (person);
    CREATE TABLE practica_link_codes (
        code TEXT PRIMARY KEY,
        uid TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    """,
)

CODE_LIFETIME = timedelta(minutes=10)
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed on a phone


class Identities:
    """uid -> person, in memory (read on every scoring event), written through to the database.

    With several workers (core.directories), the accounts whose link changed are announced (`link`)
    in the transaction of the change, and other workers' announcements reload those accounts.
    """

    kinds: tuple[str, ...] = ("link",)

    def __init__(self, db: Storage, notices: Notices | None = None) -> None:
        self.db = db
        self.notices = notices
        self._person: dict[str, str] = {}
        self.version = 0  # grows whenever what person_of answers may have changed (link, unlink, erase)

    async def load(self) -> None:
        for row in await self.db.fetchall("SELECT uid, person FROM practica_links"):
            self._person[row["uid"]] = row["person"]

    async def reload(self) -> None:
        """Read every link again (another worker's changes may have been missed)."""
        rows = await self.db.fetchall("SELECT uid, person FROM practica_links")
        self._person = {row["uid"]: row["person"] for row in rows}
        self.version += 1

    async def refresh(self, kind: str, uids: Sequence[str]) -> None:
        """Reload the links of `uids`, which another worker changed."""
        for start in range(0, len(uids), 500):
            chunk = list(uids[start:start + 500])
            found = {row[0]: row[1] for row in await self.db.fetchall(
                f"SELECT uid, person FROM practica_links WHERE uid IN ({','.join('?' * len(chunk))})", chunk)}
            for uid in chunk:
                if uid in found:
                    self._person[uid] = found[uid]
                else:
                    self._person.pop(uid, None)
        self.version += 1

    async def _tell(self, uids: Sequence[str]) -> None:
        if self.notices is not None:
            await self.notices.announce("link", uids)

    def person_of(self, uid: str) -> str:
        """The person id of `uid` (the uid itself when not linked)."""
        return self._person.get(uid, uid)

    def accounts_of(self, uid: str) -> list[str]:
        """Every account of the person `uid` belongs to (just `uid` when not linked), person id first."""
        person = self.person_of(uid)
        others = sorted(u for u, p in self._person.items() if p == person and u != person)
        return [person, *others]

    async def new_code(self, uid: str, now: datetime) -> str:
        """A short one-time code that links the account which sends it back to `uid`'s person."""
        await self.db.execute("DELETE FROM practica_link_codes WHERE uid = ? OR expires_at <= ?", (uid, to_utc_text(now)))
        code = "".join(secrets.choice(_ALPHABET) for _ in range(6))
        await self.db.execute("INSERT INTO practica_link_codes (code, uid, expires_at) VALUES (?, ?, ?)",
                              (code, uid, to_utc_text(now + CODE_LIFETIME)))
        return code

    async def redeem(self, code: str, uid: str, now: datetime) -> str | None:
        """Link `uid` to the person of the code's account; returns that account's uid, or None (unknown,
        expired, or sent from the same person). A code works once."""
        row = await self.db.fetchone("SELECT uid, expires_at FROM practica_link_codes WHERE code = ?",
                                     (code.strip().upper(),))
        if row is None or row["expires_at"] <= to_utc_text(now):
            return None
        await self.db.execute("DELETE FROM practica_link_codes WHERE code = ?", (code.strip().upper(),))
        owner: str = row["uid"]
        person = self.person_of(owner)
        if self.person_of(uid) == person:
            return None
        stamp = to_utc_text(now)
        moved = [*self.accounts_of(uid), owner]
        for account in moved[:-1]:  # a person already linked elsewhere moves as a whole
            await self._set(account, person, stamp)
        await self._set(owner, person, stamp)
        await self._tell(moved)
        return owner

    async def _set(self, uid: str, person: str, stamp: str) -> None:
        self._person[uid] = person
        self.version += 1
        await self.db.execute("INSERT INTO practica_links (uid, person, linked_at) VALUES (?, ?, ?) "
                              "ON CONFLICT (uid) DO UPDATE SET person = excluded.person", (uid, person, stamp))

    async def unlink(self, uid: str) -> list[str]:
        """Separate every account of `uid`'s person again; returns them ([] when `uid` was not linked).
        What was recorded for the person stays with the person id's account."""
        accounts = self.accounts_of(uid)
        if len(accounts) < 2:
            return []
        self.version += 1
        for account in accounts:
            self._person.pop(account, None)
            await self.db.execute("DELETE FROM practica_links WHERE uid = ?", (account,))
        await self._tell(accounts)
        return accounts

    async def export(self, uid: str) -> dict[str, object] | None:
        accounts = self.accounts_of(uid)
        return {"linked_accounts": accounts} if len(accounts) > 1 else None

    async def erase(self, uid: str) -> None:
        self.version += 1
        accounts = self.accounts_of(uid)
        for account in accounts:
            self._person.pop(account, None)
            await self.db.execute("DELETE FROM practica_links WHERE uid = ?", (account,))
        await self.db.execute("DELETE FROM practica_link_codes WHERE uid = ?", (uid,))
        await self._tell(accounts)
