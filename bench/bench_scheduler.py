"""Scheduler: 100,000 pending jobs. Start-to-ready time and memory growth against an empty job table,
then firing lateness of jobs due over a few seconds while the core handles 1,000 events/s (real clock).

99,000 jobs are stored directly in practica_jobs (due in 1 to 30 days, like homework reminders and
weekly boards); 1,000 more are scheduled through the real API (`scheduler.schedule`) once the bot is
ready, due 1 to 6 s later. "Ready" = `Runtime.start()` returned and the scheduler is asleep until the
next due job. Lateness = the job handler's clock reading minus the job's run_at.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.common import (Result, Stream, builtin_plugins, enabled_five, message_events, percentile, rss_mb, start_runtime,
                          utc_now)

READY_TARGET = 1.0
GROWTH_TARGET = 20.0
LATE_TARGET_MS = 100.0


def bench_plugin(lateness: list[float]) -> Any:
    from core import JobKind, hookimpl

    async def tick(ctx: Any, job: Any) -> None:
        lateness.append((ctx.now() - job.run_at).total_seconds() * 1000)

    class Plugin:
        """Benchmark jobs."""

        @hookimpl
        def practica_register_jobs(self) -> Any:
            return {"tick": JobKind(tick, grace=None)}

    return Plugin()


def fill(path: str, count: int) -> None:
    from core.scheduler import iso

    now = utc_now()
    rows = []
    for i in range(count):
        when = now + timedelta(days=1) + timedelta(seconds=(i * 2_591) % (29 * 86_400))
        rows.append(("benchjobs", "tick", "default", json.dumps({"n": i}), iso(when), None, None, iso(when), f"k{i}", iso(now)))
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany("INSERT INTO practica_jobs (plugin, kind, community, payload, run_at, rrule, tz, anchor, key, created_at) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.close()


async def run(quick: bool) -> Result:
    result = Result("scheduler", "Scheduler: 100,000 pending jobs: ready time, memory, firing lateness under 1,000 events/s")
    status = builtin_plugins()
    five = enabled_five(status)
    result.plugins = status
    stored = 9_900 if quick else 99_000
    near = 100 if quick else 1_000
    lateness: list[float] = []
    plugins = ["essentials", *five]
    extra = {"benchjobs": bench_plugin(lateness)}

    # 1. Two databases with the schema: one empty, one with the stored jobs.
    setup = await start_runtime(plugins, extra_plugins=extra)
    folder = Path(setup.folder.name)
    await setup.runtime.stop()
    empty, full = folder / "empty.db", folder / "full.db"
    for target in (empty, full):
        src = sqlite3.connect(str(folder / "bench.db"))
        dst = sqlite3.connect(str(target))
        src.backup(dst)
        src.close()
        dst.close()
    fill(str(full), stored)

    async def ready(db: Path) -> tuple[float, float, float, Any]:
        rss0 = rss_mb()
        tracemalloc.start()
        t0 = time.perf_counter()
        bench = await start_runtime(plugins, extra_plugins=extra, database=str(db))
        await bench.runtime.scheduler.idle()
        seconds = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return seconds, rss_mb() - rss0, peak / 1e6, bench

    try:
        t_empty, rss_empty, py_empty, b_empty = await ready(empty)
        await b_empty.runtime.stop()
        t_full, rss_full, py_full, bench = await ready(full)
        rt = bench.runtime
        result.add(f"start to ready with {stored + near:,} pending jobs", t_full, "s", baseline=t_empty,
                   baseline_label="s, empty job table", target=f"<= {READY_TARGET:g} s", met=t_full <= READY_TARGET)
        growth = rss_full - rss_empty
        result.add("RSS growth, start to ready", rss_full, "MB", baseline=rss_empty,
                   baseline_label="MB, empty job table", target=f"growth <= {GROWTH_TARGET:g} MB (vs empty)",
                   met=growth <= GROWTH_TARGET, note=f"growth {growth:.1f} MB")
        result.add("Python allocations peak during start (tracemalloc)", py_full, "MB", baseline=py_empty,
                   baseline_label="MB, empty job table")

        # 2. Firing lateness under load.
        horizon = 5.0
        duration = horizon + 2.5
        rate = 1_000
        stream = Stream(message_events(int(rate * duration) + 10, users=5_000))
        events = stream.next()
        start = utc_now() + timedelta(seconds=1)
        for i in range(near):
            await rt.scheduler.schedule("benchjobs", "tick", "default", start + timedelta(seconds=horizon * i / near),
                                        payload={"n": i})
        t0 = time.perf_counter()
        submitted = 0
        while True:
            elapsed = time.perf_counter() - t0
            if elapsed >= duration:
                break
            due = min(len(events), int(elapsed * rate))
            while submitted < due:
                await rt.deliver(events[submitted])
                submitted += 1
            await asyncio.sleep(0.002)
        await rt.idle()
        for _ in range(50):
            if len(lateness) >= near:
                break
            await asyncio.sleep(0.1)
        handled_rate = submitted / (time.perf_counter() - t0)
        p50, p99 = percentile(lateness, 50), percentile(lateness, 99)
        result.add("firing lateness p50", p50, "ms", note=f"{len(lateness)}/{near} jobs fired")
        result.add(f"firing lateness p99 (core handling {rate:,} events/s)", p99, "ms", target=f"<= {LATE_TARGET_MS:g} ms",
                   met=p99 <= LATE_TARGET_MS and len(lateness) >= near, note=f"max {max(lateness or [0]):.1f} ms")
        result.notes.append(f"{near:,} jobs due over {horizon:g} s while {submitted:,} messages were submitted at "
                            f"{handled_rate:,.0f}/s (five plugins, default settings), {len(lateness)} fired; lateness is "
                            f"measured with the real clock.")
        await bench.runtime.stop()
    finally:
        setup.folder.cleanup()
    return result
