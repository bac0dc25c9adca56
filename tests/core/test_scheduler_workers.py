"""Scheduled jobs on one PostgreSQL database shared by several workers: each due job fires once, and
the jobs a dead worker had claimed are fired by another once its claim lapses."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from core import scheduler as scheduler_module
from core.clock import Clock
from core.leases import worker_id
from core.scheduler import Job, JobKind, Scheduler
from core.storage_pg import PgStorage

JOBS = 40


async def _open(dsn: str) -> PgStorage:
    db = await PgStorage.open(dsn)
    await db.migrate("core.scheduler", scheduler_module.MIGRATIONS)
    return db


def _scheduler(db: PgStorage, fired: Counter[str], by: Counter[str], name: str, claim_seconds: float = 30.0) -> Scheduler:
    async def run(job: Job, kind: JobKind[object]) -> None:
        await db.execute("UPDATE practica_jobs SET payload = payload WHERE id = ?", (job.id,))  # a write in the unit
        await asyncio.sleep(0.01)
        fired[job.key or ""] += 1
        by[name] += 1

    noop = JobKind(lambda ctx, job: asyncio.sleep(0))
    return Scheduler(db, Clock(), run, {("p", "k"): noop}, frozenset({"p"}), claimer=worker_id(),
                     claim_seconds=claim_seconds)


async def _wait(condition, what: str, timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


async def test_two_schedulers_on_one_database_fire_every_due_job_exactly_once(pg_dsn):
    one, two = await _open(pg_dsn), await _open(pg_dsn)
    fired: Counter[str] = Counter()
    by: Counter[str] = Counter()
    a, b = _scheduler(one, fired, by, "a"), _scheduler(two, fired, by, "b")
    try:
        now = Clock().now()
        for n in range(JOBS):  # due now, and a few a little later (found by polling: the other worker scheduled them)
            await a.schedule("p", "k", "default", now + timedelta(milliseconds=0 if n % 4 else 300), key=f"job{n}")
        await b.schedule("p", "k", "default", now + timedelta(minutes=1),
                         rrule="FREQ=DAILY", key="daily")  # not due: never fires here
        a.start()
        b.start()
        await _wait(lambda: len(fired) == JOBS, "every due job")
        await asyncio.sleep(0.6)  # both look again: nothing fires twice
        assert fired == Counter({f"job{n}": 1 for n in range(JOBS)})
        assert await one.fetchval("SELECT COUNT(*) FROM practica_jobs WHERE status = 'done'") == JOBS
        assert await one.fetchval("SELECT status FROM practica_jobs WHERE key = 'daily'") == "pending"
    finally:
        await a.stop()
        await b.stop()
        await one.close()
        await two.close()


async def test_jobs_claimed_by_a_worker_that_died_fire_once_its_claim_lapses(pg_dsn):
    db = await _open(pg_dsn)
    fired: Counter[str] = Counter()
    by: Counter[str] = Counter()
    survivor = _scheduler(db, fired, by, "survivor")
    try:
        now = Clock().now()
        for n in range(3):
            await survivor.schedule("p", "k", "default", now - timedelta(seconds=1), key=f"orphan{n}")
        # a worker claimed them, then was killed before its transaction committed
        assert await db.execute_rowcount(
            "UPDATE practica_jobs SET claimed_by = 'host:1:dead', claimed_until = now() + interval '1 second'") == 3
        await survivor.catch_up()
        assert not fired  # still the dead worker's claim: nobody fires them yet
        survivor.start()
        await _wait(lambda: len(fired) == 3, "the orphaned jobs")
        await asyncio.sleep(0.6)
        assert fired == Counter({f"orphan{n}": 1 for n in range(3)})
        assert await db.fetchval("SELECT COUNT(*) FROM practica_jobs WHERE claimed_by IS NOT NULL") == 0
    finally:
        await survivor.stop()
        await db.close()


async def test_workers_starting_together_schedule_a_keyed_job_once(pg_dsn):
    one, two = await _open(pg_dsn), await _open(pg_dsn)
    fired: Counter[str] = Counter()
    a, b = _scheduler(one, fired, Counter(), "a"), _scheduler(two, fired, Counter(), "b")
    try:  # every worker's startup hook schedules the weekly reset with the same key, at the same moment
        when = Clock().now() + timedelta(days=1)
        jobs = await asyncio.gather(*(s.schedule("p", "k", "default", when, key="weekly-reset") for s in (a, b) * 3))
        assert len({job.id for job in jobs}) == 1
        assert await one.fetchval("SELECT COUNT(*) FROM practica_jobs WHERE key = 'weekly-reset'") == 1
    finally:
        await one.close()
        await two.close()
