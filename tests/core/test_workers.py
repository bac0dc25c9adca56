"""Per-chat claiming on a real PostgreSQL server (core.workers): a chat's stored events reach the
dispatcher of the worker holding its lease, in the order they arrived, whatever arrives meanwhile; a
dead worker's chats pass to another; each worker takes its share of the chats with work."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from core import deliveries as deliveries_module
from core import inbox as inbox_module
from core import leases as leases_module
from core.clock import Clock
from core.deliveries import Deliveries
from core.events import ChatRef, MessageEvent, User
from core.inbox import Inbox
from core.storage_pg import PgStorage
from core.workers import Workers

MEMBER = User(platform="telegram", id="7", name="Amina")


def said(chat: str, n: int) -> MessageEvent:
    return MessageEvent(id=str(n), chat=ChatRef(platform="telegram", id=chat), author=MEMBER, text=f"message {n}")


class Worker:
    """A Workers with the runtime's parts replaced by lists of what it was handed (the tables are real)."""

    def __init__(self, db: PgStorage, ttl: float = 30.0) -> None:
        self.inbox = Inbox(db, Clock())
        self.deliveries = Deliveries(db, Clock())
        self.handled: list[str] = []
        self.tasks: set[asyncio.Task[Any]] = set()
        self.workers = Workers(db, self.inbox, self.deliveries, ttl, enqueue=self._enqueue, submit=self._submit,
                               busy=lambda lane: False, spawn=self._spawn)
        self.inbox.allocate = self.workers.inbox_ids
        self.deliveries.allocate = self.workers.outbox_ids

    def _enqueue(self, event: MessageEvent, row_id: int) -> None:
        self.handled.append(event.text)

    def _submit(self, record: Any) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        return future

    def _spawn(self, coro: Any, name: str) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro, name=name)
        self.tasks.add(task)
        return task

    async def arrive(self, *events: MessageEvent) -> None:
        """Events the intake stored on this worker, offered to it as the runtime does."""
        ids = await self.inbox.store([(event, None) for event in events])
        for event, row_id in zip(events, ids):
            assert row_id
            self.workers.offer_event(event, row_id)

    async def settle(self) -> None:
        while self.tasks:
            done = [t for t in self.tasks if t.done()]
            self.tasks.difference_update(done)
            if self.tasks:
                await asyncio.wait(set(self.tasks))


async def _open(dsn: str) -> PgStorage:
    db = await PgStorage.open(dsn)
    for owner, migrations in (("core.inbox", inbox_module.MIGRATIONS), ("core.outbox", deliveries_module.MIGRATIONS),
                              ("core.leases", leases_module.MIGRATIONS)):
        await db.migrate(owner, migrations)
    return db


@pytest.mark.parametrize("slow_step", ["reading the stored rows", "renewing the row ids"])
async def test_a_message_arriving_while_its_chat_is_being_taken_waits_for_the_stored_ones(pg_dsn, slow_step):
    """Taking a chat reads its stored rows and renews the worker's row ids (so its new rows sort after
    the previous holder's); a message arriving during either step is handled after the stored ones."""
    db = await _open(pg_dsn)
    worker = Worker(db)
    try:
        await worker.workers.start()
        ids = await worker.inbox.store([(said("-1", n), None) for n in (1, 2, 3)])  # stored while nobody held the chat
        assert all(ids)
        slowed = asyncio.Event()
        go_on = asyncio.Event()
        owner, name = (worker.inbox, "pending") if slow_step == "reading the stored rows" else (worker.workers.outbox_ids, "renew")
        step = getattr(owner, name)

        async def slow(*args: Any, **kwargs: Any) -> Any:  # the server answers this step slowly (a busy server)
            slowed.set()
            await go_on.wait()
            return await step(*args, **kwargs)

        setattr(owner, name, slow)
        claim = asyncio.create_task(worker.workers.look())  # takes the chat
        await slowed.wait()
        await worker.arrive(said("-1", 4))  # a new message of that chat, meanwhile
        setattr(owner, name, step)
        go_on.set()
        await claim
        await worker.settle()
        assert worker.handled == ["message 1", "message 2", "message 3", "message 4"]
    finally:
        await worker.workers.stop()
        await db.close()


async def test_a_dead_workers_chat_passes_to_another_with_its_unhandled_messages_in_order(pg_dsn):
    db_a, db_b = await _open(pg_dsn), await _open(pg_dsn)
    a, b = Worker(db_a, ttl=0.5), Worker(db_b, ttl=0.5)
    try:
        await a.workers.start()
        await b.workers.start()
        await a.arrive(said("-2", 1))
        await a.settle()
        assert a.handled == ["message 1"] and b.workers.holds("telegram:-2") is False
        await b.arrive(said("-2", 2), said("-2", 3))  # stored by b (the intake), but the chat is a's
        await b.settle()
        await b.workers.look()
        assert b.handled == []  # a holds it: a's own look would find them
        await a.workers.stop_looking()  # a dies: nothing renews its leases any more
        await a.workers.renewer.stop()
        await asyncio.sleep(0.8)
        await b.workers.look()
        await b.settle()
        assert b.handled == ["message 1", "message 2", "message 3"]  # 1 was never marked done: it runs again
    finally:
        await b.workers.stop()
        await db_a.close()
        await db_b.close()


async def test_two_workers_each_take_their_share_of_the_chats_with_work(pg_dsn):
    db_a, db_b = await _open(pg_dsn), await _open(pg_dsn)
    a, b = Worker(db_a), Worker(db_b)
    try:
        await a.workers.start()
        await b.workers.start()
        await a.inbox.store([(said(f"-{100 + n}", n), None) for n in range(10)])
        await a.workers.look()
        await b.workers.look()
        assert len(a.handled) == 5 and len(b.handled) == 5
        assert set(a.handled).isdisjoint(b.handled)
    finally:
        await a.workers.stop()
        await b.workers.stop()
        await db_a.close()
        await db_b.close()
