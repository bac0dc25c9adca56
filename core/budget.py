"""Time budgets for plugin code: one watchdog task for every call, instead of a timer per call.

`asyncio.timeout()` costs about 4 us per call (a timer handle scheduled and cancelled); an ordinary
message makes half a dozen plugin calls, so per-call timers were the largest fixed cost of the core
path. Here a call only registers its deadline in a dict; a single watchdog task wakes a few times a
second and cancels the calls that are past their deadline, which then raise TimeoutError exactly as
`asyncio.timeout()` would. Budgets are enforced within `resolution` seconds.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable
from typing import Any, TypeVar

T = TypeVar("T")


class _Watch:
    __slots__ = ("task", "deadline", "expired")

    def __init__(self, task: asyncio.Task[Any], deadline: float) -> None:
        self.task = task
        self.deadline = deadline
        self.expired = False


class TimeBudget:
    """Runs awaitables under a budget of `seconds`; see the module docstring."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.resolution = min(0.25, max(seconds / 4, 0.01))
        self._active: dict[int, _Watch] = {}
        self._keys = itertools.count()
        self._watchdog: asyncio.Task[None] | None = None

    async def run(self, awaitable: Awaitable[T]) -> T:
        """Await `awaitable`; if it is still running after the budget, cancel it and raise TimeoutError."""
        task = asyncio.current_task()
        if task is None:  # pragma: no cover - always inside a task in practica
            return await awaitable
        loop = task.get_loop()
        watch = _Watch(task, loop.time() + self.seconds)
        key = next(self._keys)
        self._active[key] = watch
        if self._watchdog is None or self._watchdog.done():
            self._watchdog = loop.create_task(self._watch_loop(), name="practica-budget-watchdog")
        timed_out = False
        try:
            return await awaitable
        except asyncio.CancelledError:
            if watch.expired and task.uncancel() == 0:
                timed_out = True
                raise TimeoutError from None
            raise
        finally:
            del self._active[key]
            if watch.expired and not timed_out and task.cancelling():
                task.uncancel()  # the plugin swallowed our cancellation: do not leak it to the caller

    async def _watch_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while self._active:
            await asyncio.sleep(self.resolution)
            now = loop.time()
            for watch in list(self._active.values()):
                if not watch.expired and watch.deadline <= now:
                    watch.expired = True
                    watch.task.cancel()

    async def close(self) -> None:
        """Stop the watchdog (at shutdown)."""
        if self._watchdog is not None and not self._watchdog.done():
            self._watchdog.cancel()
            try:
                await self._watchdog
            except asyncio.CancelledError:
                pass
        self._watchdog = None
