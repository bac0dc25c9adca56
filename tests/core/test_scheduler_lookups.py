"""A plugin's job lookups read its own rows only: listing, keyed lookups, key prefixes and cancelling
cost the same whether 1,000 or 20,000 jobs of other plugins are pending (SQLite instructions counted,
no clock), and each walks an index."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core.scheduler import iso, key_range
from tests.core.test_scheduler import START, Probe, probe_ctx
from tests.sqlwork import plan, record_statements, vm_steps
from tests.engines import SQLITE_ONLY, practica_engine  # noqa: F401 - every test on SQLite and PostgreSQL


async def _bot(make_bot: Any, others: int) -> Any:
    probe = Probe()
    bot = await make_bot(plugins=set(), extra_plugins={"probe": probe})
    ctx = probe_ctx(bot)
    for n in range(5):
        await ctx.jobs.schedule("once", START + timedelta(days=1, minutes=n), key=f"remind:7:{n}")
    await ctx.jobs.schedule("weekly", START + timedelta(days=2), key="digest:default")
    # Another plugin's pending jobs, due before ours and with keys of the same shapes.
    await bot.runtime.storage.executemany(
        "INSERT INTO practica_jobs (plugin, kind, community, payload, run_at, anchor, key, created_at) "
        "VALUES ('other', 'bulk', 'default', '{}', ?, NULL, ?, ?)",
        [(iso(START + timedelta(hours=1, seconds=i)), f"remind:{i}:0", iso(START)) for i in range(others)])
    return bot


async def _lookups(bot: Any, log: Any) -> dict[str, tuple[str, tuple[Any, ...]]]:
    """What each lookup sent to the database, and what it answered."""
    ctx = probe_ctx(bot)
    out = {}
    for name, call in (("list", lambda: ctx.jobs.list("once")),
                       ("prefix", lambda: ctx.jobs.list(key_prefix="remind:7:")),
                       ("pending", lambda: ctx.jobs.pending("digest:default")),
                       ("cancel", lambda: ctx.jobs.cancel_prefix("remind:9:"))):
        log.clear()
        log.recording = True
        await call()
        log.recording = False
        [out[name]] = log.matching("practica_jobs")
    return out


@SQLITE_ONLY
async def test_lookups_cost_the_same_with_twenty_times_more_jobs_of_other_plugins(make_bot, monkeypatch):
    log = record_statements(monkeypatch)
    small, large = await _bot(make_bot, 1_000), await _bot(make_bot, 20_000)
    ctx = probe_ctx(large)
    assert [j.key for j in await ctx.jobs.list("once")] == [f"remind:7:{n}" for n in range(5)]
    assert [j.key for j in await ctx.jobs.list(key_prefix="remind:7:")] == [f"remind:7:{n}" for n in range(5)]
    assert (await ctx.jobs.pending("digest:default")).kind == "weekly"
    assert await ctx.jobs.pending("remind:1:0") is None  # another plugin's key
    assert await ctx.jobs.cancel_prefix("remind:1") == 0  # never cancels another plugin's jobs

    costs = {}
    for label, bot in (("small", small), ("large", large)):
        costs[label] = {name: vm_steps(bot.database, sql, params) for name, (sql, params) in (await _lookups(bot, log)).items()}
    for name in costs["small"]:
        assert costs["large"][name] <= costs["small"][name] * 1.2 + 200, (name, costs)
    for name, (sql, params) in (await _lookups(large, log)).items():
        used = plan(large.database, sql, params)
        assert "SCAN" not in used and ("practica_jobs_plugin" in used or "practica_jobs_key" in used), (name, used)


def test_key_ranges_hold_exactly_the_keys_with_the_prefix():
    keys = ["remind:7:", "remind:7:0", "remind:7:\uffff", "remind:8", "remind:7", "remind:70", "remind:7;", "rémind:7:1"]
    low, high = key_range("remind:7:")
    assert sorted(k for k in keys if low <= k < high) == sorted(k for k in keys if k.startswith("remind:7:"))
    assert key_range("a\U0010ffff") == ("a\U0010ffff", "b")
    assert key_range("\ud7ff") == ("\ud7ff", "\ue000")
    assert key_range("") is None
