"""Short statements run on the loop's thread (core.inline_trips), WAL checkpoints in their own thread
(core.checkpoints): answers stay exactly those of a trip to the database thread, inside transactions and
savepoints too; a long read, a big write or a big commit never holds the loop (the bot keeps answering
other chats meanwhile); and the write-ahead log is still copied back into the database file."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing

import pytest

from core import inline_trips
from core.storage import RowsLater, Storage

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
    monkeypatch.setattr(inline_trips, "BUDGET", 0.0)  # every read overruns: each is run again on the thread
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


class OtherChats:
    """Another chat's task: counts how often the loop ran it while a statement was awaited."""

    def __init__(self) -> None:
        self.ticks = 0
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while not self._stop.is_set():
            self.ticks += 1
            await asyncio.sleep(0)

    async def __aenter__(self) -> OtherChats:
        self._task = asyncio.create_task(self._run())
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        await self._task

    async def served_during(self, statement) -> int:
        """How many turns the other chat got while `statement` (an awaitable) ran."""
        await asyncio.sleep(0)
        before = self.ticks
        await statement
        return self.ticks - before


async def test_a_long_read_lets_the_loop_serve_others_meanwhile(db):
    async with OtherChats() as others:
        assert await others.served_during(db.fetchval(HEAVY)) > 10  # the read moved to the thread
        assert await others.served_during(db.fetchval(HEAVY)) > 10  # known as long now: straight to the thread


async def test_a_read_slow_once_by_a_hiccup_runs_inline_again_and_a_long_one_stays_on_the_thread(db, monkeypatch):
    quick = "SELECT COUNT(*) FROM demo_n WHERE x < 10"
    async with OtherChats() as others:
        monkeypatch.setattr(inline_trips, "BUDGET", 0.0)  # a hiccup: this one run overruns
        assert await db.fetchval(quick) == 10
        monkeypatch.undo()
        served = [await others.served_during(db.fetchval(quick)) for _ in range(inline_trips.FORGIVEN_AFTER + 2)]
        assert all(n > 0 for n in served[:inline_trips.FORGIVEN_AFTER])  # remembered: on the thread meanwhile
        assert served[-2:] == [0, 0]  # quick there every time: forgiven, inline again
        assert [await others.served_during(db.fetchval(HEAVY)) > 10 for _ in range(inline_trips.FORGIVEN_AFTER + 2)] \
            == [True] * (inline_trips.FORGIVEN_AFTER + 2)  # long on the thread too: it stays there


HEAVY_WRITE = "INSERT INTO demo_n (x) SELECT -1 FROM demo_n a, demo_n b WHERE a.x + b.x = 1999"  # 2,000 rows


async def test_a_write_that_was_slow_once_goes_to_the_thread_from_then_on(db):
    async with OtherChats() as others:
        await db.execute("INSERT INTO demo_n (x) VALUES (-5)")
        await db.execute(HEAVY_WRITE)  # a write cannot be cut off: this first one runs whole, and is remembered
        assert await others.served_during(db.execute(HEAVY_WRITE)) > 10
        many = "INSERT INTO demo_n (x) SELECT ?"  # never run before: no slow run remembered
        assert await others.served_during(db.executemany(many, [(-2,)] * (inline_trips.MANY_ROWS + 1))) > 0
    assert await db.fetchval("SELECT COUNT(*) FROM demo_n WHERE x < 0") == 4000 + inline_trips.MANY_ROWS + 2


async def test_a_write_slow_once_stays_on_the_thread_however_quick_it_runs_there(db, monkeypatch):
    small = "INSERT INTO demo_n (x) VALUES (?)"  # a write cannot be cut off: forgiving it wrongly would hold the loop
    async with OtherChats() as others:
        monkeypatch.setattr(inline_trips, "WRITE_SLOW", 0.0)  # this one run counts as slow
        await db.execute(small, (-1,))
        monkeypatch.undo()
        served = [await others.served_during(db.execute(small, (-1,))) for _ in range(inline_trips.FORGIVEN_AFTER + 2)]
        assert all(n > 0 for n in served)
    assert await db.fetchval("SELECT COUNT(*) FROM demo_n WHERE x < 0") == inline_trips.FORGIVEN_AFTER + 3


@pytest.mark.parametrize("given", ["a list", "rows made later, with their bound", "rows made later, no bound"])
async def test_a_big_batch_of_the_cores_own_writes_lets_other_chats_run(db, given):
    """Done marks after a replay, member sightings at a busy start: the core's batches (write_batch)
    follow the same rule as any write, so a big one is written in the thread while other chats go on."""
    rows = [(-7,)] * 20_000  # tens of milliseconds of writing
    made = {"a list": rows, "rows made later, with their bound": RowsLater(lambda: rows, len(rows)),
            "rows made later, no bound": lambda: rows}[given]
    async with OtherChats() as others:
        assert await others.served_during(db.write_batch([("INSERT INTO demo_n (x) VALUES (?)", made, True)])) > 10
    assert await db.fetchval("SELECT COUNT(*) FROM demo_n WHERE x = -7") == len(rows)


def test_a_commit_of_many_rows_is_left_to_the_thread_and_a_small_one_is_not(tmp_path):
    # Whether other chats get turns during a COMMIT in the thread depends on when the GIL changes hands,
    # so this checks the rule itself, on a real connection: how many rows the transaction changed.
    with closing(sqlite3.connect(tmp_path / "c.db", isolation_level=None)) as raw:
        raw.execute("CREATE TABLE t (x INTEGER)")
        trips = inline_trips.InlineTrips(raw)
        for rows, inline in ((10, True), (inline_trips.MANY_ROWS + 1, False)):
            trips.starting()
            raw.execute("BEGIN")
            raw.executemany("INSERT INTO t (x) VALUES (?)", [(1,)] * rows)
            trips.starting()  # a later trip inside the transaction keeps where it began
            assert trips.may_write(None) is inline, rows
            raw.execute("COMMIT")
        trips.starting()
        assert trips.may_write(None)  # outside a transaction: nothing waits to be committed


async def test_a_failed_write_fails_as_before_and_the_transaction_goes_on(db):
    await db.migrate("unique", ("CREATE TABLE demo_u (k TEXT PRIMARY KEY);",))
    async with db.transaction():
        await db.execute("INSERT INTO demo_u (k) VALUES ('a')")
        with pytest.raises(sqlite3.IntegrityError):
            async with db.transaction():
                await db.execute("INSERT INTO demo_u (k) VALUES ('a')")
        await db.execute("INSERT INTO demo_u (k) VALUES ('b')")
    assert [r[0] for r in await db.fetchall("SELECT k FROM demo_u ORDER BY k")] == ["a", "b"]


def wal_size(path) -> int:
    wal = path.with_name(path.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


async def test_the_write_ahead_log_stays_small_under_writes_without_a_pause(tmp_path, monkeypatch):
    from core import checkpoints

    monkeypatch.setattr(checkpoints, "EVERY", 0.02)
    monkeypatch.setattr(checkpoints, "BEHIND", 500)  # pages: 2 MB
    path = tmp_path / "wal.db"
    storage = await Storage.open(str(path))
    try:
        await storage.migrate("demo", ("CREATE TABLE demo_text (body TEXT);",))
        body = "x" * 3000  # a page each
        largest = 0
        for _ in range(10):  # 12,000 pages, about 50 MB, written as fast as the loop can
            for _ in range(40):
                async with storage.transaction():
                    await storage.executemany("INSERT INTO demo_text (body) VALUES (?)", [(body,)] * 30)
            largest = max(largest, wal_size(path))
        assert largest < 20_000_000  # without checkpoints it would reach 50 MB
        with closing(sqlite3.connect(path)) as other:  # another reader sees every row, from the file and the log
            assert other.execute("SELECT COUNT(*) FROM demo_text").fetchone()[0] == 12_000
    finally:
        await storage.close()
    assert wal_size(path) == 0  # the last connection's close copied the rest back
    with closing(sqlite3.connect(path)) as other:
        assert other.execute("SELECT COUNT(*) FROM demo_text").fetchone()[0] == 12_000


@pytest.mark.parametrize("when", ["turn free", "turn taken during the copy", "turn held by a transaction"])
async def test_a_checkpoint_failing_while_it_catches_up_holds_no_chat(db, when):
    """The catch-up (core.checkpoints) waits for the connection's turn while copying; when a copy fails
    (a full disk), every chat's writes go on, whether or not the turn had been taken."""
    release = asyncio.Event()
    holder = None
    if when == "turn held by a transaction":
        async def hold() -> None:
            async with db.transaction():
                await db.execute("INSERT INTO demo_n (x) VALUES (-1)")
                await release.wait()
        holder = asyncio.create_task(hold())
        await asyncio.sleep(0.01)

    async def failing_copy() -> None:
        if when == "turn taken during the copy":
            await asyncio.sleep(0.01)  # the free turn is taken meanwhile
        raise sqlite3.OperationalError("database or disk is full")

    with pytest.raises(sqlite3.OperationalError):
        await asyncio.wait_for(db.catch_up_wal(failing_copy), 2)
    release.set()
    if holder is not None:
        await holder
    await asyncio.wait_for(db.execute("INSERT INTO demo_n (x) VALUES (-2)"), 2)  # a chat's write goes through
    assert await db.fetchval("SELECT COUNT(*) FROM demo_n WHERE x < 0") == (2 if holder else 1)
