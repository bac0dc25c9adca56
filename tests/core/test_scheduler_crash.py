"""Crash safety of the scheduler, with a real process killed (SIGKILL) in the middle of a burst.

A job's handler records its effect in the same transaction that marks the job done, so a crash
either keeps both (the job never runs again) or neither (it runs again after the restart): every
job's effect is recorded exactly once however often the process dies.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
JOBS = 200

SCRIPT = textwrap.dedent(f'''
    import asyncio, sys
    from datetime import timedelta
    from pathlib import Path

    from core import JobKind, Sent, hookimpl  # the core first: it is what plugins import
    from core.adapter import Adapter, Capabilities
    from core.config import parse_config
    from core.runtime import Runtime

    class Quiet(Adapter):
        """No platform: the bot only runs jobs."""
        name = "console"
        config_type = dict
        capabilities = Capabilities(platform="console")
        async def start(self): pass
        async def stop(self): pass
        async def perform(self, action): return Sent(message_id="m")

    async def work(ctx, job):
        await ctx.db.execute("INSERT INTO probe_effects (job_id, n) VALUES (?, ?)", (job.id, job.payload["n"]))
        await asyncio.sleep(0.004)  # the effect is written but not committed yet: a kill here must not keep it

    class Probe:
        @hookimpl
        def practica_register_migrations(self):
            return ("CREATE TABLE probe_effects (id INTEGER PRIMARY KEY, job_id INTEGER NOT NULL, n INTEGER NOT NULL)",)

        @hookimpl
        def practica_register_jobs(self):
            return {{"work": JobKind(work, grace=None)}}

        @hookimpl
        async def practica_startup(self, ctx):
            now = ctx.now()
            for n in range({JOBS}):  # keyed: the restarted process finds them instead of adding more
                await ctx.jobs.schedule("work", now, key=f"job-{{n}}", payload={{"n": n}})

    async def main(db):
        config = parse_config({{"practica": {{"database": db}}, "communities": {{"default": {{}}}}}},
                              Path(db).with_name("plugins.toml"))
        runtime = Runtime(config, adapters={{"console": Quiet({{}}, None)}}, extra_plugins={{"probe": Probe()}},
                          only_plugins={{"probe"}}, database=db)
        async with runtime:
            while await runtime.storage.fetchval("SELECT COUNT(*) FROM practica_jobs WHERE status = 'pending'"):
                await asyncio.sleep(0.01)

    asyncio.run(main(sys.argv[1]))
''')


def count_effects(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT COUNT(*) FROM probe_effects").fetchone()[0]
    except sqlite3.OperationalError:  # the table does not exist yet
        return 0


def run_until(script: Path, db: Path, kill_at: int | None) -> int:
    """Run the bot process; SIGKILL it once `kill_at` effects are committed (None: let it finish)."""
    proc = subprocess.Popen([sys.executable, str(script), str(db)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 20
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if kill_at is not None and count_effects(db) >= kill_at:
                proc.send_signal(signal.SIGKILL)
                proc.wait(5)
                return -signal.SIGKILL
            time.sleep(0.002)
        if proc.poll() is None:
            proc.kill()
            pytest.fail("the bot process did not finish its jobs within 20 s")
        _, err = proc.communicate(timeout=5)
        assert proc.returncode == 0, err.decode()[-2000:]
        return proc.returncode
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)


def test_jobs_run_exactly_once_across_sigkills(tmp_path: Path):
    script = tmp_path / "bot.py"
    script.write_text(SCRIPT)
    db = tmp_path / "crash.db"

    assert run_until(script, db, kill_at=30) == -signal.SIGKILL
    first = count_effects(db)
    assert 30 <= first < JOBS, "the first kill should land in the middle of the burst"
    assert run_until(script, db, kill_at=first + 60) == -signal.SIGKILL
    second = count_effects(db)
    assert first < second < JOBS
    assert run_until(script, db, kill_at=None) == 0

    with sqlite3.connect(db) as conn:
        runs = dict(conn.execute("SELECT n, COUNT(*) FROM probe_effects GROUP BY n").fetchall())
        jobs = conn.execute("SELECT COUNT(*), SUM(status = 'done') FROM practica_jobs WHERE plugin = 'probe'").fetchone()
        effect_ids = conn.execute("SELECT COUNT(*), COUNT(DISTINCT job_id) FROM probe_effects").fetchone()
    assert runs == {n: 1 for n in range(JOBS)}  # every job's effect exactly once
    assert jobs == (JOBS, JOBS)  # every job is done, none was added by the restarts
    assert effect_ids == (JOBS, JOBS)
