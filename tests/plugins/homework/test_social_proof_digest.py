"""The anonymous social-proof post and the weekly digest."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from core import Reply

from .conftest import group_texts
from tests.engines import SQLITE_ONLY


def proofs(bot) -> list[str]:  # type: ignore[no-untyped-def]
    return [t for t in group_texts(bot.new_messages()) if "done homework" in t or "fait le devoir" in t]


async def test_social_proof_counts_and_names_nobody_who_has_not_submitted(homework_bot):
    bot = await homework_bot({"remind_before": []})
    await bot.send("/homework add Manikin | due in 3 days", user="trainer")
    bot.new_messages()
    await bot.send("/done 1", user="amina")
    posts = proofs(bot)
    assert posts == ["1 member of 3 has done homework #1 “Manikin”. Well done, keep going!"]
    await bot.advance(hours=1)
    await bot.send("/done 1", user="bekele")
    assert proofs(bot) == []  # at most one post per 6 hours
    await bot.advance(hours=4, minutes=59)
    assert proofs(bot) == []
    await bot.advance(minutes=1)
    posts = proofs(bot)
    assert posts == ["2 members of 3 have done homework #1 “Manikin”. Well done, keep going!"]
    assert "chala" not in posts[0].lower()
    await bot.advance(days=1)
    assert proofs(bot) == []  # nothing new to tell


@pytest.mark.parametrize("platform", ["console", "telegram"])
async def test_social_proof_agrees_with_its_count_in_french(homework_bot, platform):
    """French: "1 membre sur 3 a fait", "2 membres sur 3 ont fait" (never "1 membres ... ont fait")."""
    bot = await homework_bot({"remind_before": []}, platform=platform, community={"locale": "fr"})
    await bot.send("/homework add Mannequin | pour dans 3 jours", user="trainer")
    bot.new_messages()
    await bot.send("/fait 1", user="amina")
    assert proofs(bot) == ["1 membre sur 3 a fait le devoir n°1 « Mannequin ». Bravo, continuez !"]
    await bot.send("/done 1", user="bekele")
    await bot.advance(hours=6)
    assert proofs(bot) == ["2 membres sur 3 ont fait le devoir n°1 « Mannequin ». Bravo, continuez !"]


async def test_social_proof_can_be_turned_off(homework_bot):
    bot = await homework_bot({"social_proof_every": "off"})
    await bot.send("/homework add Manikin | due in 3 days", user="trainer")
    await bot.send("/done 1", user="amina")
    await bot.advance(hours=7)
    assert proofs(bot) == []


async def test_weekly_digest_lists_open_work_once_despite_restarts(homework_bot):
    bot = await homework_bot({"digest": "monday 08:00", "remind_before": []})
    await bot.send("/homework add Manikin | due in 7 days", user="trainer")
    await bot.send("/done 1", user="amina")
    await bot.restart()
    await bot.restart()
    await bot.clock.set(datetime(2026, 11, 30, 4, 59, tzinfo=timezone.utc))
    await bot.runtime.idle()
    assert not [t for t in group_texts(bot.new_messages()) if t.startswith("Open homework")]
    await bot.advance(minutes=1)  # Monday 08:00 in Addis Ababa
    digests = [t for t in group_texts(bot.new_messages()) if t.startswith("Open homework")]
    assert len(digests) == 1
    assert "#1 Manikin: due Thu 3 Dec 12:00 (1 of 3 done)" in digests[0]


async def test_digest_can_be_disabled(homework_bot):
    bot = await homework_bot({"digest": ""})
    await bot.send("/homework add Manikin | due in 7 days", user="trainer")
    await bot.advance(days=7)
    assert not [a for a in bot.actions(Reply) if a.text.startswith("Open homework")]


async def test_bad_config_stops_the_start(make_bot):
    import pytest

    from core import ConfigError

    with pytest.raises(ConfigError, match="remind_before"):
        await make_bot(plugins={"homework"}, config={"plugins": {"homework": {"remind_before": ["soon"]}}})
    with pytest.raises(ConfigError, match="digest"):
        await make_bot(plugins={"homework"}, config={"plugins": {"homework": {"digest": "sometimes"}}})


async def _submission_job_work(homework_bot, monkeypatch, others: int) -> tuple[int, list[str]]:
    """SQLite instructions of the job statements one /done runs, with `others` pending jobs of another plugin."""
    from tests.sqlwork import plan, record_statements, vm_steps

    bot = await homework_bot({"remind_before": []})
    await bot.runtime.storage.executemany(
        "INSERT INTO practica_jobs (plugin, kind, community, payload, run_at, key, created_at) "
        "VALUES ('other', 'bulk', 'default', '{}', '2026-11-27T00:00:00.000000Z', ?, '2026-11-26T00:00:00.000000Z')",
        [(f"proof:{i}",) for i in range(others)])
    await bot.send("/homework add Manikin | due in 3 days", user="trainer")
    await bot.send("/done 1", user="amina")  # the first submission plans the social-proof post
    bot.new_messages()
    log = record_statements(monkeypatch)
    log.recording = True
    await bot.send("/done 1", user="bekele")  # a proof post is planned: the lookup finds it
    log.recording = False
    statements = log.matching("practica_jobs", "plugin = ?")  # the plugin's own lookups (not the sleeper's)
    assert statements
    return (sum(vm_steps(bot.database, sql, params) for sql, params in statements),
            [plan(bot.database, sql, params) for sql, params in statements])


@SQLITE_ONLY  # counts SQLite VM instructions (tests/sqlwork.py)
async def test_a_submission_never_walks_other_plugins_pending_jobs(homework_bot, monkeypatch):
    small, _ = await _submission_job_work(homework_bot, monkeypatch, 500)
    large, plans = await _submission_job_work(homework_bot, monkeypatch, 20_000)
    assert large <= small * 1.2 + 200, (small, large)
    assert all("SCAN" not in p and "practica_jobs_due" not in p for p in plans), plans
