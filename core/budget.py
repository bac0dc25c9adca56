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
import math
from collections.abc import Awaitable
from typing import Any, TypeVar

T = TypeVar("T")


class TimeBudget:
    """Runs awaitables under a budget of `seconds`; see the module docstring."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.resolution = min(0.25, max(seconds / 4, 0.01))
        self._ticks_allowed = math.ceil(seconds / self.resolution)
        self._tick = 0  # advanced by the watchdog every `resolution` seconds
        self._active: dict[int, tuple[asyncio.Task[Any], int]] = {}
        self._expired: set[int] = set()
        self._keys = itertools.count()
        self._watchdog: asyncio.Task[None] | None = None

    # A slot is one task's registration. `run()` uses one slot per call; the HookRunner keeps one slot
    # for a whole fan-out and restarts its clock before each plugin, which costs one dict store.

    def enter(self) -> tuple[int, asyncio.Task[Any]]:
        """Register the current task; returns the slot to pass to the other methods."""
        task = asyncio.current_task()
        if task is None:  # pragma: no cover - always inside a task in practica
            raise RuntimeError("TimeBudget needs a running task")
        key = next(self._keys)
        self._active[key] = (task, self._tick)
        if self._watchdog is None:
            self._watchdog = task.get_loop().create_task(self._watch_loop(), name="practica-budget-watchdog")
        return key, task

    def restart(self, slot: tuple[int, asyncio.Task[Any]]) -> None:
        """Start the budget again for the next call in this slot."""
        self._active[slot[0]] = (slot[1], self._tick)

    def timed_out(self, slot: tuple[int, asyncio.Task[Any]]) -> bool:
        """After a CancelledError: True when it was this budget's doing (the cancellation is then undone)."""
        key, task = slot
        if key in self._expired and task.uncancel() == 0:
            self._expired.discard(key)
            return True
        return False

    def settle(self, slot: tuple[int, asyncio.Task[Any]]) -> None:
        """After a call that ended normally: undo an expiry the callee swallowed, so it cannot leak."""
        if not self._expired:
            return
        key, task = slot
        if key in self._expired:
            self._expired.discard(key)
            if task.cancelling():
                task.uncancel()

    def leave(self, slot: tuple[int, asyncio.Task[Any]]) -> None:
        self._active.pop(slot[0], None)
        self.settle(slot)

    async def run(self, awaitable: Awaitable[T]) -> T:
        """Await `awaitable`; if it is still running after the budget, cancel it and raise TimeoutError."""
        slot = self.enter()
        try:
            return await awaitable
        except asyncio.CancelledError:
            if self.timed_out(slot):
                raise TimeoutError from None
            raise
        finally:
            self.leave(slot)

    async def _watch_loop(self) -> None:
        try:
            while self._active:
                await asyncio.sleep(self.resolution)
                self._tick += 1
                oldest_allowed = self._tick - self._ticks_allowed
                for key, (task, started) in list(self._active.items()):
                    if started < oldest_allowed and key not in self._expired:
                        self._expired.add(key)
                        task.cancel()
        finally:
            self._watchdog = None

    async def close(self) -> None:
        """Stop the watchdog (at shutdown)."""
        watchdog = self._watchdog
        if watchdog is not None and not watchdog.done():
            watchdog.cancel()
            try:
                await watchdog
            except asyncio.CancelledError:
                pass
        self._watchdog = None
