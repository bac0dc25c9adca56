"""Workers: updates answered per second by real `practica run` processes, 1, 2 and 4 workers sharing one
PostgreSQL database, next to one process on SQLite (#20).

Every side is real processes (bench.practica_run: practica's own CLI, Telegram's sending budgets off)
with the python-telegram-bot adapter polling the local fake Bot API (tests/adapters/telegram/
fake_bot_api.py, here serving at most `limit` updates per getUpdates, as Telegram does), every built-in
plugin at its defaults (flood control on). PostgreSQL is a throwaway server (core/testing_pg.py, fsync
off) on this machine, one database per side, `[practica] several_workers = true`.

A pass: start the side's processes and wait until one polls (on PostgreSQL also until every worker is
registered), queue a burst of the realistic stream (bench.stream) at once, and wait until every command
of it is answered. Each group's part of the burst ends with a command, so the reply to it leaves only
once every message of that group was handled (per-chat order): the pass's time runs from queuing the
burst to the last of those replies. Then the processes are stopped (SIGTERM, exit status 0 checked)
before the next side's pass. Passes are interleaved (SQLite, PG x1, PG x2, PG x4, again) after a warm-up
round; each side gets the same lines in a round; figures are medians, ratios to SQLite.
"""

from __future__ import annotations

import asyncio
import os
import resource
import signal
import sys
import tempfile
import time
from collections import Counter as Tally
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from bench.common import ROOT, Result, builtin_plugins, median
from bench.practica_run import PARENT_VARIABLE
from bench.realistic import LIBRARY_ITEMS, TRAINER_ID, Counter, Rounds
from bench.stream import GROUPS, MEMBERS, Line

SIDES = (("sqlite", 0), ("pg x1", 1), ("pg x2", 2), ("pg x4", 4))  # (name, workers on PostgreSQL; 0 = SQLite)
TOKEN_VARIABLE = "PRACTICA_BENCH_TOKEN"
SENTINEL_BASE = 10_000_000  # stream indices of the commands that close each group's burst
SETUP_BASE = 20_000_000
PASS_TIMEOUT = 90.0  # seconds for one burst to be answered before the pass fails
READY_TIMEOUT = 30.0
NOTE = ("A pass's time runs from queuing the burst to the last of its replies; each group's part ends with a "
        "/whoami, whose reply leaves only after all of that group's messages were handled (per-chat order). The processes "
        "are bench/practica_run.py: `practica run` with Telegram's sending budgets off (the fake never "
        "rate-limits; with them on, a pass would measure the 30 messages a second), log level ERROR. "
        "PostgreSQL is a throwaway server on this machine (core/testing_pg.py: fsync and synchronous_commit "
        "off), one database per side, `several_workers = true` on all three PostgreSQL sides.")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time process `pid` has used so far (from /proc; 0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_processes(postmaster: int) -> list[int]:
    """The PostgreSQL server's processes: the postmaster and its children (one backend per connection)."""
    out = [postmaster]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == postmaster:
                out.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return out


def machine_seconds() -> tuple[float, float]:
    """(busy, idle) CPU seconds of the whole machine since boot, every core and every process (/proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:8]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK"), idle / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU seconds used by the parts of a pass between `start()` and `stop()`: the side's processes, the
    PostgreSQL server (its processes that existed at either end), this process (the fake Bot API), and
    the whole machine busy and idle (other programs included)."""

    def __init__(self, workers: list[int], postmaster: int | None) -> None:
        self.workers = workers
        self.postmaster = postmaster
        self._before: dict[str, Any] = {}

    def _now(self) -> dict[str, Any]:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        server = {pid: cpu_seconds(pid) for pid in server_processes(self.postmaster)} if self.postmaster else {}
        busy, idle = machine_seconds()
        each = [cpu_seconds(pid) for pid in self.workers]
        return {"workers": sum(each), "each": each, "server": server,
                "bench": usage.ru_utime + usage.ru_stime, "busy": busy, "idle": idle}

    def start(self) -> None:
        self._before = self._now()

    def stop(self) -> dict[str, float]:
        after, before = self._now(), self._before
        server = sum(cpu - before["server"].get(pid, 0.0) for pid, cpu in after["server"].items())
        out = {part: after[part] - before[part] for part in ("workers", "bench", "busy", "idle")}
        out["server"] = server
        for n, (a, b) in enumerate(zip(after["each"], before["each"])):
            out[f"worker {n}"] = a - b
        out["others"] = max(0.0, out["busy"] - out["workers"] - out["bench"] - server)  # programs outside the pass
        return out


def _api_class() -> Any:
    """The fake Bot API of the tests with Telegram's getUpdates limit and the time of each first answer."""
    from tests.adapters.telegram.fake_bot_api import FakeBotApi

    @dataclass
    class BurstApi(FakeBotApi):
        first_reply: dict[tuple[int, int], float] = field(default_factory=dict)
        drained: float | None = None  # when the last queued update was handed out

        async def _get_updates(self, params: dict[str, Any]) -> list[Any]:
            batch = await super()._get_updates(params)
            limit = int(params.get("limit") or 100)
            if batch and len(batch) <= limit and self.drained is None:
                self.drained = time.perf_counter()
            return batch[:limit]  # the rest stays queued for the next call

        def _answer(self, method: str, params: dict[str, Any]) -> Any:
            quoted = params.get("reply_parameters") if method == "sendMessage" else None
            if isinstance(quoted, dict) and "message_id" in quoted:
                self.first_reply.setdefault((int(params["chat_id"]), int(quoted["message_id"])), time.perf_counter())
            return super()._answer(method, params)

        def reset(self) -> None:
            self.calls.clear()
            self.answered.clear()
            self.first_reply.clear()
            self.drained = None

        def queued(self) -> int:
            return len(self._updates)

    return BurstApi


class Worker:
    """One `practica run` process of a side."""

    def __init__(self, config: Path, log: Path) -> None:
        self.config = config
        self.log = log
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        env = {**os.environ, TOKEN_VARIABLE: "123456:TEST-token-do-not-log", PARENT_VARIABLE: str(os.getpid())}
        with open(self.log, "ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.practica_run", "run", "--config", str(self.config), cwd=ROOT, env=env,
                stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log)

    def exited(self) -> int | None:
        return None if self.process is None else self.process.returncode

    async def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM (a clean stop: leases released, outbox flushed) and the exit status."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), timeout)

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""


class Side:
    """One configuration measured: its database, its fake Bot API, its processes."""

    def __init__(self, name: str, workers: int, folder: Path, database: str, api: Any, postmaster: int | None) -> None:
        self.name = name
        self.postmaster = postmaster if workers else None
        self.count = max(workers, 1)
        self.database = database
        self.on_pg = workers > 0
        self.api = api
        folder.mkdir()
        self.config = folder / "plugins.toml"
        self.config.write_text(
            f'[practica]\ndatabase = "{database}"\nlog_level = "ERROR"\n'
            + ("several_workers = true\n" if self.on_pg else "")
            + f'\n[adapters.telegram]\ntoken = {{ "$env" = "{TOKEN_VARIABLE}" }}\nbase_url = "{api.base_url}"\n'
            f'poll_timeout = 1\n\n[communities.default]\nlocale = "en"\ntimezone = "Africa/Addis_Ababa"\n'
            f'moderators = ["telegram:{TRAINER_ID}"]\n', encoding="utf-8")
        self.workers = [Worker(self.config, folder / f"worker{n}.log") for n in range(self.count)]
        self.label = "SQLite, 1 process" if not self.on_pg else \
            f"PostgreSQL, {self.count} worker{'s' if self.count > 1 else ''}"

    async def start(self) -> None:
        """Start every process and wait until one polls getUpdates (and every worker is registered)."""
        self.api.reset()
        await asyncio.gather(*(w.start() for w in self.workers))
        deadline = time.monotonic() + READY_TIMEOUT
        while not (self.api.calls_of("getUpdates") and (not self.on_pg or await self._registered() >= self.count)):
            for w in self.workers:
                if w.exited() is not None:
                    raise RuntimeError(f"{self.label}: practica run exited with {w.exited()}:\n{w.tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.label}: not ready after {READY_TIMEOUT:g} s:\n{self.workers[0].tail()}")
            await asyncio.sleep(0.05)

    async def _registered(self) -> int:
        import asyncpg

        conn = await asyncpg.connect(self.database)
        try:
            return int(await conn.fetchval("SELECT COUNT(*) FROM practica_leases WHERE name LIKE 'worker:%' "
                                           "AND expires_at >= now()"))
        except asyncpg.UndefinedTableError:  # the first start: not migrated yet
            return 0
        finally:
            await conn.close()

    async def stop(self) -> None:
        statuses = await asyncio.gather(*(w.stop() for w in self.workers))
        if any(statuses):
            raise RuntimeError(f"{self.label}: exit statuses {statuses}:\n{self.workers[0].tail()}")

    async def kill(self) -> None:
        for w in self.workers:
            await w.kill()


def _update(line: Line, base: datetime) -> dict[str, Any]:
    from bench.bench_telegram import realistic_updates

    message: dict[str, Any] = realistic_updates([line], base)[0]["message"]
    return message


def burst(lines: list[Line], round_number: int) -> list[Line]:
    """The round's lines, then one command per group (the reply to it comes after the group's last message)."""
    end = lines[-1].at
    closing = [Line(SENTINEL_BASE + round_number * GROUPS + g, "command", "/whoami", g,
                    g + GROUPS * (round_number % (MEMBERS // GROUPS)), end + 1 + g * 0.01) for g in range(GROUPS)]
    return lines + closing


async def one_pass(side: Side, lines: list[Line], base: datetime) -> dict[str, float]:
    """Start the side, queue `lines` at once, wait until every command is answered; seconds and counts."""
    api = side.api
    messages = [_update(line, base) for line in lines]
    expected = {(m["chat"]["id"], m["message_id"]) for m, line in zip(messages, lines) if line.kind == "command"}
    await side.start()
    meter = CpuMeter([w.process.pid for w in side.workers if w.process is not None], side.postmaster)
    try:
        meter.start()
        started = time.perf_counter()
        for m in messages:
            api.push_update(message=m)
        deadline = time.monotonic() + PASS_TIMEOUT
        while not expected <= api.first_reply.keys():
            if time.monotonic() > deadline:
                missing = len(expected - api.first_reply.keys())
                raise RuntimeError(f"{side.label}: {missing} of {len(expected)} commands unanswered after "
                                   f"{PASS_TIMEOUT:g} s ({api.queued()} updates not fetched)")
            await asyncio.sleep(0.005)
        seconds = max(api.first_reply[k] for k in expected) - started
        cpu = meter.stop()
        fetched = api.queued()
        intake = (api.drained or started) - started
    finally:
        await side.stop()
    quoting = Tally((int(c.params["chat_id"]), int(c.params["reply_parameters"]["message_id"])) for c in api.answered
                    if c.method == "sendMessage" and isinstance(c.params.get("reply_parameters"), dict))
    return {"seconds": seconds, "updates": len(lines), "commands": len(expected),
            "duplicates": sum(n - 1 for k, n in quoting.items() if k in expected),
            "sent": sum(1 for c in api.answered if c.method == "sendMessage"), "left": fetched, "intake": intake,
            **{f"cpu {part}": value for part, value in cpu.items()}}


async def setup(side: Side, base: datetime) -> None:
    """The community's data before the first pass: the library (bench.realistic) and two assignments."""
    from bench.bench_search import build
    from core.engines import open_storage

    db = await open_storage(side.database)
    try:
        await build(db, LIBRARY_ITEMS)
    finally:
        await db.close()
    trainer = {"id": int(TRAINER_ID), "is_bot": False, "first_name": "Tigist", "username": "trainer"}
    group = {"id": -1001000000000, "type": "supergroup", "title": "Midwives cohort 0"}
    texts = ["/homework add Partograph case study | due in 7 days | Read the case and answer the five questions",
             "/homework add PPH drill report | due in 10 days | Describe your last drill in ten lines"]
    await side.start()
    try:
        for i, text in enumerate(texts):
            side.api.push_update(message={"message_id": SETUP_BASE + i, "date": int(base.timestamp()), "chat": group,
                                          "from": trainer, "text": text,
                                          "entities": [{"type": "bot_command", "offset": 0, "length": 9}]})
        deadline = time.monotonic() + PASS_TIMEOUT
        while len(side.api.first_reply) < len(texts):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{side.label}: the trainer's assignments were not answered")
            await asyncio.sleep(0.02)
    finally:
        await side.stop()


def describe(result: Result, sides: list[Side], times: dict[str, list[float]],
             checks: dict[str, list[dict[str, float]]], updates: int) -> None:
    """The figures (updates/s, ratio to SQLite) and the table of where the CPU went."""
    sqlite = updates / median(times["sqlite"])
    first_pg = next(side.name for side in sides if side.on_pg)
    rows = ["| side | updates/s | vs SQLite | vs PG x1 | CPU s per 1,000 updates: workers / PostgreSQL / benchmark "
            "(fake Bot API) | cores used by the pass / by other programs / idle (of " + str(os.cpu_count()) + ") | "
            "last update fetched at | split of the workers' CPU |", "|---|---:|---:|---:|---|---|---:|---|"]
    for side in sides:
        rate = updates / median(times[side.name])
        vs_sqlite = median(a / b for a, b in zip(times["sqlite"], times[side.name]))
        vs_pg1 = median(a / b for a, b in zip(times[first_pg], times[side.name]))
        name = f"updates/s, burst of {updates:,}, {side.label}"
        if side.on_pg:
            result.add(name, rate, "updates/s", baseline=sqlite, baseline_label="updates/s, SQLite, 1 process", ratio=vs_sqlite)
        else:
            result.add(name, rate, "updates/s")
        timed = checks[side.name][1:]  # the warm-up round is left out
        per = {part: median(c[f"cpu {part}"] * 1000 / c["updates"] for c in timed) for part in ("workers", "server", "bench")}
        ours = median((c["cpu workers"] + c["cpu server"] + c["cpu bench"]) / c["seconds"] for c in timed)
        others = median(c["cpu others"] / c["seconds"] for c in timed)
        idle = median(c["cpu idle"] / c["seconds"] for c in timed)
        fetched = median(c["intake"] / c["seconds"] for c in timed)
        split = [median(c[f"cpu worker {n}"] / c["cpu workers"] for c in timed) for n in range(side.count)]
        rows.append(f"| {side.label} | {rate:,.0f} | {vs_sqlite:.2f}x | {f'{vs_pg1:.2f}x' if side.on_pg else ''} | "
                    f"{per['workers']:.2f} / {per['server']:.2f} / {per['bench']:.2f} | {ours:.2f} / {others:.2f} / {idle:.2f} | {fetched:.0%} of the pass | {' / '.join(f'{share:.0%}' for share in sorted(split, reverse=True))} |")
    result.sections["Per side: throughput and where the CPU went (medians of the timed passes)"] = "\n".join(rows)


async def run(quick: bool) -> Result:
    from core.testing_pg import PgServer, PgUnavailable

    result = Result("workers", "Workers: real `practica run` processes, 1 / 2 / 4 workers on PostgreSQL vs one on SQLite")
    result.plugins = builtin_plugins()
    count = 400 if quick else 3_000
    passes = 1 if quick else 4
    try:
        server = PgServer.start()
    except PgUnavailable as error:
        result.notes.append(f"FAILED: PostgreSQL not available: {error}")
        return result
    folder = tempfile.TemporaryDirectory(prefix="practica-bench-workers-")
    api_class = _api_class()
    apis: list[Any] = []
    sides: list[Side] = []
    try:
        postmaster = int((server.data / "postmaster.pid").read_text().split()[0])
        for name, workers in SIDES:
            api = await api_class().__aenter__()
            apis.append(api)
            database = await server.new_database() if workers else str(Path(folder.name) / name / "practica.db")
            sides.append(Side(name, workers, Path(folder.name) / name.replace(" ", ""), database, api, postmaster))
        base = datetime.now(timezone.utc) - timedelta(days=1)
        for side in sides:
            await setup(side, base)
        rounds = Rounds(count)
        counters = {side.name: Counter(rounds) for side in sides}
        times: dict[str, list[float]] = {side.name: [] for side in sides}
        checks: dict[str, list[dict[str, float]]] = {side.name: [] for side in sides}
        for number in range(passes + 1):  # round 0 is the warm-up
            for side in sides:
                lines = burst(counters[side.name].next(), number)
                outcome = await one_pass(side, lines, base)
                checks[side.name].append(outcome)
                if number:
                    times[side.name].append(outcome["seconds"])
                print(f"  round {number} {side.label}: {outcome['updates'] / outcome['seconds']:,.0f} updates/s "
                      f"({outcome['seconds']:.2f} s)", flush=True)
        updates = count + GROUPS
        describe(result, sides, times, checks, updates)
        result.notes.append(
            f"{passes} timed round(s) after a warm-up round; a round is one pass of each side in turn (SQLite, PG x1, "
            f"PG x2, PG x4), and every side gets the same {count:,} lines of the realistic stream in a round (bench/stream.py: "
            f"{MEMBERS} members in {GROUPS} groups; 72% plain text, 15% replies, 10% commands that read and write: /help, "
            f"/whoami, /search, /top, /rules, /homework; 3% links) plus one /whoami closing each group, queued at once. "
            f"Before the first round a trainer posted two assignments and the library holds {LIBRARY_ITEMS} items. "
            f"Ratios are medians of the rounds' ratios.")
        all_checks = [c for side in sides for c in checks[side.name]]
        result.notes.append(
            f"Every command of every pass was answered ({sum(int(c['commands']) for c in all_checks):,} commands in "
            f"{len(all_checks)} passes, {sum(int(c['duplicates']) for c in all_checks)} answered twice, "
            f"{sum(int(c['sent']) for c in all_checks):,} sendMessage calls in all) and every update was fetched "
            f"({sum(int(c['left']) for c in all_checks)} left queued). Processes are started before and stopped after "
            f"each pass (neither is timed); the fake Bot API runs in the benchmark's own process, on the same "
            f"{os.cpu_count()} CPU(s) as the workers and the PostgreSQL server.")
        result.notes.append(NOTE)
    finally:
        for side in sides:
            await side.kill()
        for api in apis:
            await api.__aexit__(None, None, None)
        server.stop()
        folder.cleanup()
    return result
