"""An intake in parts (core.intakes) on a real PostgreSQL server: workers share the parts fairly, never
run one part twice, and say so when they disagree on how many parts there are.

The adapter is a stand-in that records which parts it was told to receive (Discord's shards are the
real case: tests/adapters/discord/test_shards.py)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from core.adapter import Adapter, Capabilities
from core.replies import Action, Sent
from tests.core.test_workers import Worker, _open


class PartsAdapter(Adapter):
    """Receives in `parts` parts; `running` is what it receives now, `most` the most workers ever
    receiving one part at once (shared by the stand-ins of one test, as the platform would see it)."""

    name = "chat"
    config_type = dict
    capabilities = Capabilities(platform="chat")

    def __init__(self, parts: int, receivers: dict[int, set[int]]) -> None:
        super().__init__({}, host=None)  # type: ignore[arg-type]
        self.parts = parts
        self.running: set[int] = set()
        self.receivers = receivers  # part -> ids of the stand-ins receiving it
        self.most: dict[int, int] = {}

    @property
    def exclusive_intake(self) -> bool:
        return True

    @property
    def intake_parts(self) -> int:
        return self.parts

    async def start_intake_part(self, part: int) -> None:
        self.running.add(part)
        self.receivers.setdefault(part, set()).add(id(self))
        self.most[part] = max(self.most.get(part, 0), len(self.receivers[part]))

    async def stop_intake_part(self, part: int) -> None:
        self.running.discard(part)
        self.receivers.get(part, set()).discard(id(self))

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def perform(self, action: Action) -> Sent:
        raise NotImplementedError


async def _until(condition: Any, what: str, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


async def test_three_workers_take_two_parts_of_five_at_most_and_a_stopped_ones_parts_move(pg_dsn):
    dbs = [await _open(pg_dsn) for _ in range(3)]
    workers = [Worker(db, ttl=0.6) for db in dbs]
    receivers: dict[int, set[int]] = {}
    adapters = [PartsAdapter(5, receivers) for _ in workers]
    try:
        for worker in workers:
            await worker.workers.start()
        for worker, adapter in zip(workers, adapters):
            worker.workers.lead(adapter)
        await _until(lambda: sorted(p for a in adapters for p in a.running) == [0, 1, 2, 3, 4]
                     and all(len(a.running) <= 2 for a in adapters), "every part received, two per worker at most")
        await workers[0].workers.stop_looking()  # a clean stop: the intake ends, then the leases go
        for part in sorted(adapters[0].running):
            await adapters[0].stop_intake_part(part)
        await workers[0].workers.stop()
        await _until(lambda: sorted(p for a in adapters[1:] for p in a.running) == [0, 1, 2, 3, 4],
                     "the two others to receive every part")
        assert sorted(len(a.running) for a in adapters[1:]) == [2, 3]  # 5 parts over 2 workers: 3 at most
        assert all(n == 1 for a in adapters for n in a.most.values())  # never two receivers of one part
    finally:
        for worker in workers[1:]:
            await worker.workers.stop()
        for db in dbs:
            await db.close()


async def test_workers_that_disagree_on_the_parts_say_so(pg_dsn, caplog):
    dbs = [await _open(pg_dsn) for _ in range(2)]
    workers = [Worker(db, ttl=0.6) for db in dbs]
    receivers: dict[int, set[int]] = {}
    more, fewer = PartsAdapter(3, receivers), PartsAdapter(2, receivers)
    try:
        await workers[0].workers.start()
        workers[0].workers.lead(more)
        await _until(lambda: more.running == {0, 1, 2}, "the first worker to receive its three parts")
        with caplog.at_level(logging.WARNING, logger="practica.workers"):
            await workers[1].workers.start()
            workers[1].workers.lead(fewer)
            await _until(lambda: "into more than 2 parts" in caplog.text, "the warning")
        assert "give every worker the same setting" in caplog.text
    finally:
        for worker in workers:
            await worker.workers.stop()
        for db in dbs:
            await db.close()
