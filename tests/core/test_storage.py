"""Storage: migrations are numbered, append-only and atomic; transactions keep data whole."""

from __future__ import annotations

import asyncio

import pytest

from core import MigrationError
from core.engines import open_storage
from core.storage import Storage


@pytest.fixture(params=["sqlite", "postgresql"])
def practica_engine(request):
    return request.param


@pytest.fixture
async def db(practica_database):
    storage = await open_storage(await practica_database("t"))
    yield storage
    await storage.close()


@pytest.fixture
async def sqlite_db(tmp_path):
    storage = await Storage.open(str(tmp_path / "t.db"))
    yield storage
    await storage.close()


async def tables_named(db, name):
    if db.dialect == "sqlite":
        return await db.fetchval("SELECT COUNT(*) FROM sqlite_master WHERE name = ?", (name,))
    return await db.fetchval("SELECT COUNT(*) FROM pg_tables WHERE tablename = ?", (name,))


async def test_migrations_apply_once_and_in_order(db):
    migrations = ("CREATE TABLE demo_a (x INTEGER);", "ALTER TABLE demo_a ADD COLUMN y TEXT;")
    assert await db.migrate("demo", migrations[:1]) == 1
    assert await db.migrate("demo", migrations) == 1
    assert await db.migrate("demo", migrations) == 0
    await db.execute("INSERT INTO demo_a (x, y) VALUES (1, 'a')")
    assert await db.fetchval("SELECT y FROM demo_a") == "a"


async def test_a_failing_migration_applies_nothing_and_says_which(db):
    with pytest.raises(MigrationError) as error:
        await db.migrate("demo", ("CREATE TABLE demo_b (x INTEGER); CREATE TABLE demo_b (x INTEGER);",))
    assert "plugin 'demo': migration 1 failed" in str(error.value)
    assert await tables_named(db, "demo_b") == 0
    assert await db.applied_version("demo") == 0


async def test_a_removed_migration_is_refused(db):
    await db.migrate("demo", ("CREATE TABLE demo_c (x INTEGER);", "CREATE TABLE demo_d (x INTEGER);"))
    with pytest.raises(MigrationError) as error:
        await db.migrate("demo", ("CREATE TABLE demo_c (x INTEGER);",))
    assert "append-only" in str(error.value)


async def test_a_migration_can_differ_per_dialect_and_keeps_its_number(db):
    migrations = ("CREATE TABLE demo_e (x INTEGER);",
                  {"sqlite": "ALTER TABLE demo_e ADD COLUMN engine TEXT DEFAULT 'sqlite';",
                   "postgresql": "ALTER TABLE demo_e ADD COLUMN engine TEXT DEFAULT 'postgresql';"},
                  {"sqlite": "", "postgresql": "CREATE TABLE demo_only_pg (x INTEGER);"},
                  "ALTER TABLE demo_e ADD COLUMN z TEXT;")
    assert await db.migrate("demo", migrations) == 4
    assert await db.applied_version("demo") == 4
    await db.execute("INSERT INTO demo_e (x, z) VALUES (1, 'z')")
    assert await db.fetchval("SELECT engine FROM demo_e") == db.dialect


async def test_a_migration_without_a_variant_for_this_dialect_is_refused_by_name(db):
    with pytest.raises(MigrationError) as error:
        await db.migrate("demo", ({"mysql": "CREATE TABLE demo_f (x INTEGER);"},))
    assert "plugin 'demo': migration 1" in str(error.value) and "'mysql'" in str(error.value)
    other = "postgresql" if db.dialect == "sqlite" else "sqlite"
    with pytest.raises(MigrationError) as error:
        await db.migrate("demo", ({other: "CREATE TABLE demo_f (x INTEGER);"},))
    assert f"no {db.dialect!r} variant" in str(error.value)
    assert await db.applied_version("demo") == 0


async def test_the_same_sql_and_rows_on_both_engines(db):
    await db.migrate("demo", ("CREATE TABLE demo_h (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, "
                              "note TEXT, score REAL, seen INTEGER NOT NULL DEFAULT 0)",))
    first = await db.execute("INSERT INTO demo_h (name, note) VALUES (?, 'what? :not_a_param')", ("amina",))
    second = await db.execute("INSERT INTO demo_h (name, score) VALUES (:name, :score)", {"name": "bekele", "score": 2.5})
    assert (first, second) == (1, 2)  # the new row's id, as SQLite's lastrowid
    await db.executemany("INSERT INTO demo_h (name) VALUES (:name)", [{"name": "chala"}, {"name": "dawit"}])
    row = await db.fetchone("SELECT id, name, note FROM demo_h WHERE name = :name AND id >= :low", {"name": "amina", "low": 1})
    assert (row[0], row["name"], row["note"]) == (1, "amina", "what? :not_a_param")  # literals keep ? and :words
    assert await db.execute_rowcount("UPDATE demo_h SET seen = seen + 1 WHERE id > ?", (1,)) == 3
    upsert = ("INSERT INTO demo_h (name, seen) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET seen = demo_h.seen + "
              "excluded.seen RETURNING id, seen")
    assert tuple(await db.fetchone(upsert, ("dawit",))) == (4, 2)
    assert await db.fetchval("SELECT SUM(seen) FROM demo_h") == 4
    assert await db.fetchval("SELECT AVG(score) FROM demo_h") == 2.5  # a float on both, not a Decimal
    assert [r["name"] for r in await db.fetchall("SELECT name FROM demo_h WHERE lower(name) LIKE lower(?) ORDER BY id",
                                                 ("%A%",))] == ["amina", "chala", "dawit"]
    assert await db.execute("INSERT INTO demo_h (name) VALUES (?) ON CONFLICT DO NOTHING", ("amina",)) in (0, 4)
    assert await db.execute("INSERT INTO demo_h (name) VALUES (?)", ("elias",)) >= 5  # never reused (PostgreSQL may skip one)


async def test_a_transaction_ending_with_an_empty_inner_block_keeps_its_writes(db):
    await db.execute("CREATE TABLE demo_i (x INTEGER)")
    async with db.transaction():
        await db.execute("INSERT INTO demo_i VALUES (1)")
        async with db.transaction():  # nothing written inside
            pass
    assert await db.fetchval("SELECT COUNT(*) FROM demo_i") == 1


async def test_transaction_rolls_back_everything_on_error(db):
    await db.execute("CREATE TABLE t (x INTEGER)")
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await db.execute("INSERT INTO t VALUES (1)")
            raise RuntimeError("boom")
    assert await db.fetchval("SELECT COUNT(*) FROM t") == 0


async def test_other_tasks_never_see_half_a_transaction(db):
    await db.execute("CREATE TABLE acct (name TEXT PRIMARY KEY, amount INTEGER)")
    await db.executemany("INSERT INTO acct VALUES (?, ?)", [("a", 100), ("b", 0)])
    seen = []

    async def transfer() -> None:
        async with db.transaction():
            await db.execute("UPDATE acct SET amount = amount - 10 WHERE name = 'a'")
            await asyncio.sleep(0.01)
            await db.execute("UPDATE acct SET amount = amount + 10 WHERE name = 'b'")

    async def audit() -> None:
        for _ in range(20):
            seen.append(await db.fetchval("SELECT SUM(amount) FROM acct"))
            await asyncio.sleep(0.001)

    await asyncio.gather(transfer(), transfer(), audit())
    assert set(seen) == {100}


async def test_a_transaction_cancelled_midway_leaves_the_database_usable(db):
    await db.execute("CREATE TABLE t (x INTEGER)")

    async def slow_writer() -> None:
        async with db.transaction():
            await db.execute("INSERT INTO t VALUES (1)")
            await asyncio.sleep(10)

    for _ in range(5):  # cancelled at different points: while waiting for BEGIN, inside the body
        task = asyncio.create_task(slow_writer())
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        task = asyncio.create_task(slow_writer())
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    async with db.transaction():
        await db.execute("INSERT INTO t VALUES (2)")
    assert [r[0] for r in await db.fetchall("SELECT x FROM t")] == [2]


async def test_writes_handed_in_together_share_one_commit_and_a_failing_one_loses_nothing_else(sqlite_db):
    db = sqlite_db  # the SQLite group commit itself: batches as functions of the sqlite3 connection
    await db.execute("CREATE TABLE demo_g (v TEXT)")

    def insert(value):
        return lambda c: c.execute("INSERT INTO demo_g (v) VALUES (?)", (value,)).rowcount

    def fails_after_writing(c):
        c.execute("INSERT INTO demo_g (v) VALUES ('undone')")
        raise ValueError("this batch is refused")

    def loses_the_whole_transaction(c):  # as SQLite does by itself on some I/O errors
        c.execute("INSERT INTO demo_g (v) VALUES ('lost')")
        c.execute("ROLLBACK")
        raise OSError("disk I/O error")

    async with db._lock:  # a unit holds the connection: every batch below waits, then goes in one group
        batches = [insert("a"), fails_after_writing, insert("b"), loses_the_whole_transaction, insert("c")]
        tasks = [asyncio.create_task(db._grouped_call(fn)) for fn in batches]
        await asyncio.sleep(0)
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(results[1], ValueError) and isinstance(results[3], OSError)
    assert [r for i, r in enumerate(results) if i in (0, 2, 4)] == [1, 1, 1]
    assert sorted(r[0] for r in await db.fetchall("SELECT v FROM demo_g")) == ["a", "b", "c"]


async def test_an_event_the_platform_sends_again_is_handled_once(make_bot):
    from core.events import MessageEvent

    bot = await make_bot(plugins=set())
    handled = []
    inner = bot.runtime.dispatcher._handle_stored

    async def counting(event, inbox_id):
        handled.append(event.id)
        await inner(event, inbox_id)

    bot.runtime.dispatcher._handle_stored = counting

    def event(n):
        return MessageEvent(id=f"m{n}", chat=bot.group, author=bot.user("amina"), text=f"message {n}")

    first = [await bot.runtime.accept(event(n), source=f"console:m{n}") for n in range(3)]
    assert [isinstance(await f, int) for f in first] == [True, True, True]
    again = [await bot.runtime.accept(event(n), source=f"console:m{n}") for n in (1, 3, 2, 4)]  # 1 and 2 come twice
    stored = [await f for f in again]
    assert [s is None for s in stored] == [True, False, True, False]
    await bot.runtime.idle()
    assert sorted(handled) == ["m0", "m1", "m2", "m3", "m4"]
