"""A library saved one item at a time gets its search index merged back into one piece soon after: the
same answers for less SQLite work; a large library is left alone; a merge that fails loses nothing."""

from __future__ import annotations

import asyncio
import logging
import sqlite3

from plugins.resources.services import fts_compaction
from tests.engines import SQLITE_ONLY
from tests.plugins.resources.conftest import save
from tests.sqlwork import record_statements, total_steps

TOPICS = ["Partograph", "Oxytocin dose", "Neonatal resuscitation", "Kangaroo care", "Sepsis signs", "Cord clamping"]
QUERIES = ("oxytocin dose", "neonatal resuscitation guide", "kangaroo", "sepsis signs module")

pytestmark = SQLITE_ONLY  # FTS5 segments; PostgreSQL's GIN index has no such merge


async def _saved_one_by_one(bot, count: int) -> None:
    for i in range(count):
        await save(bot, f"/save {TOPICS[i % len(TOPICS)]} guide {i} for module {i % 7} #m{i % 5}", user="trainer")


async def _answers_and_work(bot, log) -> tuple[list[str], int]:
    answers, steps = [], 0
    for query in QUERIES:
        log.clear()
        log.recording = True
        await bot.send(f"/search {query}", user="amina")
        log.recording = False
        answers.append(bot.next_reply().text)
        steps += total_steps(bot.database, log.matching("resources_fts", "MATCH"))
    return answers, steps


def _segments(path: str) -> int:
    """How many segments the FTS5 index is in: its structure record (row 10 of resources_fts_data) is a
    4-byte cookie, then varints: levels, segments, ..."""
    with sqlite3.connect(path) as db:
        record = db.execute("SELECT block FROM resources_fts_data WHERE id = 10").fetchone()[0]
    values, value = [], 0
    for byte in record[4:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            values.append(value)
            value = 0
            if len(values) == 2:
                return values[1]
    raise AssertionError("no FTS5 structure record")


async def _merge_done(bot) -> None:
    await asyncio.sleep(fts_compaction.COMPACT_AFTER * 4)
    await fts_compaction.settled(bot.runtime.storage)


async def test_items_saved_one_by_one_are_merged_and_searches_do_less_work_for_the_same_answers(library_bot, monkeypatch):
    monkeypatch.setattr(fts_compaction, "COMPACT_AFTER", 0.05)
    plan = fts_compaction.changed
    monkeypatch.setattr(fts_compaction, "changed", lambda db: None)  # no merge while the library is filled
    bot = await library_bot()
    await _saved_one_by_one(bot, 40)
    log = record_statements(monkeypatch)
    before, work_before = await _answers_and_work(bot, log)
    pieces = _segments(bot.database)
    assert pieces >= 4

    monkeypatch.setattr(fts_compaction, "changed", plan)
    await save(bot, "/save Partograph guide 40 for module 5 #m0", user="trainer")  # one more change: a merge soon
    await _merge_done(bot)
    after, work_after = await _answers_and_work(bot, log)

    assert _segments(bot.database) == 1 < pieces
    assert work_after < work_before * 0.8, (work_before, work_after)
    assert after == before  # the new item is no answer to these queries: the same pages, in the same order
    with sqlite3.connect(bot.database) as db:
        db.execute("INSERT INTO resources_fts (resources_fts, rank) VALUES ('integrity-check', 1)")  # raises if broken


async def test_a_deleted_item_is_merged_out_of_the_index_and_stays_out_of_answers(library_bot, monkeypatch):
    monkeypatch.setattr(fts_compaction, "COMPACT_AFTER", 0.05)
    bot = await library_bot()
    first = await save(bot, "/save Oxytocin dose chart #pph", user="trainer")
    await save(bot, "/save Oxytocin storage guide #pph", user="trainer")
    await _merge_done(bot)
    assert _segments(bot.database) == 1
    await bot.send(f"/delete {first}", user="trainer")
    assert f"#{first}" in bot.next_reply().text
    assert _segments(bot.database) == 2  # the deletion is a segment of its own, until merged
    await _merge_done(bot)
    await bot.send("/search oxytocin", user="amina")
    answer = bot.next_reply().text
    assert "storage guide" in answer and "dose chart" not in answer
    assert _segments(bot.database) == 1


async def test_a_library_above_the_limit_is_left_to_sqlites_own_merging(library_bot, monkeypatch):
    monkeypatch.setattr(fts_compaction, "COMPACT_AFTER", 0.05)
    monkeypatch.setattr(fts_compaction, "COMPACT_MAX", 10)
    bot = await library_bot()
    await _saved_one_by_one(bot, 12)
    await _merge_done(bot)
    pieces = _segments(bot.database)
    assert await fts_compaction.compact(bot.runtime.storage) is False
    assert _segments(bot.database) == pieces > 1
    await bot.send("/search kangaroo", user="amina")
    assert "Kangaroo care guide 3" in bot.next_reply().text


async def test_a_merge_on_a_full_disk_loses_nothing_and_is_tried_again_after_the_next_change(library_bot, monkeypatch, caplog):
    monkeypatch.setattr(fts_compaction, "COMPACT_AFTER", 0.05)
    plan = fts_compaction.changed
    monkeypatch.setattr(fts_compaction, "changed", lambda db: None)
    bot = await library_bot()
    await _saved_one_by_one(bot, 36)  # enough that the merged index needs pages the full file has not got
    pieces = _segments(bot.database)
    conn = bot.runtime.storage.conn
    await conn.execute("VACUUM")  # no free page left in the file
    used = (await (await conn.execute("PRAGMA page_count")).fetchone())[0]
    await conn.execute(f"PRAGMA max_page_count = {used}")  # as on a full disk: a write needing a new page fails
    with caplog.at_level(logging.WARNING, "practica.plugins.resources"):
        assert await fts_compaction.compact(bot.runtime.storage) is False
    assert any("could not merge the library's search index" in r.getMessage() for r in caplog.records)
    assert _segments(bot.database) == pieces > 1  # rolled back whole

    await conn.execute("PRAGMA max_page_count = 1073741823")  # space is back
    await bot.send("/search sepsis signs", user="amina")
    assert "Sepsis signs guide 4" in bot.next_reply().text  # the index as it was: whole and searchable
    monkeypatch.setattr(fts_compaction, "changed", plan)
    await save(bot, "/save Cord clamping poster #hbb", user="trainer")
    await _merge_done(bot)
    assert _segments(bot.database) == 1
    await bot.restart()
    with sqlite3.connect(bot.database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        db.execute("INSERT INTO resources_fts (resources_fts, rank) VALUES ('integrity-check', 1)")
        assert db.execute("SELECT COUNT(*) FROM resources_items").fetchone()[0] == 37
