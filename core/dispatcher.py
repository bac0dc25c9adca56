"""The dispatcher: event -> filters -> command | listeners, per-chat order, isolation, back-pressure.

- Bounded intake: `wait_for_space()` (the runtime's `accept`) waits while `capacity` events are
  pending, so a flood slows the adapter (and so the platform) instead of eating memory. Domain
  events and events queued again after a restart are never held back: they are already stored.
- Order: events of one chat (DomainEvents: of one community) run one after another in arrival order;
  different chats run concurrently, one lane task each, created on demand.
- Isolation: each plugin call runs under the hook budget; errors are logged with plugin, hook or
  command and event id, and never shown in a chat. Commands are run by core.invoke (permissions,
  cooldowns, suggestions, the member's error text).
- Units of work: each event runs as one unit (`Runtime.handle_event`); each plugin call is a part
  of it, so a failing plugin's writes and replies are undone and nobody else's.
- Shutdown: `close()` stops dispatching new events (they stay stored); `drain()` finishes accepted
  ones within a deadline.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from core import standing
from core.commands import split_invocation
from core.context import Context
from core.events import ButtonPressed, Event, MemberJoined, MemberLeft, MessageEvent
from core.invoke import Invoker
from core.text import clean_text

if TYPE_CHECKING:
    from core.config import Community
    from core.hooks import ContextFactory, HookRunner
    from core.host import Host

log = logging.getLogger("practica.dispatcher")


class Dispatcher:
    """Routes events to plugins. Created and owned by the Runtime.

    Args:
        host: the runtime.
        runner: the plugins' hook runner.
        handle: runs one stored event as a unit of work (the runtime's `handle_event`, which calls `handle`).
        capacity: events pending before `wait_for_space` makes adapters wait.
    """

    def __init__(self, host: Host, runner: HookRunner, handle: Callable[[Event, int | None], Awaitable[None]],
                 capacity: int = 10_000) -> None:
        self.host = host
        self.runner = runner
        self.invoker = Invoker(host, runner)
        self._handle_stored = handle
        self.capacity = capacity
        self._lanes: dict[str, deque[tuple[Event, int | None]]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._pending = 0
        self._space = asyncio.Condition()
        self._done = asyncio.Event()
        self._done.set()
        self._closed = False
        self._tell_refused = standing.RefusalNotices(host.clock)

    # --- intake ---------------------------------------------------------------------------

    @property
    def pending(self) -> int:
        """Events queued or running."""
        return self._pending

    @property
    def closed(self) -> bool:
        return self._closed

    def busy(self, key: str) -> bool:
        """Whether events of lane `key` are queued or running here."""
        return key in self._lanes

    async def wait_for_space(self) -> None:
        """Wait while `capacity` events are pending (back-pressure for adapters)."""
        if self._pending >= self.capacity and not self._closed:
            async with self._space:
                await self._space.wait_for(lambda: self._pending < self.capacity or self._closed)

    def enqueue(self, event: Event, inbox_id: int | None = None) -> bool:
        """Queue a stored event (its inbox row id) for handling in its lane. False once closed."""
        if self._closed:
            return False
        self._pending += 1
        self._done.clear()
        key = event.order_key
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = deque()
        lane.append((event, inbox_id))
        if key not in self._workers:
            self._workers[key] = asyncio.create_task(self._run_lane(key, lane), name=f"practica-lane-{key}")
        return True

    async def join(self) -> None:
        """Wait until every accepted event has been handled."""
        await self._done.wait()

    def close(self) -> None:
        """Accept no more events (already accepted ones still run)."""
        self._closed = True

    async def drain(self, deadline: float) -> bool:
        """Finish accepted events within `deadline` seconds; cancel the rest (logged). True if all finished."""
        self.close()
        try:
            async with asyncio.timeout(deadline):
                await self.join()
            return True
        except TimeoutError:
            log.error("shutdown deadline (%.1f s) passed with %d event(s) still running; cancelling them",
                      deadline, self._pending)
            for task in list(self._workers.values()):
                task.cancel()
            await asyncio.gather(*self._workers.values(), return_exceptions=True)
            return False

    async def _run_lane(self, key: str, lane: deque[tuple[Event, int | None]]) -> None:
        handle = self._handle_stored
        try:
            while lane:
                event, inbox_id = lane[0]
                try:
                    await handle(event, inbox_id)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("unexpected error while handling %s", type(event).__name__)
                finally:
                    lane.popleft()
                    self._pending -= 1
                    if self._pending < self.capacity and self._space._waiters:
                        async with self._space:
                            self._space.notify_all()
        finally:
            del self._workers[key]
            if not lane:
                self._lanes.pop(key, None)
            if self._pending == 0:
                self._done.set()

    # --- routing ----------------------------------------------------------------------------

    async def handle(self, event: Event) -> None:
        """Handle one event now (lanes call this; benchmarks may too)."""
        host = self.host
        if isinstance(event, MessageEvent):
            await self._handle_message(event)
            return
        community = host.community_of(event)
        if isinstance(event, MemberJoined):
            await host.members.saw(community.name, event.member, event.timestamp)
        elif isinstance(event, MemberLeft):
            await host.members.saw(community.name, event.member, event.timestamp, active=False)
        if standing.filtered(event) and not await standing.allowed(host, community, event.user, event.chat, event):  # type: ignore[attr-defined]
            if isinstance(event, ButtonPressed) and not event.user.is_bot and self._tell_refused.due(community.name, event.user.uid):
                # a press that does nothing must not look like a broken button: say so, privately, now and then
                ctx = Context(host, standing.PLUGIN, community, event)
                await ctx.dm(event.user, ctx.t("standing.button_refused"))
            return
        await self.runner.each("practica_on_event", self._ctx_factory(community, event),
                               skip=community.disabled_plugins, event=event)

    def _ctx_factory(self, community: Community, event: Event) -> ContextFactory:
        host = self.host
        return lambda plugin: Context(host, plugin, community, event)

    async def _handle_message(self, event: MessageEvent) -> None:
        host = self.host
        if event.author.is_bot:
            return
        text = clean_text(event.text)
        if text != event.text:
            event = dataclasses.replace(event, text=text)
        community = host.community_of(event)
        if not event.chat.is_direct:  # a private chat says nothing about community membership
            await host.members.saw(community.name, event.author, event.timestamp)
        ctx_for = self._ctx_factory(community, event)
        skip = community.disabled_plugins
        verdict = await self.runner.first("practica_filter_message", ctx_for, skip=skip, event=event)
        if verdict is not None:
            log.debug("message %s stopped by plugin %s", event.id, verdict[0])
            return
        invocation = split_invocation(text, host.config.practica.prefix, host.bot_handle(event.chat.platform))
        if invocation is not None:
            await self.invoker.invoke(event, community, *invocation)
            return
        await self.runner.each("practica_on_message", ctx_for, skip=skip, event=event)
