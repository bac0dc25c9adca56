"""The outbound pipeline: every reply and action leaves through a per-chat queue.

- Order: one worker per chat sends its queue in order; within a chat, lower priorities go first
  (moderation, replies, reminders, announcements), same priority in submission order.
- Budgets: per platform, a minimum gap per chat, a per-minute cap per group and a global per-second
  cap (Telegram: ~1/s per chat, 20/min per group, 30/s overall). Discord's per-route buckets are
  handled by discord.py from the response headers; we only cap the global rate.
- Errors: a "retry after N s" holds that chat's queue N seconds and retries the same action, so
  nothing is lost or reordered; transient errors are retried with exponential backoff; permanent ones
  (bot removed, forbidden) are logged once per chat and reported to whoever awaited the delivery.
- Long text is split at the platform's limit on line, then word boundaries (see core.text).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from core.clock import Clock
from core.errors import DeliveryError
from core.replies import Action, DirectMessage, Priority, Reply, Sent
from core.text import split_text

if TYPE_CHECKING:
    from adapters.base import Adapter

log = logging.getLogger("practica.outbox")


@dataclass(frozen=True)
class Budget:
    """Sending limits of one platform (0 = no limit)."""

    chat_gap: float = 0.0          # seconds between two messages to one chat
    group_per_minute: int = 0      # messages per minute to one group
    global_per_second: int = 0     # messages per second overall
    max_retries: int = 5           # transient errors before giving up on an action
    backoff: float = 1.0           # first backoff delay, doubled each time (capped at 60 s)


PLATFORM_BUDGETS: dict[str, Budget] = {
    "telegram": Budget(chat_gap=1.0, group_per_minute=20, global_per_second=30),
    "discord": Budget(global_per_second=50),
}


@dataclass(order=True)
class _Item:
    priority: int
    seq: int
    action: Action = field(compare=False)
    future: asyncio.Future[Sent | None] = field(compare=False)


@dataclass
class _Lane:
    heap: list[_Item] = field(default_factory=list)
    worker: asyncio.Task[None] | None = None
    last_sent: float = -1e18
    minute: deque[float] = field(default_factory=deque)
    warned_permanent: bool = False


class Outbox:
    """Per-chat queues in front of the adapters. `submit()` returns a future of the delivery."""

    def __init__(self, adapters: Mapping[str, Adapter], clock: Clock,
                 budgets: Mapping[str, Budget] | None = None) -> None:
        self.adapters = adapters
        self.clock = clock
        self.budgets = dict(PLATFORM_BUDGETS if budgets is None else budgets)
        self._lanes: dict[str, _Lane] = {}
        self._seq = itertools.count()
        self._global: dict[str, deque[float]] = {}
        self.on_permanent_failure: Callable[[Action, DeliveryError], None] | None = None

    def submit(self, action: Action, priority: Priority | None = None) -> asyncio.Future[Sent | None]:
        """Queue `action`; the returned future resolves when it was delivered (or failed)."""
        future: asyncio.Future[Sent | None] = asyncio.get_running_loop().create_future()
        key = f"{self._platform(action)}|{action.queue_key}"
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = _Lane()
        prio = int(priority if priority is not None else action.default_priority)
        heapq.heappush(lane.heap, _Item(prio, next(self._seq), action, future))
        if lane.worker is None or lane.worker.done():
            lane.worker = asyncio.create_task(self._work(key, lane), name=f"practica-outbox-{key}")
        return future

    async def join(self, timeout: float | None = None) -> bool:
        """Wait until every queue is empty; False when `timeout` passed first."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    workers = [lane.worker for lane in self._lanes.values() if lane.worker is not None and not lane.worker.done()]
                    if not workers:
                        return True
                    await asyncio.wait(workers)
        except TimeoutError:
            return False

    async def close(self) -> None:
        """Cancel the workers; undelivered actions fail their futures."""
        for lane in self._lanes.values():
            if lane.worker is not None:
                lane.worker.cancel()
            for item in lane.heap:
                _fail(item.future, DeliveryError("the bot stopped before this was delivered"))
        self._lanes.clear()

    # --- workers ---------------------------------------------------------------------------

    @staticmethod
    def _platform(action: Action) -> str:
        chat = getattr(action, "chat", None)
        if chat is not None:
            return chat.platform
        return action.user.platform  # type: ignore[attr-defined]

    async def _work(self, key: str, lane: _Lane) -> None:
        while lane.heap:
            item = heapq.heappop(lane.heap)
            if item.future.cancelled():
                continue
            try:
                sent = await self._deliver(item.action, lane)
            except DeliveryError as exc:
                _fail(item.future, exc)
            except Exception:  # an adapter bug: never kill the lane
                log.exception("outbox %s: unexpected error delivering %s", key, type(item.action).__name__)
                _fail(item.future, DeliveryError("delivery failed"))
            else:
                if not item.future.done():
                    item.future.set_result(sent)

    async def _deliver(self, action: Action, lane: _Lane) -> Sent | None:
        platform = self._platform(action)
        adapter = self.adapters.get(platform)
        if adapter is None:
            raise DeliveryError(f"no adapter for platform {platform!r}", permanent=True)
        parts = self._split(action, adapter.capabilities.max_text)
        first: Sent | None = None
        for part in parts:
            sent = await self._send_one(adapter, part, lane, platform)
            first = first or sent
        return first

    @staticmethod
    def _split(action: Action, limit: int) -> list[Action]:
        if not isinstance(action, (Reply, DirectMessage)) or len(action.text.encode("utf-16-le")) // 2 <= limit:
            return [action]
        chunks = split_text(action.text, limit)
        parts: list[Action] = []
        for i, chunk in enumerate(chunks):
            last = i == len(chunks) - 1
            if isinstance(action, Reply):
                parts.append(replace(action, text=chunk, buttons=action.buttons if last else (),
                                     reply_to=action.reply_to if i == 0 else None))
            else:
                parts.append(replace(action, text=chunk, buttons=action.buttons if last else ()))
        return parts

    async def _send_one(self, adapter: Adapter, action: Action, lane: _Lane, platform: str) -> Sent | None:
        budget = self.budgets.get(platform, Budget())
        attempt = 0
        while True:
            await self._wait_budget(budget, lane, platform, action)
            try:
                return await adapter.perform(action)
            except DeliveryError as exc:
                if exc.retry_after is not None:
                    log.warning("outbox %s: platform asked to wait %.1f s; holding this chat's queue", platform, exc.retry_after)
                    await self.clock.sleep(exc.retry_after)
                    continue
                if exc.permanent:
                    if not lane.warned_permanent:
                        lane.warned_permanent = True
                        log.warning("outbox %s: cannot deliver %s to %s: %s", platform, type(action).__name__, action.queue_key, exc)
                    if self.on_permanent_failure is not None:
                        self.on_permanent_failure(action, exc)
                    raise
                attempt += 1
                if attempt > budget.max_retries:
                    log.warning("outbox %s: giving up on %s after %d attempts: %s", platform, type(action).__name__, attempt, exc)
                    raise
                await self.clock.sleep(min(60.0, budget.backoff * 2 ** (attempt - 1)))

    async def _wait_budget(self, budget: Budget, lane: _Lane, platform: str, action: Action) -> None:
        if not (budget.chat_gap or budget.group_per_minute or budget.global_per_second):
            return
        while True:
            now = self.clock.monotonic()
            wait = 0.0
            if budget.chat_gap:
                wait = max(wait, lane.last_sent + budget.chat_gap - now)
            chat = getattr(action, "chat", None)
            if budget.group_per_minute and chat is not None and chat.kind != "direct":
                while lane.minute and lane.minute[0] <= now - 60:
                    lane.minute.popleft()
                if len(lane.minute) >= budget.group_per_minute:
                    wait = max(wait, lane.minute[0] + 60 - now)
            if budget.global_per_second:
                window = self._global.setdefault(platform, deque())
                while window and window[0] <= now - 1:
                    window.popleft()
                if len(window) >= budget.global_per_second:
                    wait = max(wait, window[0] + 1 - now)
            if wait <= 0:
                lane.last_sent = now
                lane.minute.append(now)
                if budget.global_per_second:
                    self._global[platform].append(now)
                return
            await self.clock.sleep(wait)


def _fail(future: asyncio.Future[Sent | None], error: DeliveryError) -> None:
    """Fail a delivery future; marked retrieved, since fire-and-forget senders never await it."""
    if not future.done():
        future.set_exception(error)
        future.exception()
