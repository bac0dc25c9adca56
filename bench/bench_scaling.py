"""Scaling: does the cost of one unit of work grow with what is around it? Four axes, each at growing
sizes, each figure with its ratio to the smallest size measured in the same run (passes of the sizes
interleaved, medians / percentiles over all passes):

- chats 1 -> 1,000: the same stream of group messages (10% commands) spread over more chats;
- members 1k -> 100k: /top, /rank, /progress (and /whoami, which reads no member list) in a community of
  N members with points, levels, a few hidden members and teams, while members post, newcomers arrive,
  levels and points change between the commands;
- items 10k -> 1M: /search's code path per query kind, against a bare FTS5 bm25 query on the same index,
  and /resources' reads (the overview, a tag's page);
- jobs 100k -> 1M pending: start to ready, and a plugin's job lookups (list, keyed lookup, key prefix).

Databases are built in bulk (one transaction, indexes and the FTS5 index built once at the end) in
temporary folders; the schema always comes from the real migrations.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.common import (PLUGIN_SETTINGS, Result, builtin_plugins, chat_texts, enabled_five, median, percentile,
                          start_runtime, utc_now)

PLUGIN_SETTINGS.setdefault("scaling", {
    "moderation": {"require_accept": False, "flood_messages": 0},
    "leaderboards": {"modules": {"pph": "PPH", "sepsis": "Sepsis", "hbb": "Helping Babies Breathe"}},
})
GROUPS = [f"telegram:{-1002000000000 - g}" for g in range(20)]
BOARD_P95_MS = 5.0
BOARD_THROUGHPUT = 0.9
SEARCH_P95_MS = 25.0
EXACT_RATIO = 1.5
READY_S = 1.0


def _scaling_row(axis: str, unit: str, sizes: Sequence[int], values: Sequence[float], fmt: str = "{:.2f}") -> str:
    """One line of the scaling table: the figure at each size, then each one's ratio to the smallest size."""
    shown = " / ".join(fmt.format(v) for v in values)
    ratios = " / ".join(f"{v / values[0]:.2f}x" if values[0] else "-" for v in values)
    return f"| {axis} | {unit} | {' / '.join(f'{s:,}' for s in sizes)} | {shown} | {ratios} |"


# ------------------------------------------------------------------------------------------ bulk loading


def bulk_insert(path: str, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]], *,
                fts: str | None = None) -> None:
    """Insert `rows` in one transaction with the table's indexes (and FTS5 insert trigger) dropped, then
    build them again from their stored definitions: much faster than maintaining them row by row."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")  # a fresh table: no WAL copy of every new page
        conn.execute("PRAGMA synchronous=OFF")
        indexes = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                               "AND sql IS NOT NULL", (table,)).fetchall()
        triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? "
                                "AND sql LIKE '%AFTER INSERT%'", (table,)).fetchall() if fts else []
        conn.execute("BEGIN")
        for name, _ in indexes:
            conn.execute(f"DROP INDEX {name}")
        for name, _ in triggers:
            conn.execute(f"DROP TRIGGER {name}")
        conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})", rows)
        for _, sql in indexes:
            conn.execute(sql)
        for _, sql in triggers:
            conn.execute(sql)
        if fts:
            conn.execute(f"INSERT INTO {fts} ({fts}) VALUES ('rebuild')")
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()


async def _schema(folder: Path, name: str, plugins: list[str], **kwargs: Any) -> str:
    """A database file with every migration of `plugins` applied (a runtime started and stopped on it)."""
    path = str(folder / f"{name}.db")
    bench = await start_runtime(plugins, database=path, **kwargs)
    await bench.runtime.stop()
    bench.folder.cleanup()
    return path


def _event(i: int, chat: str, user: int, text: str, when: Any) -> Any:
    from core.events import ChatRef, MessageEvent, User

    platform, chat_id = chat.split(":", 1)
    return MessageEvent(id=f"s{i}", chat=ChatRef(platform, chat_id, "group", f"Cohort {chat_id[-2:]}"),
                        author=User("telegram", str(user), f"Member {user}", f"member{user}"), text=text, timestamp=when)


class Clock:
    """Unique, increasing event ids and timestamps across every stream of the run."""

    def __init__(self) -> None:
        self.n = 0
        self.base = utc_now() - timedelta(hours=1)

    def next(self) -> tuple[int, Any]:
        self.n += 1
        return self.n, self.base + timedelta(milliseconds=self.n)


# ------------------------------------------------------------------------------------------ chats


async def chats_axis(result: Result, quick: bool, folder: Path, rows: list[str]) -> None:
    sizes = (1, 10, 100) if quick else (1, 10, 100, 1_000)
    n, passes = (600, 2) if quick else (2_000, 5)
    five = enabled_five(builtin_plugins())
    bench = await start_runtime(["essentials", *five], settings="defaults", database=str(folder / "chats.db"))
    rt = bench.runtime
    texts = chat_texts(n, 21)
    rng = random.Random(3)
    plan = [(rng.randrange(2_000), texts[i] if rng.random() > 0.1 else ("/whoami", "/help")[i % 2]) for i in range(n)]
    clock = Clock()

    async def one(size: int) -> float:
        events = []
        for i, (user, text) in enumerate(plan):
            number, when = clock.next()
            events.append(_event(number, f"telegram:{-1003000000000 - i % size}", 40_000 + user, text, when))
        started = time.perf_counter()
        for event in events:
            await rt.deliver(event)
        await rt.idle()
        return n / (time.perf_counter() - started)

    try:
        for size in sizes:  # warm-up: every lane and per-chat queue exists once
            await one(size)
        rates: dict[int, list[float]] = {s: [] for s in sizes}
        for _ in range(passes):
            for size in sizes:
                rates[size].append(await one(size))
        values = [median(rates[s]) for s in sizes]
        for size, value in zip(sizes, values):
            result.add(f"chats: events/s, {n:,} events over {size:,} chat(s)", value, "events/s", baseline=values[0],
                       baseline_label="events/s, 1 chat")
        rows.append(_scaling_row("chats", "events/s", sizes, values, "{:,.0f}"))
        result.notes.append(f"chats: {n:,} events per pass (90% plain messages, 10% /help or /whoami, 2,000 members), "
                            f"the same stream spread over 1 to {sizes[-1]:,} group chats; five plugins at their defaults; "
                            f"{passes} interleaved passes after a warm-up, medians.")
    finally:
        await bench.close()


# ------------------------------------------------------------------------------------------ members


def _members_rows(size: int) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    from core.storage import to_utc_text as iso

    now = utc_now()
    rng = random.Random(size)
    stamp = iso(now - timedelta(days=2))
    members = [("default", f"telegram:{30_000 + i}", "telegram", str(30_000 + i), f"Member {30_000 + i}", f"member{30_000 + i}", 0,
                 stamp, stamp, 1) for i in range(size)]
    ledger, levels, profiles = [], [], []
    for i in range(size):
        uid = f"telegram:{30_000 + i}"
        for k in range(3):
            when = iso(now - timedelta(days=rng.randint(0, 40), minutes=rng.randint(0, 1_400)))
            ledger.append(("default", uid, rng.choice((1, 2, 3, 5, 10, 20)), ("homework", "quiz", "resource")[k], "", f"seed:{i}:{k}", None, when))
        for module in ("pph", "sepsis", "hbb"):
            levels.append(("default", uid, module, rng.choice((1, 2, 2, 3, 3)), 1, stamp))
        if i % 100 == 0 or i % 20 == 1:
            profiles.append(("default", uid, f"Clinic {i % 40}" if i % 20 == 1 else None, int(i % 100 == 0), 0))
    return {
        "practica_members": (["community", "uid", "platform", "user_id", "name", "handle", "is_bot", "first_seen", "last_seen", "active"], members),
        "leaderboards_ledger": (["community", "member", "points", "source", "reason", "reference", "actor", "created_at"], ledger),
        "leaderboards_levels": (["community", "member", "module", "level", "confirmed", "updated_at"], levels),
        "leaderboards_profiles": (["community", "member", "team", "hidden", "champion_announced"], profiles),
    }


COMMAND_KINDS = ("/top", "/rank", "/progress", "/top teams", "/whoami")


async def members_axis(result: Result, quick: bool, folder: Path, rows: list[str]) -> None:
    sizes = (1_000, 10_000) if quick else (1_000, 10_000, 100_000)
    per_kind, passes = (8, 2) if quick else (50, 6)
    plugins = ["essentials", "leaderboards"]
    benches: dict[int, Any] = {}
    first: dict[int, dict[str, float]] = {}
    clock = Clock()
    rng = random.Random(5)
    try:
        for size in sizes:
            path = await _schema(folder, f"members-{size}", plugins, settings="scaling", chats=GROUPS)
            for table, (columns, data) in _members_rows(size).items():
                bulk_insert(path, table, columns, data)
            t0 = time.perf_counter()
            benches[size] = await start_runtime(plugins, settings="scaling", chats=GROUPS, database=path)
            first[size] = {"start": time.perf_counter() - t0}

        async def command(size: int, text: str, user: int) -> float:
            rt = benches[size].runtime
            number, when = clock.next()
            event = _event(number, GROUPS[number % 20], user, text, when)
            started = time.perf_counter()
            await rt.deliver(event)
            await rt.idle()
            return time.perf_counter() - started

        async def living(size: int, step: int) -> None:
            """What happens between two commands: a member posts; now and then a newcomer, a level, points."""
            await command(size, "thanks, that helped", 30_000 + rng.randrange(size))
            if step % 5 == 0:
                await command(size, "hello, I just joined", 90_000 + clock.n)
            if step % 10 == 3:
                await command(size, f"/level {rng.choice(['pph', 'sepsis', 'hbb'])} expert", 30_000 + rng.randrange(size))
            if step % 10 == 7:
                await command(size, f"/points @member{30_000 + rng.randrange(size)} +2 helped a colleague", 900)

        def text_of(kind: str, size: int) -> tuple[str, int]:
            member = 30_000 + rng.randrange(size)
            if kind == "/top":
                return rng.choice(("/top", "/top all", "/top month")), member
            if kind == "/rank":
                return (f"/rank @member{30_000 + rng.randrange(size)}" if rng.random() < 0.5 else "/rank"), member
            return kind, member

        for size in sizes:  # the first of each counts the board / the learners once
            for kind, text in (("top", "/top all"), ("top week", "/top"), ("top month", "/top month"), ("progress", "/progress")):
                first[size][kind] = await command(size, text, 30_001)
            for kind in COMMAND_KINDS:
                await command(size, text_of(kind, size)[0], 30_002)
        latencies: dict[tuple[int, str], list[float]] = {(s, k): [] for s in sizes for k in COMMAND_KINDS}
        board = ("/top", "/rank", "/progress")
        pass_rates: dict[int, list[float]] = {s: [] for s in sizes}
        for _ in range(passes):
            for size in sizes:
                order = [k for k in COMMAND_KINDS for _ in range(per_kind)]
                random.Random(clock.n).shuffle(order)
                spent = 0.0
                for step, kind in enumerate(order):
                    await living(size, step)
                    text, user = text_of(kind, size)
                    seconds = await command(size, text, user)
                    latencies[(size, kind)].append(seconds)
                    spent += seconds if kind in board else 0.0
                pass_rates[size].append(per_kind * len(board) / spent)
        for kind in COMMAND_KINDS:
            p95s = [percentile(latencies[(s, kind)], 95) * 1000 for s in sizes]
            for size, p95 in zip(sizes, p95s):
                target = f"<= {BOARD_P95_MS:g} ms at 100k" if kind in board and size == 100_000 else ""
                result.add(f"members: {kind} p95 at {size:,} members", p95, "ms", baseline=p95s[0],
                           baseline_label=f"ms at {sizes[0]:,} members", target=target,
                           met=p95 <= BOARD_P95_MS if target else None)
            rows.append(_scaling_row("members", f"{kind} p95 ms", sizes, p95s))
        rates = [median(pass_rates[s]) for s in sizes]
        for size, rate in zip(sizes, rates):
            big = size == sizes[-1] and size >= 100_000
            result.add(f"members: /top + /rank + /progress commands/s at {size:,} members", rate, "commands/s",
                       baseline=rates[0], baseline_label=f"commands/s at {sizes[0]:,} members",
                       target=f">= {BOARD_THROUGHPUT:g}x of 1k" if big else "", met=rate >= BOARD_THROUGHPUT * rates[0] if big else None)
        rows.append(_scaling_row("members", "board commands/s", sizes, rates, "{:,.0f}"))
        for kind in ("start", "top", "top week", "top month", "progress"):
            values = [first[s][kind] * 1000 for s in sizes]
            label = {"start": "start to ready (members read into memory)", "top": "first /top all after a start (counts the board)",
                     "top week": "first /top after a start (counts the week)",
                     "top month": "first /top month after a start (counts the month)", "progress": "first /progress after a start (counts the learners)"}[kind]
            for size, value in zip(sizes, values):
                result.add(f"members: {label}, {size:,} members", value, "ms", baseline=values[0],
                           baseline_label=f"ms at {sizes[0]:,} members")
            rows.append(_scaling_row("members", f"{label} ms", sizes, values, "{:,.1f}"))
        result.notes.append(f"members: {per_kind} of each command per pass and size ({', '.join(COMMAND_KINDS)}; /top as week, "
                            f"month or all, /rank of oneself or of another member), {passes} passes interleaved across sizes; "
                            "between two commands a member posts, every 5th a newcomer arrives, every 10th a level is "
                            "recorded and points are given. Each community has 3 ledger rows and 3 levels per member, 1% "
                            "hidden from the boards, 5% in teams. Latency = command in until its reply is delivered; "
                            "commands/s = board commands of a pass / the time they took, median of the passes. /whoami "
                            "reads no member list: its ratio shows the machine's noise between sizes. /top teams: 40 teams, "
                            "5% of the community in them.")
    finally:
        for bench in benches.values():
            await bench.close()


# ------------------------------------------------------------------------------------------ items


def _item_base(count: int) -> list[tuple[Any, ...]]:
    """`count` distinct synthetic items (bench_search's generator) as resources_items rows."""
    from bench.bench_search import items
    from plugins.resources import store
    from plugins.resources.services import search

    distinct = items(count)
    base = []
    for item in distinct:
        values = {"community": "default", "kind": "document", "title": item["title"], "tags": item["tags"],
                  "body": item["body"], "language": item["language"], "url": None, "url_key": None, "file_ref": None,
                  "file_platform": None, "file_name": None, "mime": None, "size": None, "source_chat": "telegram:-1001",
                  "source_message": None, "author_uid": "telegram:1000", "author_name": "Member", "author_handle": None,
                  "added_by": "telegram:1000", "added_at": "2026-11-01T08:00:00.000000Z",
                  "variants": search.variants(item["title"], item["tags"], item["body"])}
        base.append(tuple(values[c] for c in store.ITEM_COLUMNS))
    return base


async def items_axis(result: Result, quick: bool, folder: Path, rows: list[str]) -> None:
    from bench.bench_search import QUERIES
    from core.storage import Storage
    from plugins.resources import store
    from plugins.resources.services import search

    sizes = (10_000, 100_000) if quick else (10_000, 100_000, 1_000_000)
    repeat = 3 if quick else 8
    dbs: dict[int, Any] = {}
    built = []
    base = _item_base(min(sizes[-1], 100_000))  # larger libraries repeat these texts under new numbers
    before_counts = store.MIGRATIONS[:store.MIGRATIONS.index(store.BROWSING_READY)]
    tags_at = store.ITEM_COLUMNS.index("tags")
    try:
        for size in sizes:
            path = str(folder / f"items-{size}.db")
            db = await Storage.open(path)
            await db.migrate("resources", before_counts)
            await db.close()
            t0 = time.perf_counter()
            library = [base[i % len(base)] for i in range(size)]
            bulk_insert(path, "resources_items", store.ITEM_COLUMNS, library, fts="resources_fts")
            bulk_insert(path, "resources_item_tags", ("item_id", "community", "tag"),
                        [(n, "default", tag) for n, row in enumerate(library, 1) for tag in row[tags_at].split()])
            db = await Storage.open(path)
            await db.migrate("resources", store.MIGRATIONS)  # /resources' kept counts, made as an upgrade makes them
            await db.close()  # the last connection closed: its log is written into the file before measuring
            built.append(f"{size:,} items in {time.perf_counter() - t0:.1f} s")
            dbs[size] = await Storage.open(path)
            await search.prepare(dbs[size])
        os.sync()  # the freshly written files go to disk before measuring, not during
        ours: dict[tuple[int, str], list[float]] = {(s, k): [] for s in sizes for k in QUERIES}
        bare: dict[tuple[int, str], list[float]] = {(s, k): [] for s in sizes for k in QUERIES}
        for size in sizes:  # warm-up
            for queries in QUERIES.values():
                for q in queries:
                    await search.search(dbs[size], "default", q, limit=11)
                    await search.bare_search(dbs[size], q, limit=11)
        for i in range(repeat):
            for size in sizes:
                for kind, queries in QUERIES.items():
                    for q in queries:
                        sides = [(ours, lambda db=dbs[size], q=q: search.search(db, "default", q, limit=11)),
                                 (bare, lambda db=dbs[size], q=q: search.bare_search(db, q, limit=11))]
                        for into, run in sides if i % 2 == 0 else reversed(sides):  # each side first half the time:
                            t0 = time.perf_counter()  # the second one finds the query's pages cached by the first
                            await run()
                            into[(size, kind)].append((time.perf_counter() - t0) * 1000)
        for kind in QUERIES:
            p95s = [percentile(ours[(s, kind)], 95) for s in sizes]
            exact = kind in ("single term", "three terms")
            for size, p95 in zip(sizes, p95s):
                b95 = percentile(bare[(size, kind)], 95)
                checks = []
                if size >= 1_000_000:
                    checks.append((f"p95 <= {SEARCH_P95_MS:g} ms", p95 <= SEARCH_P95_MS))
                if kind == "three terms":
                    checks.append((f"<= {EXACT_RATIO:g}x bare", p95 <= EXACT_RATIO * b95))
                result.add(f"items: /search {kind} p95 at {size:,} items", p95, "ms", baseline=b95 if exact else p95s[0],
                           baseline_label="ms bare FTS5 p95" if exact else f"ms at {sizes[0]:,} items",
                           target=" and ".join(c for c, _ in checks), met=all(ok for _, ok in checks) if checks else None)
            rows.append(_scaling_row("items", f"/search {kind} p95 ms", sizes, p95s))
            if exact:
                rows.append(_scaling_row("items", f"bare FTS5 {kind} p95 ms", sizes, [percentile(bare[(s, kind)], 95) for s in sizes]))
        await _browse(result, sizes, repeat, dbs, rows)
        result.notes.append(f"items: built in bulk ({'; '.join(built)}: one transaction, the FTS5 index built at the end); "
                            f"6 queries per kind ({', '.join(QUERIES)}), {repeat} interleaved runs per query and size, ours "
                            "and the bare query (quoted words, no prefix, no community filter, no join) alternating. "
                            "For exact queries the ratio column is to the bare query; for prefix and typo to the smallest "
                            "library (the bare query does no prefix expansion or correction).")
    finally:
        for db in dbs.values():
            await db.close()


async def _browse(result: Result, sizes: Sequence[int], repeat: int, dbs: dict[int, Any], rows: list[str]) -> None:
    """/resources' reads at each library size: the overview (latest items, the item count, the top tags)
    and the page of a tag (its most used one, and one of the middle)."""
    from plugins.resources import store

    async def overview(db: Any) -> None:
        await store.recent_items(db, "default", 10)
        await store.count_items(db, "default")
        await store.top_tags(db, "default", 10)

    used = [row["tag"] for row in await store.top_tags(dbs[sizes[0]], "default", 1_000)]
    pages = {"overview": overview,
             f"#{used[0]} (the most used tag)": lambda db: store.tagged_items(db, "default", used[0], 10),
             f"#{used[len(used) // 2]} (a tag of the middle)": lambda db: store.tagged_items(db, "default", used[len(used) // 2], 10)}
    times: dict[tuple[int, str], list[float]] = {(s, k): [] for s in sizes for k in pages}
    for i in range(repeat + 1):  # the first pass warms the caches and is not counted
        for size in sizes:
            for name, read in pages.items():
                for _ in range(5):
                    t0 = time.perf_counter()
                    await read(dbs[size])
                    if i:
                        times[(size, name)].append((time.perf_counter() - t0) * 1000)
    for name in pages:
        p95s = [percentile(times[(s, name)], 95) for s in sizes]
        for size, p95 in zip(sizes, p95s):
            result.add(f"items: /resources {name} p95 at {size:,} items", p95, "ms", baseline=p95s[0],
                       baseline_label=f"ms at {sizes[0]:,} items")
        rows.append(_scaling_row("items", f"/resources {name} p95 ms", sizes, p95s))


# ------------------------------------------------------------------------------------------ jobs


def _job_rows(count: int) -> list[tuple[Any, ...]]:
    from core.storage import to_utc_text as iso

    now = utc_now()
    times = [iso(now + timedelta(days=1, seconds=s * 2_591)) for s in range(1_000)]
    created = iso(now)
    return [("benchjobs", "tick", "default", '{"n":%d}' % i, times[i % 1_000], None, None, times[i % 1_000], f"k{i}", created)
            for i in range(count)]


async def jobs_axis(result: Result, quick: bool, folder: Path, rows: list[str]) -> None:
    from bench.bench_scheduler import bench_plugin

    sizes = (10_000, 100_000) if quick else (100_000, 1_000_000)
    passes = 2 if quick else 5
    plugins = ["essentials", *enabled_five(builtin_plugins())]
    extra = {"benchjobs": bench_plugin([])}
    template = await _schema(folder, "jobs-empty", plugins, extra_plugins=extra)
    paths = {0: template}
    filled = []
    for size in sizes:
        paths[size] = str(folder / f"jobs-{size}.db")
        shutil.copyfile(template, paths[size])
        t0 = time.perf_counter()
        bulk_insert(paths[size], "practica_jobs", ["plugin", "kind", "community", "payload", "run_at", "rrule", "tz", "anchor",
                                                   "key", "created_at"], _job_rows(size))
        filled.append(f"{size:,} in {time.perf_counter() - t0:.1f} s")
    os.sync()
    ready: dict[int, list[float]] = {s: [] for s in paths}
    lookups: dict[tuple[int, str], list[float]] = {}

    async def timed(size: int, name: str, call: Callable[[], Awaitable[Any]]) -> None:
        for _ in range(5):
            t0 = time.perf_counter()
            await call()
            lookups.setdefault((size, name), []).append((time.perf_counter() - t0) * 1000)

    for _ in range(passes):
        for size, path in paths.items():
            t0 = time.perf_counter()
            bench = await start_runtime(plugins, extra_plugins=extra, database=path)
            await bench.runtime.scheduler.idle()
            ready[size].append(time.perf_counter() - t0)
            scheduler = bench.runtime.scheduler
            if size:
                key = f"k{size // 2}"
                await timed(size, "a small plugin's jobs (ctx.jobs.list)", lambda: scheduler.jobs("homework"))
                await timed(size, "one keyed job (ctx.jobs.pending)", lambda: scheduler.pending("benchjobs", key))
                await timed(size, "a key prefix (ctx.jobs.list(key_prefix=...))",
                            lambda: scheduler.jobs("benchjobs", key_prefix=key + "0"))
            await bench.runtime.stop()
            bench.folder.cleanup()
    values = [median(ready[s]) for s in sizes]
    for size, value in zip(sizes, values):
        big = size >= 1_000_000
        result.add(f"jobs: start to ready with {size:,} pending jobs", value, "s", baseline=median(ready[0]),
                   baseline_label="s, empty job table", target=f"<= {READY_S:g} s" if big else "",
                   met=value <= READY_S if big else None)
    rows.append(_scaling_row("jobs", "start to ready s", sizes, values, "{:.3f}"))
    for name in ("a small plugin's jobs (ctx.jobs.list)", "one keyed job (ctx.jobs.pending)", "a key prefix (ctx.jobs.list(key_prefix=...))"):
        medians = [median(lookups[(s, name)]) for s in sizes]
        for size, value in zip(sizes, medians):
            result.add(f"jobs: {name} with {size:,} pending", value, "ms", baseline=medians[0],
                       baseline_label=f"ms with {sizes[0]:,}")
        rows.append(_scaling_row("jobs", f"{name} ms", sizes, medians, "{:.3f}"))
    result.notes.append(f"jobs: pending jobs of one plugin due in 1 to 30 days, stored in bulk ({'; '.join(filled)}); "
                        f"{passes} interleaved starts per size (every built-in plugin, their startup hooks included); "
                        "'ready' = Runtime.start() returned and the sleeper waits for the next due job.")


# ------------------------------------------------------------------------------------------ run


async def run(quick: bool) -> Result:
    result = Result("scaling", "Scaling: chats 1 -> 1,000, members 1k -> 100k, items 10k -> 1M, jobs 100k -> 1M")
    result.plugins = builtin_plugins()
    rows: list[str] = []
    with tempfile.TemporaryDirectory(prefix="practica-bench-scaling-") as name:
        folder = Path(name)
        for axis in (chats_axis, members_axis, items_axis, jobs_axis):
            t0 = time.perf_counter()
            await axis(result, quick, folder, rows)
            result.notes.append(f"({axis.__name__.split('_')[0]}: {time.perf_counter() - t0:.0f} s)")
            await asyncio.sleep(0)
    header = ["| axis | figure | sizes | value at each size | ratio to the smallest size |", "|---|---|---|---|---|"]
    result.sections["Scaling table"] = "\n".join([*header, *rows])
    json.dumps(result.to_json())  # fail here, not in the runner, if a figure is not serializable
    return result
