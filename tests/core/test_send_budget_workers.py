"""Several workers on one PostgreSQL database keep a platform's global per-second cap together
(core.send_windows): two runtimes sharing one database and one fake clock are two workers; a
recording adapter counts what each fake second saw leave."""

from __future__ import annotations

import asyncio
import logging
import math
from collections import Counter
from typing import Any

import asyncpg
import pytest

from core import ChatRef, Reply
from core.adapter import Budget

CAP = 10  # the test platform's messages per second, all workers together
WORKERS = {"practica": {"several_workers": True}}


@pytest.fixture
def practica_engine() -> str:
    return "postgresql"


def record(bot: Any, sent: list[tuple[int, str, str, str]], worker: str) -> None:
    """Wrap the bot's adapter: each delivery is recorded with its fake second, chat, text and worker."""
    perform = bot.adapter.perform

    async def recorded(action: Any) -> Any:
        result = await perform(action)
        sent.append((math.floor(bot.clock.now().timestamp()), action.chat.id, action.text, worker))
        return result

    bot.adapter.perform = recorded
    bot.runtime.outbox.budgets = {"telegram": Budget(global_per_second=CAP)}  # the kit turns budgets off


async def second_worker(bot: Any) -> Any:
    """Another worker on `bot`'s database and clock; the clock lets both finish before it moves."""
    other = await bot.build(bot.clock, bot.database)

    async def both_idle() -> None:
        await bot.runtime.idle()
        await other.runtime.idle()

    bot.clock.quiesce = both_idle
    return other


def burst(bot: Any, prefix: str, chats: int, each: int) -> dict[str, list[str]]:
    """`each` messages to each of `chats` group chats, queued at once; returns what each chat expects."""
    expected: dict[str, list[str]] = {}
    for n in range(each):
        for c in range(chats):
            chat = ChatRef(platform="telegram", id=f"{prefix}{c}", kind="group", title=f"{prefix}{c}")
            text = f"{prefix}{c} message {n}"
            bot.runtime.outbox.submit(Reply(chat=chat, text=text))
            expected.setdefault(chat.id, []).append(text)
    return expected


async def send_all(bots: list[Any], sent: list[Any], total: int) -> None:
    """Move the fake clock a second at a time until `total` messages left."""
    for _ in range(60):
        for bot in bots:
            await bot.runtime.idle()
        if len(sent) >= total:
            return
        await bots[0].clock.advance(seconds=1)
    raise AssertionError(f"only {len(sent)} of {total} messages left in 60 s")


def per_chat(sent: list[tuple[int, str, str, str]]) -> dict[str, list[str]]:
    chats: dict[str, list[str]] = {}
    for _, chat, text, _ in sent:
        chats.setdefault(chat, []).append(text)
    return chats


async def test_two_workers_never_send_more_than_the_platforms_cap_in_one_second_together(make_bot):
    a = await make_bot(platform="telegram", config=WORKERS)
    b = await second_worker(a)
    try:
        sent: list[tuple[int, str, str, str]] = []
        record(a, sent, "a")
        record(b, sent, "b")
        expected = burst(a, "a", chats=4, each=6) | burst(b, "b", chats=4, each=6)
        await send_all([a, b], sent, 48)

        assert per_chat(sent) == expected  # every message sent, in each chat's order
        by_second = Counter(second for second, *_ in sent)
        assert max(by_second.values()) <= CAP, sorted(by_second.items())  # both workers together
        assert {worker for *_, worker in sent} == {"a", "b"}
        assert len(by_second) <= math.ceil(48 / CAP) + 1  # the budget is used, not wasted
    finally:
        await b.runtime.stop()


@pytest.mark.parametrize("several", [True, False], ids=["several-workers", "one-process"])
async def test_one_worker_sends_at_the_full_cap_as_a_single_process_does(make_bot, several):
    bot = await make_bot(platform="telegram", config=WORKERS if several else None)
    sent: list[tuple[int, str, str, str]] = []
    record(bot, sent, "only")
    expected = burst(bot, "c", chats=5, each=5)
    await send_all([bot], sent, 25)

    assert per_chat(sent) == expected
    start = sent[0][0]
    assert [n for _, n in sorted(Counter(second - start for second, *_ in sent).items())] == [10, 10, 5]
    conn = await asyncpg.connect(bot.database)
    try:  # one process asks the database nothing for its budget
        rows = await conn.fetchval("SELECT COUNT(*) FROM practica_send_windows")
    finally:
        await conn.close()
    assert (rows > 0) is several


async def both_see_two_workers(conn: asyncpg.Connection, bots: list[Any]) -> None:
    """Wait until both workers' leases are live, then let each look (it counts the live workers)."""
    for _ in range(400):
        if await conn.fetchval("SELECT COUNT(*) FROM practica_leases WHERE name LIKE 'worker:%' "
                               "AND expires_at >= now()") == 2:
            break
        await asyncio.sleep(0.025)
    for bot in bots:
        await bot.runtime.workers.look()


async def test_a_database_that_does_not_answer_leaves_each_worker_its_share_with_one_warning(make_bot, caplog):
    caplog.set_level(logging.INFO, logger="practica.outbox")
    a = await make_bot(platform="telegram", config=WORKERS)
    b = await second_worker(a)
    blocker = await asyncpg.connect(a.database)
    try:
        await both_see_two_workers(blocker, [a, b])
        sent: list[tuple[int, str, str, str]] = []
        record(a, sent, "a")
        record(b, sent, "b")
        locked = blocker.transaction()
        await locked.start()  # the windows' table is locked: every reservation waits without an answer
        await blocker.execute("LOCK TABLE practica_send_windows IN ACCESS EXCLUSIVE MODE")
        expected = burst(a, "a", chats=3, each=5) | burst(b, "b", chats=3, each=5)
        await send_all([a, b], sent, 30)

        assert per_chat(sent) == expected  # sending went on
        per_worker = Counter((second, worker) for second, _, _, worker in sent)
        assert max(per_worker.values()) <= CAP // 2  # each worker its share: cap / live workers
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "sending budget" in r.getMessage()]
        assert len(warnings) == 2  # one per worker, not one per message
        assert "telegram" in warnings[0].getMessage() and "5 message(s) a second" in warnings[0].getMessage()

        await locked.rollback()  # the database answers again
        await a.clock.advance(seconds=10)
        sent.clear()
        expected = burst(a, "d", chats=4, each=6) | burst(b, "e", chats=4, each=6)
        await send_all([a, b], sent, 48)
        assert per_chat(sent) == expected
        assert max(Counter(second for second, *_ in sent).values()) <= CAP
        assert sum("shared by the workers again" in r.getMessage() for r in caplog.records) == 2
    finally:
        await blocker.close()
        await b.runtime.stop()


async def test_windows_older_than_a_minute_are_deleted(make_bot):
    bot = await make_bot(platform="telegram", config=WORKERS)
    sent: list[tuple[int, str, str, str]] = []
    record(bot, sent, "only")
    burst(bot, "f", chats=3, each=5)
    await send_all([bot], sent, 15)
    await bot.clock.advance(minutes=2)
    burst(bot, "g", chats=1, each=1)
    await send_all([bot], sent, 16)
    conn = await asyncpg.connect(bot.database)
    try:
        seconds = [r[0] for r in await conn.fetch("SELECT second FROM practica_send_windows ORDER BY second")]
    finally:
        await conn.close()
    assert seconds == [sent[-1][0]]  # only the window of the last send is left
