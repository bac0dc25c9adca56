"""The durable scheduler, through a running bot: recurrence in a time zone, downtime, idempotency keys,
bounded reads of a large table, wake-ups, disabled plugins and failing handlers.

A tiny probe plugin declares job kinds whose handlers record when they fired (ctx.now(), the fake
clock) and write a row in the same transaction that completes the job.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from core import Context, Job, JobKind, hookimpl
from core.clock import Clock
from core.config import parse_config
from core.runtime import Runtime
from core.scheduler import BATCH, Scheduler, iso
from core.storage import Storage
from core.testing import FakeAdapter
from tests.engines import SQLITE_ONLY, practica_engine  # noqa: F401 - every test on SQLite and PostgreSQL

UTC = timezone.utc
START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # the kit's fake clock starts here (a Thursday)
WEEKLY = "FREQ=WEEKLY;BYDAY=MO;BYHOUR=8;BYMINUTE=0"


class Probe:
    """Test plugin: job kinds that record their firing, optionally failing first."""

    def __init__(self, on_start: Callable[[Context], Awaitable[None]] | None = None) -> None:
        self.on_start = on_start
        self.fired: list[tuple[str, str | None, datetime]] = []
        self.failures_left = 0
        self.on_fire: Callable[[Context, Job], Awaitable[None]] | None = None

    @hookimpl
    def practica_register_migrations(self) -> tuple[str, ...]:
        return ("CREATE TABLE probe_effects (id INTEGER PRIMARY KEY, job_id INTEGER NOT NULL, job_key TEXT, at TEXT NOT NULL)",)

    @hookimpl
    def practica_register_jobs(self) -> dict[str, JobKind]:
        return {
            "weekly": JobKind(self._record),                          # default grace: 1 hour
            "daily": JobKind(self._record, grace=None),               # always worth running once, however late
            "once": JobKind(self._record, grace=timedelta(hours=2)),
            "bulk": JobKind(self._count, grace=None),
            "flaky": JobKind(self._flaky, max_attempts=3, retry_delay=timedelta(minutes=5)),
        }

    @hookimpl
    async def practica_startup(self, ctx: Context) -> None:
        if self.on_start is not None:
            await self.on_start(ctx)

    async def _record(self, ctx: Context, job: Job) -> None:
        self.fired.append((job.kind, job.key, ctx.now()))
        await ctx.db.execute("INSERT INTO probe_effects (job_id, job_key, at) VALUES (?, ?, ?)",
                             (job.id, job.key, iso(ctx.now())))
        if self.on_fire is not None:
            await self.on_fire(ctx, job)

    async def _count(self, ctx: Context, job: Job) -> None:
        self.fired.append((job.kind, job.key, ctx.now()))

    async def _flaky(self, ctx: Context, job: Job) -> None:
        await self._record(ctx, job)
        if self.failures_left:
            self.failures_left -= 1
            raise RuntimeError("the handler failed")

    def times(self, kind: str) -> list[datetime]:
        return [when for k, _, when in self.fired if k == kind]


def probe_ctx(bot: Any) -> Context:
    """A ctx of the probe plugin in the default community (what its hooks receive)."""
    return Context(bot.runtime, "probe", bot.runtime.config.communities["default"])


async def outage(bot: Any, delta: timedelta) -> None:
    """Stop the bot, let `delta` pass while nothing runs, start a new runtime on the same database."""
    await bot.runtime.stop()
    await bot.clock.advance(delta)
    fresh = await bot.build(bot.clock, bot.database)
    bot.runtime, bot.adapter = fresh.runtime, fresh.adapter
    await bot.runtime.idle()


async def statuses(bot: Any) -> dict[str | None, str]:
    rows = await bot.runtime.storage.fetchall("SELECT key, status FROM practica_jobs WHERE plugin = 'probe'")
    return {row["key"]: row["status"] for row in rows}


async def effects(bot: Any) -> list[str | None]:
    return [r["job_key"] for r in await bot.runtime.storage.fetchall("SELECT job_key FROM probe_effects ORDER BY id")]


# --- 1. recurrence in the community's time zone -----------------------------------------------------

async def test_weekly_job_fires_at_8_local_every_monday_and_survives_restarts(make_bot):
    async def schedule_digest(ctx: Context) -> None:
        await ctx.jobs.schedule("weekly", rrule=WEEKLY, tz="Africa/Addis_Ababa", key="digest")

    probe = Probe(schedule_digest)
    bot = await make_bot(plugins=set(), extra_plugins={"probe": probe}, community={"timezone": "Africa/Addis_Ababa"})
    await bot.advance(days=14)
    await bot.restart()  # the startup hook schedules the same key again: still one job
    assert len(await probe_ctx(bot).jobs.list("weekly")) == 1
    await bot.advance(days=14)

    mondays = [datetime(2026, 11, 30, 5, 0, tzinfo=UTC), datetime(2026, 12, 7, 5, 0, tzinfo=UTC),
               datetime(2026, 12, 14, 5, 0, tzinfo=UTC), datetime(2026, 12, 21, 5, 0, tzinfo=UTC)]
    assert probe.times("weekly") == mondays
    local = [t.astimezone(bot.runtime.config.communities["default"].timezone) for t in probe.times("weekly")]
    assert {(t.weekday(), t.hour, t.minute) for t in local} == {(0, 8, 0)}
    [job] = await probe_ctx(bot).jobs.list("weekly")
    assert job.run_at == datetime(2026, 12, 28, 5, 0, tzinfo=UTC)
    assert await effects(bot) == ["digest"] * 4


# --- 2. downtime: no burst, grace ------------------------------------------------------------------

async def test_after_three_days_down_a_daily_job_fires_once_then_resumes(make_bot):
    async def schedule_daily(ctx: Context) -> None:
        await ctx.jobs.schedule("daily", rrule="FREQ=DAILY;BYHOUR=10;BYMINUTE=0", tz="UTC", key="daily")

    probe = Probe(schedule_daily)
    bot = await make_bot(plugins=set(), extra_plugins={"probe": probe})
    ctx = probe_ctx(bot)
    await ctx.jobs.schedule("once", START + timedelta(hours=1), key="too-late")                   # 3 days late at restart
    await ctx.jobs.schedule("once", START + timedelta(days=3, hours=-1), key="a-little-late")     # 1 hour late

    await outage(bot, timedelta(days=3))  # down from Thursday 09:00 to Sunday 09:00
    back = START + timedelta(days=3)
    assert probe.times("daily") == [back]  # Thursday, Friday and Saturday 10:00 were missed: one run, not three
    assert probe.times("once") == [back]
    assert (await statuses(bot))["too-late"] == "missed"
    assert (await statuses(bot))["a-little-late"] == "done"

    await bot.advance(days=2)
    assert probe.times("daily") == [back, datetime(2026, 11, 29, 10, 0, tzinfo=UTC), datetime(2026, 11, 30, 10, 0, tzinfo=UTC)]
    assert await effects(bot) == ["daily", "a-little-late", "daily", "daily"]


async def test_a_weekly_job_past_its_grace_skips_to_the_next_occurrence(make_bot):
    async def schedule_digest(ctx: Context) -> None:
        await ctx.jobs.schedule("weekly", rrule=WEEKLY, tz="Africa/Addis_Ababa", key="digest")

    probe = Probe(schedule_digest)
    bot = await make_bot(plugins=set(), extra_plugins={"probe": probe})
    await outage(bot, timedelta(days=5))  # Monday 08:00 passed during the outage; grace is 1 hour
    assert probe.times("weekly") == []
    [job] = await probe_ctx(bot).jobs.list("weekly")
    assert job.run_at == datetime(2026, 12, 7, 5, 0, tzinfo=UTC)
    await bot.advance(days=7)
    assert probe.times("weekly") == [datetime(2026, 12, 7, 5, 0, tzinfo=UTC)]


# --- 3. idempotency keys -----------------------------------------------------------------------------

async def test_same_key_twice_keeps_one_job_and_replace_moves_it(make_bot):
    probe = Probe()
    bot = await make_bot(plugins=set(), extra_plugins={"probe": probe})
    ctx = probe_ctx(bot)
    first = await ctx.jobs.schedule("once", START + timedelta(hours=2), key="remind:42", payload={"v": 1})
    again = await ctx.jobs.schedule("once", START + timedelta(hours=5), key="remind:42", payload={"v": 2})
    [job] = await ctx.jobs.list("once")
    assert again.id == first.id == job.id
    assert job.run_at == START + timedelta(hours=2) and job.payload == {"v": 1}

    moved = await ctx.jobs.schedule("once", START + timedelta(hours=5), key="remind:42", payload={"v": 3}, replace=True)
    [job] = await ctx.jobs.list("once")
    assert moved.id == first.id and job.run_at == START + timedelta(hours=5) and job.payload == {"v": 3}

    await bot.advance(hours=3)
    assert probe.fired == []
    await bot.advance(hours=2)
    assert probe.times("once") == [START + timedelta(hours=5)]
    # The key stays taken by the job that ran: scheduling it again does not run it twice.
    await ctx.jobs.schedule("once", START + timedelta(hours=6), key="remind:42")
    await bot.advance(hours=2)
    assert len(probe.fired) == 1


async def test_cancel_and_cancel_prefix(make_bot):
    probe = Probe()
    bot = await make_bot(plugins=set(), extra_plugins={"probe": probe})
    ctx = probe_ctx(bot)
    for key in ("hw:1:a", "hw:1:b", "hw:2:a", "hw_1"):
        await ctx.jobs.schedule("once", START + timedelta(hours=1), key=key)
    assert await ctx.jobs.cancel_prefix("hw:1:") == 2  # "_" and "%" in keys are not wildcards
    assert await ctx.jobs.cancel("hw:2:a") is True
    assert await ctx.jobs.cancel("hw:2:a") is False
    assert [j.key for j in await ctx.jobs.list()] == ["hw_1"]
    await bot.advance(hours=1)
    assert [key for _, key, _ in probe.fired] == ["hw_1"]


async def test_a_job_cancelled_by_an_earlier_job_of_the_same_batch_does_not_run(make_bot):
    probe = Probe()
    bot = await make_bot(plugins=set(), extra_plugins={"probe": probe})
    ctx = probe_ctx(bot)

    async def cancel_the_other(ctx: Context, job: Job) -> None:
        if job.key == "first":
            await ctx.jobs.cancel("second")

    probe.on_fire = cancel_the_other
    await ctx.jobs.schedule("once", START + timedelta(minutes=10), key="first")
    await ctx.jobs.schedule("once", START + timedelta(minutes=10, seconds=1), key="second")
    await outage(bot, timedelta(minutes=20))  # both are due when the sleeper reads its batch
    assert [key for _, key, _ in probe.fired] == ["first"]
    assert await statuses(bot) == {"first": "done", "second": "cancelled"}


async def test_a_handler_that_reschedules_its_own_key_keeps_the_new_time(make_bot):
    probe = Probe()
    bot = await make_bot(plugins=set(), extra_plugins={"probe": probe})

    async def snooze(ctx: Context, job: Job) -> None:
        if len(probe.fired) < 3:
            await ctx.jobs.schedule("once", ctx.now() + timedelta(hours=1), key=job.key, replace=True)

    probe.on_fire = snooze
    await probe_ctx(bot).jobs.schedule("once", START + timedelta(hours=1), key="nag")
    await bot.advance(hours=5)
    assert probe.times("once") == [START + timedelta(hours=h) for h in (1, 2, 3)]


# --- 4. a large table is never read whole --------------------------------------------------------------

@SQLITE_ONLY
async def test_ten_thousand_jobs_are_read_in_bounded_batches_and_all_run(make_bot, monkeypatch):
    probe = Probe()
    bot = await make_bot(plugins=set(), extra_plugins={"probe": probe})
    await bot.runtime.stop()
    with sqlite3.connect(bot.database) as conn:  # 10,000 pending jobs, due over the next 50 minutes
        conn.executemany(
            "INSERT INTO practica_jobs (plugin, kind, community, payload, run_at, anchor, key, created_at) "
            "VALUES ('probe', 'bulk', 'default', '{}', ?, ?, ?, ?)",
            [(iso(START + timedelta(minutes=1 + i % 50)), None, f"bulk-{i}", iso(START)) for i in range(10_000)])

    reads: list[tuple[str, tuple[Any, ...], int]] = []
    original_fetchall, original_fetchone = Storage.fetchall, Storage.fetchone

    async def fetchall(self: Storage, sql: str, params: Any = ()) -> list[Any]:
        rows = await original_fetchall(self, sql, params)
        if "practica_jobs" in sql:
            reads.append((sql, tuple(params), len(rows)))
        return rows

    async def fetchone(self: Storage, sql: str, params: Any = ()) -> Any:
        row = await original_fetchone(self, sql, params)
        if "practica_jobs" in sql:
            reads.append((sql, tuple(params), 0 if row is None else 1))
        return row

    monkeypatch.setattr(Storage, "fetchall", fetchall)
    monkeypatch.setattr(Storage, "fetchone", fetchone)

    fresh = await bot.build(bot.clock, bot.database)
    bot.runtime, bot.adapter = fresh.runtime, fresh.adapter
    await bot.runtime.idle()
    at_start = list(reads)
    assert at_start, "the sleeper should have asked for the next due time"
    # nothing is due yet: only the next due time was read (by the start's catch-up and by the sleeper)
    assert sum(n for _, _, n in at_start) <= 2 and all(n <= 1 for _, _, n in at_start)

    await bot.advance(minutes=60)
    assert len(probe.fired) == 10_000
    assert len({key for _, key, _ in probe.fired}) == 10_000
    assert max(n for _, _, n in reads) <= BATCH
    pending = await bot.runtime.storage.fetchval("SELECT COUNT(*) FROM practica_jobs WHERE status = 'pending'")
    assert pending == 0

    # Every statement the sleeper used walks the due index; none scans the table.
    sleeper_statements = {(sql, params) for sql, params, _ in reads
                          if "WHERE status = 'pending' AND plugin IN" in sql or "run_at <= ?" in sql}
    assert len({sql for sql, _ in sleeper_statements}) == 2  # "what is due now" and "when is the next one"
    with sqlite3.connect(bot.database) as conn:
        for sql, params in sleeper_statements:
            plan = " ".join(str(row[-1]) for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params))
            assert "practica_jobs_due" in plan and "SCAN" not in plan and "TEMP B-TREE" not in plan, (sql, plan)


# --- 5. wake-ups -----------------------------------------------------------------------------------------

async def test_an_earlier_job_wakes_the_sleeper(make_bot):
    probe = Probe()
    bot = await make_bot(plugins=set(), extra_plugins={"probe": probe})
    ctx = probe_ctx(bot)
    await ctx.jobs.schedule("once", START + timedelta(hours=1), key="later")
    await bot.runtime.idle()  # the sleeper now waits for +1 h
    await ctx.jobs.schedule("once", START + timedelta(minutes=1), key="sooner")
    await bot.advance(minutes=1)
    assert probe.fired == [("once", "sooner", START + timedelta(minutes=1))]
    await bot.advance(minutes=59)
    assert [key for _, key, _ in probe.fired] == ["sooner", "later"]


async def test_an_earlier_job_wakes_the_sleeper_on_the_real_clock(tmp_path: Path):
    db = await Storage.open(str(tmp_path / "real.db"))
    from core.scheduler import MIGRATIONS

    await db.migrate("core.scheduler", MIGRATIONS)
    fired: dict[str, float] = {}
    loop = asyncio.get_running_loop()

    async def run(job: Job, kind: JobKind) -> None:
        fired[job.key or ""] = loop.time()

    noop = JobKind(lambda ctx, job: asyncio.sleep(0))
    clock = Clock()
    scheduler = Scheduler(db, clock, run, {("p", "k"): noop}, frozenset({"p"}))
    scheduler.start()
    try:
        await scheduler.schedule("p", "k", "default", clock.now() + timedelta(hours=1), key="later")
        await asyncio.sleep(0.05)
        asked = loop.time()
        await scheduler.schedule("p", "k", "default", clock.now() + timedelta(milliseconds=100), key="sooner")
        for _ in range(200):
            if "sooner" in fired:
                break
            await asyncio.sleep(0.01)
        assert "sooner" in fired and "later" not in fired
        assert 0.09 <= fired["sooner"] - asked < 1.0
    finally:
        await scheduler.stop()
        await db.close()


# --- 6. disabled plugins -----------------------------------------------------------------------------------

async def start_runtime(bot: Any, probe: Probe, *, probe_enabled: bool) -> None:
    """A runtime on the bot's database where `probe` is enabled or disabled in plugins.toml."""
    builtins = sorted(p.name for p in (Path(__file__).parents[2] / "plugins").iterdir() if (p / "__init__.py").is_file())
    plugins: dict[str, Any] = {name: {"enabled": False} for name in builtins if name != "essentials"}
    plugins["probe"] = {"enabled": probe_enabled}
    config = parse_config({"practica": {"database": bot.database}, "plugins": plugins}, Path(bot.database).with_name("plugins.toml"))
    adapter = FakeAdapter("console", bot.adapter.host)
    runtime = Runtime(config, clock=bot.clock, adapters={"console": adapter}, extra_plugins={"probe": probe}, database=bot.database)
    runtime.outbox.budgets = {}
    bot.clock.quiesce = runtime.idle
    await runtime.start()
    bot.runtime, bot.adapter = runtime, adapter


async def test_jobs_of_a_disabled_plugin_stay_stored_and_run_once_it_is_enabled(make_bot):
    probe = Probe()
    bot = await make_bot(plugins=set(), extra_plugins={"probe": probe})
    ctx = probe_ctx(bot)
    await ctx.jobs.schedule("once", START + timedelta(hours=1), key="one-off")
    await ctx.jobs.schedule("daily", rrule="FREQ=DAILY;BYHOUR=12;BYMINUTE=0", tz="UTC", key="daily")

    await bot.runtime.stop()
    await start_runtime(bot, probe, probe_enabled=False)
    assert "probe" not in bot.runtime.loaded.enabled
    await bot.advance(minutes=90)
    assert probe.fired == []
    assert await statuses(bot) == {"one-off": "pending", "daily": "pending"}

    await bot.runtime.stop()
    await start_runtime(bot, probe, probe_enabled=True)
    await bot.runtime.idle()
    assert probe.fired == [("once", "one-off", START + timedelta(minutes=90))]  # 30 min late, within its grace
    await bot.advance(hours=2)
    assert probe.times("daily") == [START.replace(hour=12)]


# --- 7. failing handlers ---------------------------------------------------------------------------------

async def test_a_failing_handler_is_rolled_back_and_retried_up_to_max_attempts(make_bot, caplog):
    probe = Probe()
    bot = await make_bot(plugins=set(), extra_plugins={"probe": probe})
    ctx = probe_ctx(bot)
    probe.failures_left = 100  # always fails
    await ctx.jobs.schedule("flaky", START + timedelta(minutes=1), key="broken")
    await bot.advance(hours=1)
    assert probe.times("flaky") == [START + timedelta(minutes=m) for m in (1, 6, 11)]  # 3 attempts, 5 min apart
    assert await effects(bot) == []  # every attempt's write was rolled back
    assert (await statuses(bot))["broken"] == "failed"
    assert "failed (attempt 3 of 3)" in caplog.text


async def test_a_handler_that_fails_once_is_retried_and_its_write_kept_once(make_bot):
    probe = Probe()
    bot = await make_bot(plugins=set(), extra_plugins={"probe": probe})
    probe.failures_left = 1
    await probe_ctx(bot).jobs.schedule("flaky", START + timedelta(minutes=1), key="wobbly")
    await bot.advance(hours=1)
    assert probe.times("flaky") == [START + timedelta(minutes=1), START + timedelta(minutes=6)]
    assert await effects(bot) == ["wobbly"]
    assert (await statuses(bot))["wobbly"] == "done"


async def test_bad_schedules_are_refused_with_a_clear_error(make_bot):
    bot = await make_bot(plugins=set(), extra_plugins={"probe": Probe()})
    ctx = probe_ctx(bot)
    with pytest.raises(ValueError, match="no job kind 'nope'"):
        await ctx.jobs.schedule("nope", START)
    with pytest.raises(ValueError, match="aware"):
        await ctx.jobs.schedule("once", datetime(2026, 12, 1, 9, 0))
    with pytest.raises(ValueError):
        await ctx.jobs.schedule("weekly", rrule="FREQ=SOMETIMES")
    with pytest.raises(ValueError, match="JSON"):
        await ctx.jobs.schedule("once", START + timedelta(hours=1), payload={"when": START})
    assert await ctx.jobs.list() == []
