"""Time for the runtime: the real clock, and a fake one that tests move by hand.

Everything that needs "now" or waits for a moment (scheduler, cooldowns, outbox budgets) asks the
clock, so that a test can jump a week ahead in microseconds.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone


class Clock:
    """The real clock (aware UTC)."""

    manual = False
    """True for a clock that moves only when told (FakeClock): waiting on it never ends by itself,
    so "idle" means "nothing left to do before time moves" (see Outbox.join, Scheduler.idle)."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def monotonic(self) -> float:
        """Seconds on a monotonic scale, for rate budgets and cooldowns."""
        return asyncio.get_running_loop().time()

    async def sleep_until(self, when: datetime) -> None:
        """Sleep until `when` (returns at once if it has passed). Cancellable."""
        delay = (when - self.now()).total_seconds()
        if delay > 0:
            await asyncio.sleep(min(delay, 86_400.0))

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class FakeClock(Clock):
    """A clock that only moves when told: `await clock.advance(hours=3)`.

    Moving it while no runtime runs (between `runtime.stop()` and a new start) simulates downtime:
    nothing fires during the jump, and the next runtime finds its jobs late.
    """

    manual = True

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)
        self._offset = 0.0
        self._sleepers: list[tuple[datetime, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()
        self.quiesce: Callable[[], Awaitable[None]] | None = None
        """Awaited after each wake-up so the woken work finishes before time moves on (set by the test kit)."""

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._offset

    async def sleep_until(self, when: datetime) -> None:
        if when <= self._now:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (when, next(self._seq), future))
        await future

    async def sleep(self, seconds: float) -> None:
        await self.sleep_until(self._now + timedelta(seconds=seconds))

    async def advance(self, delta: timedelta | None = None, **kwargs: float) -> None:
        """Move time forward, waking sleepers in order and letting them run at their moment."""
        step = delta if delta is not None else timedelta(**kwargs)
        if step < timedelta(0):
            raise ValueError("a clock only moves forward")
        target = self._now + step
        await self._let_run()  # work started before the call settles first (e.g. a sleeper not yet asleep)
        while self._sleepers and self._sleepers[0][0] <= target:
            when, _, future = heapq.heappop(self._sleepers)
            if future.done():  # its sleeper was cancelled: nothing to wake, and time need not stop here
                continue
            if when > self._now:
                self._offset += (when - self._now).total_seconds()
                self._now = when
            future.set_result(None)
            while self._sleepers and self._sleepers[0][0] <= when:  # every sleeper of this moment wakes at once:
                other = heapq.heappop(self._sleepers)[2]  # one would not settle while the others wait
                if not other.done():
                    other.set_result(None)
            await self._let_run()
        self._offset += (target - self._now).total_seconds()
        self._now = target
        await self._let_run()

    async def _let_run(self) -> None:
        await settle()
        if self.quiesce is not None:
            await self.quiesce()

    def pending_sleepers(self) -> int:
        """How many tasks wait on this clock (diagnostics for tests)."""
        return sum(1 for _, _, future in self._sleepers if not future.done())

    async def set(self, when: datetime) -> None:
        """Jump to an absolute time (forward only)."""
        await self.advance(when - self._now)


async def settle(rounds: int = 20) -> None:
    """Let ready tasks run a few loop iterations (tests use this after moving the fake clock)."""
    for _ in range(rounds):
        await asyncio.sleep(0)
