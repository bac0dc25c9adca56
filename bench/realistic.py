"""What the platform benchmarks share for the realistic stream (bench.stream): the community's data
before the first pass, the same lines for every side of a round, and per-update latency.

- `populate()` gives the community what its commands read: a library of 300 items (for /search),
  an open assignment posted by a trainer (for /homework), through the runtime's own command path.
- `Rounds` hands every side of a round the same lines, with the timeline and message ids going on
  from round to round (each runtime sees increasing ids and times, as on a real platform).
- `Completion` records, for practica, when each inbound message was handled and when the reply to a
  command reached the adapter, so a paced pass yields the latency of each update.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bench.stream import Generator, Line

TRAINER_ID = "900"  # a moderator of the benchmark community (bench.common.build_config)
LIBRARY_ITEMS = 300


class Rounds:
    """Round r's lines, the same for every side that asks for round r."""

    def __init__(self, count: int, seed: int = 19) -> None:
        self.count = count
        self.generator = Generator(seed)
        self._rounds: list[list[Line]] = []

    def get(self, number: int) -> list[Line]:
        while len(self._rounds) <= number:
            self._rounds.append(self.generator.take(self.count))
        return self._rounds[number]


class Counter:
    """Which round a side is at (each side calls `next()` once per pass)."""

    def __init__(self, rounds: Rounds) -> None:
        self.rounds = rounds
        self.number = 0

    def next(self) -> list[Line]:
        lines = self.rounds.get(self.number)
        self.number += 1
        return lines


async def populate(bench: Any, platform: str, chat_id: str, when: datetime) -> list[str]:
    """The community's data before the first pass; returns the trainer's replies (for the notes)."""
    from bench.bench_search import build
    from core.events import ChatRef, MessageEvent, User

    rt = bench.runtime
    await build(rt.storage, LIBRARY_ITEMS)
    chat = ChatRef(platform, chat_id, "group", "Midwives cohort 0")
    trainer = User(platform, TRAINER_ID, "Trainer Tigist", "trainer")
    adapter = bench.adapters[platform]
    before = adapter.count
    texts = ["/homework add Partograph case study | due in 7 days | Read the case and answer the five questions",
             "/homework add PPH drill report | due in 10 days | Describe your last drill in ten lines"]
    for i, text in enumerate(texts):
        await rt.deliver(MessageEvent(id=f"setup{i}", chat=chat, author=trainer, text=text, timestamp=when + timedelta(seconds=i)))
    await rt.idle()
    return [getattr(a, "text", "")[:60] for a in adapter.sent[before:]]


class Completion:
    """When practica finished each inbound message: handled (its unit of work ended) and, for a
    command, when its reply reached the adapter. Installed by wrapping the runtime's handler."""

    def __init__(self, bench: Any, platform: str) -> None:
        rt = bench.runtime
        self.handled: dict[tuple[str, str], float] = {}
        self.replied: dict[tuple[str, str], float] = {}
        self.recording = False
        dispatcher = rt.dispatcher
        inner = dispatcher._handle_stored  # noqa: SLF001 - what the lanes call for each stored event
        handled = self.handled
        clock = time.perf_counter

        async def handle_event(event: Any, inbox_id: int | None) -> None:
            await inner(event, inbox_id)
            if self.recording:
                chat = getattr(event, "chat", None)
                if chat is not None:
                    handled[(chat.id, getattr(event, "id", ""))] = clock()

        # The lanes call the handler the dispatcher was built with (the runtime's bound handle_event):
        # replacing rt.handle_event, as before, recorded nothing, so only commands (through their
        # replies) had a latency and plain messages were left out of the percentiles.
        dispatcher._handle_stored = handle_event  # noqa: SLF001
        adapter = bench.adapters[platform]
        previous: Callable[[Any], None] | None = adapter.on_perform

        def performed(action: Any) -> None:
            if previous is not None:
                previous(action)
            reply_to = getattr(action, "reply_to", None)
            if self.recording and reply_to is not None:
                self.replied.setdefault((action.chat.id, reply_to), clock())
        adapter.on_perform = performed

    def reset(self) -> None:
        self.handled.clear()
        self.replied.clear()

    def done_at(self, key: tuple[str, str], command: bool) -> float | None:
        if command:
            return self.replied.get(key)
        return self.handled.get(key)
