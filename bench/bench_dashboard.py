"""Dashboard: time to first byte (p50/p95) of the learning-progress page at 100, 1,000, 10,000 and 100,000
members, against the same server's static htmx file (the baseline: HTTP and uvicorn alone), and page weights;
the overview and homework pages' TTFB; and the longest the bot's loop was held while a page was made (the
dashboard shares the bot's loop: a long hold delays every chat's answer).

Members and their MyLearning levels are written straight into a fresh database through the plugins' own
migrations; the page is then fetched over loopback HTTP with a signed-in session, as a coordinator would.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import Result, builtin_plugins, percentile

TARGET_MS = 100.0
LIMIT_KB = 60.0
MODULES = {"pph": "Postpartum haemorrhage", "hbb": "Helping Babies Breathe", "ecsb": "Essential Care for Small Babies"}


async def _fetch(port: int, path: str, cookie: str) -> tuple[float, bytes]:
    """(seconds to the first byte of the response, the whole response) for one GET."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.perf_counter()
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: practica_session={cookie}\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    first = await reader.read(1)
    ttfb = time.perf_counter() - started
    rest = await reader.read()
    writer.close()
    return ttfb, first + rest


def _body(response: bytes) -> bytes:
    return response.split(b"\r\n\r\n", 1)[1]


async def _runtime(folder: Path, members: int) -> Any:
    from core.config import parse_config
    from core.runtime import Runtime
    from core.testing import FakeAdapter

    raw = {"practica": {"database": str(folder / f"dash-{members}.db")}, "dashboard": {"enabled": True, "port": 0},
           "plugins": {"leaderboards": {"modules": MODULES}},
           "communities": {"default": {"chats": ["telegram:g1"], "moderators": ["telegram:trainer"]}}}
    config = parse_config(raw, folder / "plugins.toml")
    holder: dict[str, Any] = {}

    class Host:
        async def deliver(self, event: Any, *, source: str | None = None) -> None:
            await holder["rt"].deliver(event, source=source)

        def configured_role(self, user: Any, chat: Any) -> Any:
            return holder["rt"].configured_role(user, chat)

    runtime = Runtime(config, adapters={"telegram": FakeAdapter("telegram", Host())},
                      only_plugins={"leaderboards", "moderation", "polls", "homework", "resources"})
    holder["rt"] = runtime
    runtime.outbox.budgets = {}
    await runtime.start()
    return runtime


async def _held(fetch: Any) -> tuple[float, float]:
    """(seconds to the first byte, the longest the loop went without a turn meanwhile) of `fetch()`."""
    done = asyncio.Event()
    longest = 0.0

    async def beat() -> None:
        nonlocal longest
        while not done.is_set():
            before = time.perf_counter()
            await asyncio.sleep(0.001)
            longest = max(longest, time.perf_counter() - before - 0.001)

    beating = asyncio.create_task(beat())
    await asyncio.sleep(0.005)
    try:
        ttfb = (await fetch())[0]
    finally:
        done.set()
        await beating
    return ttfb, longest


async def _populate(runtime: Any, members: int) -> None:
    rng = random.Random(members)
    day = "2026-11-20T08:00:00.000000Z"
    people = [(f"telegram:{i}", str(i), f"Member {i:05d}") for i in range(members)]
    await runtime.storage.executemany(
        "INSERT INTO practica_members (community, uid, platform, user_id, name, handle, is_bot, first_seen, last_seen, active) "
        "VALUES ('default', ?, 'telegram', ?, ?, NULL, 0, ?, ?, 1)", [(uid, uid_id, name, day, day) for uid, uid_id, name in people])
    levels = [(uid, module, rng.randint(1, 3), day) for uid, _, _ in people for module in MODULES if rng.random() < 0.7]
    await runtime.storage.executemany(
        "INSERT INTO leaderboards_levels (community, member, module, level, confirmed, updated_at) VALUES ('default', ?, ?, ?, 1, ?)",
        levels)
    await runtime.storage.execute(  # one assignment, handed in by 60% of the members (a third of them late)
        "INSERT INTO homework_assignments (id, community, title, due_at, chat_platform, chat_id, created_by, created_at) "
        "VALUES (1, 'default', 'Manikin practice', '2026-11-21T18:00:00.000000Z', 'telegram', 'g1', 'telegram:trainer', ?)", (day,))
    await runtime.storage.executemany(
        "INSERT INTO homework_submissions (assignment_id, uid, name, submitted_at, updated_at, on_time, via) "
        "VALUES (1, ?, ?, ?, ?, ?, 'command')", [(uid, name, day, day, int(rng.random() < 0.67)) for uid, _, name in people
                                                  if rng.random() < 0.6])
    await runtime.members.load()


async def _session(runtime: Any) -> str:
    from core.dashboard import auth
    from core.events import User

    trainer = User(platform="telegram", id="trainer", name="Trainer")
    token = await auth.issue_token(runtime.storage, trainer, runtime.clock.now())
    session = await auth.redeem(runtime.storage, token, runtime.clock.now(), 1)
    assert session is not None
    return session.id


async def run(quick: bool) -> Result:
    from core.heap import settle_after_start
    from plugins.leaderboards import store

    result = Result("dashboard", "Dashboard: progress, overview and homework pages at 100 / 1,000 / 10,000 / 100,000 "
                                 "members, the loop's longest hold, and page weights")
    result.plugins = builtin_plugins()
    sizes = (100, 1_000) if quick else (100, 1_000, 10_000, 100_000)
    repeat = 5 if quick else 30
    folder = tempfile.TemporaryDirectory(prefix="practica-bench-dashboard-")
    weights: list[str] = []
    try:
        for size in sizes:
            runtime = await _runtime(Path(folder.name), size)
            try:
                await _populate(runtime, size)
                settle_after_start()  # as `practica run` does once started on a database with these members (core.heap)
                cookie = await _session(runtime)
                port = runtime.dashboard.port
                first, first_held = await _held(lambda: _fetch(port, "/c/default/progress", cookie))  # builds what is kept
                result.add(f"progress page TTFB, first visit after start (one run), {size:,} members", first * 1000, "ms")
                result.add(f"progress page, first visit: longest hold of the loop, {size:,} members", first_held * 1000, "ms")
                cold, held = [], []
                for n in range(3 if quick else 5):  # right after a level changed (as /level records one): gathered again
                    store._levels_changed(runtime.storage, "default", f"telegram:{n}")
                    ttfb, longest = await _held(lambda: _fetch(port, "/c/default/progress", cookie))
                    cold.append(ttfb)
                    held.append(longest)
                result.add(f"progress page TTFB after a level change (median), {size:,} members",
                           percentile(cold, 50) * 1000, "ms")
                result.add(f"progress page after a level change: longest hold of the loop (median), {size:,} members",
                           percentile(held, 50) * 1000, "ms")
                for label, path in (("overview", "/c/default/"), ("homework", "/c/default/homework")):
                    timed = [await _held(lambda path=path: _fetch(port, path, cookie)) for _ in range(3 if quick else 7)]
                    result.add(f"{label} page TTFB (median), {size:,} members", percentile([t for t, _ in timed], 50) * 1000, "ms")
                    result.add(f"{label} page: longest hold of the loop (median), {size:,} members",
                               percentile([h for _, h in timed], 50) * 1000, "ms")
                ours: list[float] = []
                base: list[float] = []
                for _ in range(repeat):  # interleaved with the baseline
                    ours.append((await _fetch(port, "/c/default/progress", cookie))[0])
                    base.append((await _fetch(port, "/static/htmx.min.js", cookie))[0])
                p95, b95 = percentile(ours, 95) * 1000, percentile(base, 95) * 1000
                result.add(f"progress page TTFB p50, {size:,} members", percentile(ours, 50) * 1000, "ms")
                result.add(f"progress page TTFB p95, {size:,} members", p95, "ms", baseline=b95,
                           baseline_label="static file p95", target=f"< {TARGET_MS:.0f} ms at 10,000" if size == 10_000 else "",
                           met=p95 < TARGET_MS if size == 10_000 else None)
                for path in ("/c/default/", "/c/default/progress", "/c/default/champions", "/c/default/moderation",
                             "/c/default/homework", "/c/default/polls", "/c/default/questions", "/c/default/library"):
                    kb = len(_body((await _fetch(port, path, cookie))[1])) / 1024
                    weights.append(f"{size:>6,} members  {path:<24} {kb:6.1f} KB")
                    if path == "/c/default/progress":
                        result.add(f"progress page weight, {size:,} members", kb, "KB", target=f"< {LIMIT_KB:.0f} KB",
                                   met=kb < LIMIT_KB)
            finally:
                await runtime.stop()
    finally:
        folder.cleanup()
    result.sections["Page weights (HTML + CSS + SVG, without the vendored htmx)"] = "\n".join(weights)
    result.notes.append("The progress page shows 200 learners per page (the CSV export has every row); "
                        "the baseline is the same server answering with its static htmx file. Learners and their "
                        "levels are gathered once and kept, each visit catching up the persons whose levels or "
                        "membership changed (services/learners_table.py): the p95 figures are of the steady state, "
                        "the 'after a level change' figure is the first request after one. Homework: one assignment, the page "
                        "shows 200 members a page. The loop's hold: the longest gap of a task that sleeps 1 ms in a "
                        "loop while the page is made (the startup objects are frozen as by `practica run`, "
                        "core/heap.py).")
    return result
