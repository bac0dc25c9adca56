"""The outbound pipeline: every reply and action leaves through a per-chat queue.

- Order: one worker per chat sends its queue in order; within a chat, lower priorities go first
  (moderation, replies, reminders, announcements), same priority in submission order.
- Budgets: per platform, a minimum gap per chat, a per-minute cap per group and a global per-second
  cap, as each adapter declares them (`Adapter.budget`, a core.adapter.Budget), all kept here (the
  global one over any sliding second). With several workers, `shared` also gives a window that they
  keep together (core.send_windows): a send then takes a token from it too, and waits for the next
  second when it is full.
- Errors: a "retry after N s" holds that chat's queue N seconds and retries the same action, so
  nothing is lost or reordered (only a higher-priority action queued meanwhile may go first);
  transient errors (5xx, timeouts, refused connections) are retried with capped exponential backoff,
  holding the chat the same way, for the platform's retry window (hours); permanent ones (bot
  removed, forbidden, bad request) are not retried, are logged once per chat and reported.
- Durability: an action submitted with its outbox row (`record`) reports each step to `receipts`:
  a part of a long text sent, the whole action sent (with its platform message id), or failed for
  good. The lane waits for that report to be stored before it sends its next message, so a crash
  can duplicate at most the one message per chat that was in flight.
- Paused at creation: nothing leaves until `resume()` (the runtime resumes once adapters run).
- Budgets count messages (replies, DMs, files, polls) per chat and per group; moderation calls only
  count against the global rate.
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
from typing import Protocol

from core.adapter import Adapter, Budget
from core.clock import Clock
from core.errors import DeliveryError
from core.replies import Action, DirectMessage, Priority, Reply, SendFile, SendPoll, Sent
from core.text import split_text, utf16_len
from core.unit import Outgoing

log = logging.getLogger("practica.outbox")


# Actions that post a message: the ones per-chat and per-group budgets count. Moderation
# calls (delete, restrict, ban...) only count against the global rate, so cleaning up a spam wave
# is not slowed to one call per second.
_MESSAGES = (Reply, DirectMessage, SendFile, SendPoll)
_SWEEP_EVERY = 1024


@dataclass(order=True)
class _Item:
    priority: int
    seq: int
    action: Action = field(compare=False)
    future: asyncio.Future[Sent | None] = field(compare=False)
    parts: list[Action] | None = field(default=None, compare=False)  # the split text, once computed
    sent_parts: int = field(default=0, compare=False)
    first: Sent | None = field(default=None, compare=False)
    failures: int = field(default=0, compare=False)  # transient failures of the current part
    failing_since: float | None = field(default=None, compare=False)  # monotonic: first failure of this run
    record: Outgoing | None = field(default=None, compare=False)


@dataclass
class _Lane:
    heap: list[_Item] = field(default_factory=list)
    worker: asyncio.Task[None] | None = None
    current: _Item | None = None
    held_until: float = -1e18      # monotonic: "retry after" or backoff holds the whole chat until then
    waiting_until: float | None = None  # monotonic: the worker sleeps on the clock until then
    last_sent: float = -1e18
    minute: deque[float] = field(default_factory=deque)
    warned_permanent: bool = False


class Rate(Protocol):
    """A platform's global per-second cap kept outside this outbox (core.send_windows.SharedWindow)."""

    def try_take(self) -> bool:
        """Spend one token now if one is at hand (no I/O)."""

    async def wait(self) -> float:
        """Get tokens: 0.0 when some are at hand now, else the seconds until the next window."""

    async def close(self) -> None: ...


class Receipts(Protocol):
    """Where a durable action's progress is stored (the runtime's delivery records)."""

    async def progress(self, record: Outgoing, parts_sent: int) -> None: ...

    async def part(self, record: Outgoing, sent: Sent) -> None:
        """A later part of a split text went out under its own message id (a platform may report on it)."""

    async def sent(self, record: Outgoing, sent: Sent | None) -> None: ...

    async def failed(self, record: Outgoing, error: DeliveryError) -> None: ...


class Outbox:
    """Per-chat queues in front of the adapters. `submit()` returns a future of the delivery."""

    def __init__(self, adapters: Mapping[str, Adapter], clock: Clock,
                 budgets: Mapping[str, Budget] | None = None, receipts: Receipts | None = None,
                 retry_window: float | None = None) -> None:
        self.adapters = adapters
        self.clock = clock
        self.budgets = {name: adapter.budget for name, adapter in adapters.items()} if budgets is None else dict(budgets)
        self._lanes: dict[str, _Lane] = {}
        self._seq = itertools.count()
        self._global: dict[str, deque[float]] = {}
        self._changed = asyncio.Event()
        self.receipts = receipts
        self.retry_window = retry_window
        self._paused = True
        self.may_send: Callable[[str], bool] | None = None
        """Several workers: whether a stored row of this chat may still be sent from here (core.workers)."""
        self.shared: Callable[[str, int], Rate] | None = None
        """Several workers: makes the window (platform, cap) that keeps a platform's global cap for all of them."""
        self._rates: dict[str, tuple[int, Rate]] = {}
        self._old_rates: list[Rate] = []

    def resume(self) -> None:
        """Start sending (the runtime calls it once the adapters are connected)."""
        self._paused = False
        for key, lane in self._lanes.items():
            if lane.heap and (lane.worker is None or lane.worker.done()):
                lane.worker = asyncio.create_task(self._work(key, lane), name=f"practica-outbox-{key}")

    def submit(self, action: Action, priority: Priority | int | None = None, *,
               record: Outgoing | None = None) -> asyncio.Future[Sent | None]:
        """Queue `action`; the returned future resolves when it was delivered (or failed).

        Within one chat, actions leave by priority (moderation, replies, reminders, announcements),
        then in submission order. A long text leaves as several messages, in order. With `record`
        (its outbox row), progress is reported to `receipts` and parts already sent are skipped.
        """
        future: asyncio.Future[Sent | None] = asyncio.get_running_loop().create_future()
        key = f"{self._platform(action)}|{action.queue_key}"
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = _Lane()
        seq = next(self._seq)
        prio = int(priority if priority is not None else action.default_priority)
        item = _Item(prio, seq, action, future, record=record)
        if record is not None:
            item.sent_parts = record.parts_sent
        heapq.heappush(lane.heap, item)
        if not self._paused and (lane.worker is None or lane.worker.done()):
            lane.worker = asyncio.create_task(self._work(key, lane), name=f"practica-outbox-{key}")
        if seq % _SWEEP_EVERY == 0 and len(self._lanes) > _SWEEP_EVERY:
            self._sweep()
        return future

    def busy(self, queue_key: str) -> bool:
        """Whether actions for `queue_key` (a chat, a member's private chat) wait or are being sent here."""
        for platform in self.adapters:
            lane = self._lanes.get(f"{platform}|{queue_key}")
            if lane is not None and (lane.heap or lane.current is not None):
                return True
        return False

    async def join(self, timeout: float | None = None) -> bool:
        """Wait until every queue is empty; False when `timeout` passed first.

        Under a manual (fake) clock a queue that waits for time to pass (a platform's "retry after",
        a backoff, a rate budget) counts as settled: only the test can move time on.
        """
        try:
            async with asyncio.timeout(timeout):
                while True:
                    busy = self._busy()
                    if not busy:
                        return True
                    self._changed.clear()
                    changed = asyncio.ensure_future(self._changed.wait())
                    try:
                        await asyncio.wait({*busy, changed}, return_when=asyncio.FIRST_COMPLETED)
                    finally:
                        changed.cancel()
        except TimeoutError:
            return False

    @property
    def settled(self) -> bool:
        """Whether nothing is being sent (what `join` waits for), without waiting."""
        return not self._busy()

    def _busy(self) -> list[asyncio.Task[None]]:
        return [lane.worker for lane in self._lanes.values()
                if lane.worker is not None and not lane.worker.done() and not self._parked(lane)]

    def _parked(self, lane: _Lane) -> bool:
        return (self.clock.manual and lane.waiting_until is not None
                and lane.waiting_until > self.clock.monotonic())

    async def close(self, in_flight_grace: float = 5.0) -> None:
        """Stop the workers; undelivered actions fail their futures (stored ones are sent at the next start).

        A message already handed to the platform is given `in_flight_grace` seconds to be answered and
        recorded, so a clean stop duplicates nothing; workers waiting (hold, budget) stop at once.
        """
        self._paused = True
        for lane in self._lanes.values():
            if lane.worker is not None and not lane.worker.done() and (lane.current is None or lane.waiting_until is not None):
                lane.worker.cancel()
        busy = [lane.worker for lane in self._lanes.values() if lane.worker is not None and not lane.worker.done()]
        if busy:
            await asyncio.wait(busy, timeout=in_flight_grace)
        workers = []
        for lane in self._lanes.values():
            if lane.worker is not None and not lane.worker.done():
                lane.worker.cancel()
                workers.append(lane.worker)
        await asyncio.gather(*workers, return_exceptions=True)
        for lane in self._lanes.values():
            for item in (lane.current, *lane.heap):
                if item is not None:
                    _fail(item.future, DeliveryError("the bot stopped before this was delivered"))
        self._lanes.clear()
        for rate in (*self._old_rates, *(rate for _, rate in self._rates.values())):
            await rate.close()
        self._rates.clear()
        self._old_rates.clear()

    def _sweep(self) -> None:
        """Forget idle chats whose budget windows have expired (keeps memory flat with many chats)."""
        now = self.clock.monotonic()
        for key in [k for k, lane in self._lanes.items()
                    if not lane.heap and (lane.worker is None or lane.worker.done())
                    and lane.last_sent < now - 60 and lane.held_until < now]:
            del self._lanes[key]

    # --- workers ---------------------------------------------------------------------------

    @staticmethod
    def _platform(action: Action) -> str:
        chat = getattr(action, "chat", None)
        if chat is not None:
            return str(chat.platform)
        return str(action.user.platform)  # type: ignore[attr-defined]

    async def _work(self, key: str, lane: _Lane) -> None:
        """Send the lane's queue, one message (or one part of a long text) per step, best item first.

        Waiting (hold, budget) happens with the item back in the queue, so what is queued meanwhile
        with a higher priority goes first, and same-priority items keep their order.
        """
        try:
            while lane.heap and not self._paused:
                item = heapq.heappop(lane.heap)
                if item.future.done():  # cancelled by whoever submitted it
                    continue
                lane.current = item
                platform = self._platform(item.action)
                wait = self._wait_needed(lane, platform, item.action)
                if wait <= 0 and (rate := self._rate(platform)) is not None and not rate.try_take():
                    lane.current = None  # the item waits in the queue (a stop fails it there)
                    heapq.heappush(lane.heap, item)
                    wait = await rate.wait()
                    if wait > 0:
                        await self._sleep(lane, wait)
                    continue
                if wait > 0:
                    lane.current = None
                    heapq.heappush(lane.heap, item)
                    await self._sleep(lane, wait)
                    continue
                await self._step(key, lane, item, platform)
                lane.current = None
        except asyncio.CancelledError:
            if lane.current is not None:
                _fail(lane.current.future, DeliveryError("the bot stopped before this was delivered"))
                lane.current = None
            raise
        finally:
            self._changed.set()

    async def _sleep(self, lane: _Lane, seconds: float) -> None:
        lane.waiting_until = self.clock.monotonic() + seconds
        self._changed.set()
        try:
            await self.clock.sleep(seconds)
        finally:
            lane.waiting_until = None

    async def _step(self, key: str, lane: _Lane, item: _Item, platform: str) -> None:
        """Try to send the item's next part; requeue the item, or settle its future."""
        if item.record is not None and self.may_send is not None and not self.may_send(item.action.queue_key):
            if not item.future.done():  # several workers: the chat's lease is not ours to trust any more;
                item.future.set_result(None)  # its row (and its progress) wait for the chat's holder
            return
        adapter = self.adapters.get(platform)
        if adapter is None:
            await self._permanent(lane, item, platform, DeliveryError(f"no adapter for platform {platform!r}", permanent=True))
            return
        if item.parts is None:
            item.parts = self._split(item.action, adapter.capabilities.max_text)
            if item.sent_parts >= len(item.parts):  # stored progress from before a restart
                item.sent_parts = len(item.parts) - 1
        part = item.parts[item.sent_parts]
        self._spend(lane, platform, part)
        budget = self.budgets.get(platform, Budget())
        try:
            sent = await adapter.perform(part)
        except DeliveryError as exc:
            now = self.clock.monotonic()
            if exc.retry_after is not None:
                log.warning("outbox %s: the platform asked to wait %.1f s; holding this chat's queue", key, exc.retry_after)
                lane.held_until = max(lane.held_until, now + max(0.0, exc.retry_after))
                heapq.heappush(lane.heap, item)
                return
            if exc.permanent:
                await self._permanent(lane, item, platform, exc)
                return
            item.failures += 1
            if item.failing_since is None:
                item.failing_since = now
            window = self.retry_window if self.retry_window is not None else budget.retry_window
            if now - item.failing_since >= window:
                log.warning("outbox %s: giving up on %s after %d attempts over %.0f s: %s", key, type(part).__name__,
                            item.failures, now - item.failing_since, exc)
                await self._permanent(lane, item, platform, DeliveryError(str(exc), permanent=True), quiet=True)
                return
            delay = min(budget.max_backoff, budget.backoff * 2 ** min(item.failures - 1, 30))
            if item.failures == 1 or item.failures % 10 == 0:
                log.warning("outbox %s: %s failed (%s); retrying in %.0f s", key, type(part).__name__, exc, delay)
            lane.held_until = max(lane.held_until, now + delay)
            heapq.heappush(lane.heap, item)
            return
        except Exception:  # an adapter bug: never kill the lane
            log.exception("outbox %s: unexpected error delivering %s", key, type(part).__name__)
            await self._permanent(lane, item, platform, DeliveryError("delivery failed", permanent=True), quiet=True)
            return
        lane.warned_permanent = False
        item.failures = 0
        item.failing_since = None
        item.sent_parts += 1
        item.first = item.first or sent
        if item.sent_parts > 1 and sent is not None and sent.message_id and item.record is not None \
                and self.receipts is not None:
            await self.receipts.part(item.record, sent)
        if item.sent_parts < len(item.parts):
            if item.record is not None and self.receipts is not None:
                await self.receipts.progress(item.record, item.sent_parts)
            heapq.heappush(lane.heap, item)  # same priority and seq: stays ahead of later items
            return
        if item.record is not None and self.receipts is not None:
            await self.receipts.sent(item.record, item.first)
        if not item.future.done():
            item.future.set_result(item.first)

    async def _permanent(self, lane: _Lane, item: _Item, platform: str, exc: DeliveryError, *, quiet: bool = False) -> None:
        """Report a delivery that cannot succeed: logged once per chat, never retried."""
        if not lane.warned_permanent and not quiet:
            lane.warned_permanent = True
            log.warning("outbox %s: cannot deliver %s to %s: %s", platform, type(item.action).__name__,
                        item.action.queue_key, exc)
        if item.record is not None and self.receipts is not None:
            await self.receipts.failed(item.record, exc)
        _fail(item.future, exc)

    @staticmethod
    def _split(action: Action, limit: int) -> list[Action]:
        if not isinstance(action, (Reply, DirectMessage)) or utf16_len(action.text) <= limit:
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

    # --- budgets -----------------------------------------------------------------------------

    def _rate(self, platform: str) -> Rate | None:
        """The shared window of `platform`'s global cap (several workers), made on first use."""
        if self.shared is None:
            return None
        budget = self.budgets.get(platform)
        if budget is None or not budget.global_per_second:
            return None
        known = self._rates.get(platform)
        if known is None or known[0] != budget.global_per_second:
            if known is not None:  # the budget changed (tests do): the old window closes with the outbox
                self._old_rates.append(known[1])
            known = self._rates[platform] = (budget.global_per_second, self.shared(platform, budget.global_per_second))
        return known[1]

    def _wait_needed(self, lane: _Lane, platform: str, action: Action) -> float:
        """Seconds to wait before `action` may leave: the chat's hold, then the platform's budgets."""
        now = self.clock.monotonic()
        wait = lane.held_until - now
        budget = self.budgets.get(platform)
        if budget is None:
            return wait
        if isinstance(action, _MESSAGES):
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
        return wait

    def _spend(self, lane: _Lane, platform: str, action: Action) -> None:
        """Record a send against the budgets (called right before the adapter is asked)."""
        budget = self.budgets.get(platform)
        if budget is None:
            return
        now = self.clock.monotonic()
        if isinstance(action, _MESSAGES):
            lane.last_sent = now
            chat = getattr(action, "chat", None)
            if budget.group_per_minute and chat is not None and chat.kind != "direct":
                lane.minute.append(now)
        if budget.global_per_second:
            self._global.setdefault(platform, deque()).append(now)


def _fail(future: asyncio.Future[Sent | None], error: DeliveryError) -> None:
    """Fail a delivery future; marked retrieved, since fire-and-forget senders never await it."""
    if not future.done():
        future.set_exception(error)
        future.exception()
