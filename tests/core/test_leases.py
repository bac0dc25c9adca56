"""Named leases on a real PostgreSQL server: one owner at a time, renewal keeps it, expiry frees it."""

from __future__ import annotations

import asyncio

from core import leases as leases_module
from core.leases import Leases, Renewer, worker_id
from core.storage_pg import PgStorage


async def _open(dsn: str) -> PgStorage:
    db = await PgStorage.open(dsn)
    await db.migrate("core.leases", leases_module.MIGRATIONS)
    return db


async def test_two_workers_never_hold_the_same_lease_and_a_release_frees_it_at_once(pg_dsn):
    db = await _open(pg_dsn)
    try:
        a, b = Leases(db, worker_id(), ttl=30), Leases(db, worker_id(), ttl=30)
        assert a.owner != b.owner
        results = await asyncio.gather(*(w.acquire(["chat:1", "chat:2"]) for w in (a, b, a, b)))
        owners = {name: [i for i, got in enumerate(results) if name in got] for name in ("chat:1", "chat:2")}
        for name, takers in owners.items():  # each lease went to one worker (which may ask twice)
            assert {i % 2 for i in takers} in ({0}, {1}), (name, takers)
        holder = await a.live("chat:")
        assert set(holder) == {"chat:1", "chat:2"}
        first = a if holder["chat:1"] == a.owner else b
        other = b if first is a else a
        assert await other.acquire(["chat:1"]) == set()
        await first.release(["chat:1"])
        assert await other.acquire(["chat:1"]) == {"chat:1"}
        assert (await a.live("chat:"))["chat:1"] == other.owner
    finally:
        await db.close()


async def test_a_lease_nobody_renews_expires_and_another_worker_takes_it(pg_dsn):
    db = await _open(pg_dsn)
    try:
        dead, alive = Leases(db, worker_id(), ttl=0.3), Leases(db, worker_id(), ttl=0.3)
        assert await dead.acquire(["telegram:intake"]) == {"telegram:intake"}
        assert await alive.acquire(["telegram:intake"]) == set()
        await asyncio.sleep(0.5)  # the holder died: it renews nothing
        assert await alive.acquire(["telegram:intake"]) == {"telegram:intake"}
        assert await dead.renew() == set()  # too late: the lease is someone else's now
        assert await dead.acquire(["telegram:intake"]) == set()
    finally:
        await db.close()


async def test_renewal_in_the_background_keeps_a_lease_past_its_ttl_and_reports_one_lost(pg_dsn):
    db = await _open(pg_dsn)
    try:
        keeper, rival = Leases(db, worker_id(), ttl=0.3), Leases(db, worker_id(), ttl=0.3)
        lost: list[set[str]] = []
        renewer = Renewer(keeper, on_lost=lost.append)
        renewer.note(await keeper.acquire(["chat:7", "chat:8"]))
        renewer.start()
        await asyncio.sleep(1.0)  # three ttls: only the renewals keep it
        assert await rival.acquire(["chat:7", "chat:8"]) == set()
        assert renewer.held == {"chat:7", "chat:8"}
        await renewer.stop()
        await keeper.release(["chat:8"])
        renewer.forget(["chat:8"])
        await asyncio.sleep(0.5)  # not renewed: chat:7 expires and the rival takes it
        assert await rival.acquire(["chat:7"]) == {"chat:7"}
        assert await renewer.renew_now() == set()
        assert lost == [{"chat:7"}]
    finally:
        await db.close()
