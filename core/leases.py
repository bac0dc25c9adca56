"""Named leases on PostgreSQL: which worker owns a chat, the Telegram intake or itself, until when.

A lease is a row (name, owner, expires_at) of `practica_leases`. Every operation is one statement, and
times are the server's (`now()`), so workers on hosts whose clocks disagree still agree on expiry:

- `acquire(names)`: takes the leases that are free, expired, or already ours (an INSERT ... ON
  CONFLICT DO UPDATE whose WHERE keeps a live lease of another owner untouched);
- `renew()`: pushes every lease of this owner forward and returns the names still held: a lease that
  expired meanwhile and was taken by another worker is not ours any more;
- `release(names)`: deletes our rows, so another worker can take them at once.

The owner is a worker id (`host:pid:random`). A worker that dies stops renewing; its leases expire
after `ttl` seconds and other workers take them. `Renewer` renews in the background every ttl/3.
SQLite runs one process per database (core.lock), so this module is used on PostgreSQL only.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import secrets
import socket
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.storage import Storage

log = logging.getLogger("practica.leases")

TRUST = 0.6
"""Share of the lease time a worker trusts its leases for after their last renewal began: past it (the
database unreachable, the process paused), it acts as if it held none, well before another worker can
take them (at the full lease time, by the database's clock), so two workers never work one chat at once."""

MIGRATIONS = (
    {"sqlite": "",
     "postgresql": """
        CREATE TABLE practica_leases (
            name TEXT PRIMARY KEY,
            owner TEXT NOT NULL,
            expires_at TIMESTAMPTZ NOT NULL
        );
        CREATE INDEX practica_leases_owner ON practica_leases (owner);
     """},
    {"sqlite": "",
     "postgresql": """
        CREATE FUNCTION practica_hold_lease(lease TEXT, holder TEXT) RETURNS void LANGUAGE plpgsql AS $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM practica_leases
                           WHERE name = lease AND owner = holder AND expires_at >= now()) THEN
                RAISE EXCEPTION 'lease % is not held by %', lease, holder USING ERRCODE = 'PR001';
            END IF;
        END $$;
     """},
)
FENCE_SQL = "SELECT practica_hold_lease(?, ?)"
"""A unit's first step with several workers: its commit fails (LEASE_LOST) unless its chat is still ours."""
LEASE_LOST = "PR001"

ACQUIRE_SQL = (
    "INSERT INTO practica_leases (name, owner, expires_at) "
    "SELECT n, ?, now() + (?::float8) * interval '1 second' FROM unnest(?::text[]) AS n "
    "ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at "
    "WHERE practica_leases.owner = EXCLUDED.owner OR practica_leases.expires_at < now() "
    "RETURNING name")
RENEW_SQL = ("UPDATE practica_leases SET expires_at = now() + (?::float8) * interval '1 second' "
             "WHERE owner = ? AND expires_at >= now() RETURNING name")
RELEASE_SQL = "DELETE FROM practica_leases WHERE owner = ? AND name = ANY(?::text[])"
RELEASE_ALL_SQL = "DELETE FROM practica_leases WHERE owner = ?"
LIVE_SQL = "SELECT name, owner FROM practica_leases WHERE name LIKE ? AND expires_at >= now() ORDER BY name"


def is_lease_lost(error: BaseException) -> bool:
    """Whether `error` is FENCE_SQL's: the unit's chat was another worker's by the time it committed."""
    return getattr(error, "sqlstate", None) == LEASE_LOST


def worker_id() -> str:
    """A name for this process that no other worker has: `host:pid:random`."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Leases:
    """The leases of one owner on a shared PostgreSQL database.

    Args:
        db: the storage (PostgreSQL).
        owner: this worker's id (`worker_id()`).
        ttl: seconds a lease lasts without renewal.
    """

    def __init__(self, db: Storage, owner: str, ttl: float) -> None:
        self.db = db
        self.owner = owner
        self.ttl = ttl

    async def acquire(self, names: Iterable[str]) -> set[str]:
        """Take the leases among `names` that nobody else holds alive; returns the ones now ours."""
        wanted = sorted(set(names))
        if not wanted:
            return set()
        rows = await self.db.fetchall(ACQUIRE_SQL, (self.owner, self.ttl, wanted))
        return {row[0] for row in rows}

    async def renew(self) -> set[str]:
        """Extend every live lease of this owner by `ttl`; returns the names still held."""
        rows = await self.db.fetchall(RENEW_SQL, (self.ttl, self.owner))
        return {row[0] for row in rows}

    async def release(self, names: Iterable[str]) -> None:
        """Give up these leases (only ours are touched)."""
        wanted = sorted(set(names))
        if wanted:
            await self.db.execute(RELEASE_SQL, (self.owner, wanted))

    async def release_all(self) -> None:
        """Give up every lease of this owner (a clean stop)."""
        await self.db.execute(RELEASE_ALL_SQL, (self.owner,))

    async def live(self, prefix: str) -> dict[str, str]:
        """{name: owner} of the unexpired leases whose name starts with `prefix`."""
        pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return {row[0]: row[1] for row in await self.db.fetchall(LIVE_SQL, (pattern,))}


class Renewer:
    """Renews a `Leases`' rows every ttl/3 in the background; `on_lost(names)` hears of leases that
    expired before they could be renewed (the worker was paused or cut off longer than the ttl).

    `held` is what the last renewal (or an acquire reported with `note`) says this worker holds.
    """

    def __init__(self, leases: Leases, on_lost: Callable[[set[str]], None] | None = None) -> None:
        self.leases = leases
        self.on_lost = on_lost
        self.held: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        self._trusted_until: dict[str, float] = {}  # loop time, per lease: see TRUST

    def trusted(self, name: str) -> bool:
        """Whether lease `name` is held and may be acted on now: taken or renewed recently enough (TRUST)."""
        return name in self.held and asyncio.get_running_loop().time() < self._trusted_until.get(name, -math.inf)

    def _trust(self, names: Iterable[str], since: float) -> None:
        until = since + self.leases.ttl * TRUST
        for name in names:
            self._trusted_until[name] = max(self._trusted_until.get(name, -math.inf), until)

    def note(self, names: Iterable[str]) -> None:
        """Record leases just acquired (so the next renewal can tell if one was lost)."""
        names = set(names)
        self.held.update(names)
        self._trust(names, asyncio.get_running_loop().time())

    def forget(self, names: Iterable[str]) -> None:
        """Record leases just released."""
        names = set(names)
        self.held.difference_update(names)
        for name in names:
            self._trusted_until.pop(name, None)

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._loop(), name="practica-lease-renewer")

    async def renew_now(self) -> set[str]:
        """Renew at once; returns the names still held (and reports the lost ones)."""
        before = set(self.held)
        started = asyncio.get_running_loop().time()
        still = await self.leases.renew()
        self._trust(still, started)
        lost = before - still
        self.held = still | (self.held - before)  # leases noted while the renewal ran stay
        for name in lost:
            self._trusted_until.pop(name, None)
        if lost:
            log.warning("lost %d lease(s) this worker could not renew in time (paused or cut off?)", len(lost))
            if self.on_lost is not None:
                self.on_lost(lost)
        return self.held

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.leases.ttl / 3)
            try:
                await self.renew_now()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - a dropped connection: try again at the next tick
                log.warning("could not renew leases (%s); retrying", type(exc).__name__)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
