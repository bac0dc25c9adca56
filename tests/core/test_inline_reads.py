"""Short reads run on the loop's thread (core.inline_reads): answers stay exactly those of a trip to the
database thread, inside transactions and savepoints too, and a long read never holds the loop (the bot
keeps answering other chats during a big export or search)."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from core import inline_reads
from core.storage import Storage

HEAVY = "SELECT COUNT(*) FROM demo_n a, demo_n b WHERE a.x + b.x = 1999"  # 4 million pairs looked at, 2,000 found


@pytest.fixture
async def db(tmp_path):
    storage = await Storage.open(str(tmp_path / "t.db"))
    await storage.migrate("demo", ("CREATE TABLE demo_n (x INTEGER);",))
    await storage.executemany("INSERT INTO demo_n (x) VALUES (?)", [(i,) for i in range(2000)])
    yield storage
    await storage.close()


async def test_reads_see_the_writes_queued_before_them_and_the_transaction_they_are_in(db):
    async with db.transaction():
        await db.execute("INSERT INTO demo_n (x) VALUES (-1)")
        queued = db.queue_script([("INSERT INTO demo_n (x) VALUES (-2)", (), False)])  # still on the thread
        assert await db.fetchval("SELECT COUNT(*) FROM demo_n WHERE x < 0") == 2
        await queued
        with pytest.raises(RuntimeError):
            async with db.transaction():  # a savepoint undone: the read after it no longer sees its row
                await db.execute("INSERT INTO demo_n (x) VALUES (-3)")
                assert await db.fetchval("SELECT COUNT(*) FROM demo_n WHERE x < 0") == 3
                raise RuntimeError("undo")
        assert await db.fetchval("SELECT COUNT(*) FROM demo_n WHERE x < 0") == 2
    assert await db.fetchval("SELECT COUNT(*) FROM demo_n WHERE x < 0") == 2


async def test_a_read_past_its_budget_still_answers_and_keeps_the_transaction(db, monkeypatch):
    monkeypatch.setattr(inline_reads, "BUDGET", 0.0)  # every read overruns: each is run again on the thread
    async with db.transaction():
        await db.execute("INSERT INTO demo_n (x) VALUES (-1)")
        assert await db.fetchval(HEAVY) == 2000
        assert await db.fetchval("SELECT COUNT(*) FROM demo_n WHERE x < 0") == 1  # its write is still there
    assert await db.fetchval("SELECT COUNT(*) FROM demo_n") == 2001


async def test_a_bad_read_fails_as_before_and_the_connection_goes_on(db):
    with pytest.raises(sqlite3.OperationalError, match="no such column"):
        await db.fetchall("SELECT missing_column FROM demo_n")
    async with db.transaction():
        await db.execute("INSERT INTO demo_n (x) VALUES (-1)")
        with pytest.raises(sqlite3.OperationalError):
            await db.fetchone("SELECT missing_column FROM demo_n")
    assert await db.fetchval("SELECT COUNT(*) FROM demo_n WHERE x < 0") == 1


async def test_a_long_read_lets_the_loop_serve_others_meanwhile(db):
    ticks = 0
    stop = asyncio.Event()

    async def another_chat() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0)

    other = asyncio.create_task(another_chat())
    await asyncio.sleep(0)
    before = ticks
    try:
        assert await db.fetchval(HEAVY) == 2000
        assert ticks - before > 10  # the loop kept running while the read ran (it moved to the thread)
        await asyncio.sleep(0)
        before = ticks
        await db.fetchval(HEAVY)  # known as long now: straight to the thread
        assert ticks - before > 10
    finally:
        stop.set()
        await other
