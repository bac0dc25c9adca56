"""The dispatcher: event -> filters -> command | listeners, per-chat order, isolation, back-pressure.

- Bounded intake: `wait_for_space()` (the runtime's `accept`) waits while `capacity` events are
  pending, so a flood slows the adapter (and so the platform) instead of eating memory. Domain
  events and events queued again after a restart are never held back: they are already stored.
- Order: events of one chat (DomainEvents: of one community) run one after another in arrival order;
  different chats run concurrently, one lane task each, created on demand.
- Isolation: each plugin call runs under the hook budget; errors are logged with plugin, hook or
  command and event id, and never shown in a chat (the user gets a short neutral sentence).
- Units of work: each event runs as one unit (`Runtime.handle_event`); each plugin call is a part
  of it, so a failing plugin's writes and replies are undone and nobody else's.
- Shutdown: `close()` stops dispatching new events (they stay stored); `drain()` finishes accepted
  ones within a deadline.
"""

from __future__ import annotations

import asyncio
import dataclasses
import difflib
import logging
from collections import deque
from typing import TYPE_CHECKING

from core.commands import Command, split_invocation
from core.context import CommandContext, Context
from core.errors import CommandError, CooldownActive, PermissionDenied, UsageError
from core.communities import counts_members
from core.events import (ButtonPressed, Event, MemberJoined, MemberLeft, MessageEvent, PollVote,
                         ReactionAdded, Role, User)
from core.storage import is_storage_full
from core.text import clean_text
from core.unit import Part, UnitOfWork, active_unit

if TYPE_CHECKING:
    from core.config import Community
    from core.runtime import Runtime

log = logging.getLogger("practica.dispatcher")


class Dispatcher:
    """Routes events to plugins. Created and owned by the Runtime."""

    def __init__(self, runtime: Runtime, capacity: int = 10_000) -> None:
        self.rt = runtime
        self.capacity = capacity
        self._lanes: dict[str, deque[tuple[Event, int | None]]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._pending = 0
        self._space = asyncio.Condition()
        self._done = asyncio.Event()
        self._done.set()
        self._closed = False
        self._cooldowns: dict[tuple[str, str], float] = {}

    # --- intake ---------------------------------------------------------------------------

    @property
    def pending(self) -> int:
        """Events queued or running."""
        return self._pending

    @property
    def closed(self) -> bool:
        return self._closed

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
        handle = self.rt.handle_event
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
                    if self._pending < self.capacity and self._space._waiters:  # type: ignore[attr-defined]
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
        rt = self.rt
        if isinstance(event, MessageEvent):
            await self._handle_message(event)
            return
        community = rt.community_of(event)
        if isinstance(event, MemberJoined):
            await rt.members.saw(community.name, event.member, event.timestamp)
        elif isinstance(event, MemberLeft):
            await rt.members.saw(community.name, event.member, event.timestamp, active=False)
        if isinstance(event, (ButtonPressed, PollVote, ReactionAdded)) and not await self._in_good_standing(community, event):
            return
        await rt.runner.each("practica_on_event", self._ctx_factory(community, event),
                             skip=community.disabled_plugins, event=event)

    async def _in_good_standing(self, community: Community, event: ButtonPressed | PollVote | ReactionAdded) -> bool:
        """Buttons, native votes and reactions count only from members in good standing: a bot or a
        member a plugin stops (banned, waiting for approval) is ignored, like their messages; so is a
        reaction from someone never seen in a configured community (a button answers them instead:
        plugins check the presser's role; polls check a native voter against the poll's community)."""
        if event.user.is_bot:
            return False
        chat = event.chat
        if (isinstance(event, ReactionAdded) and chat is not None and not chat.is_direct and counts_members(community)
                and not await self.rt.members.is_member(community.name, event.user.uid)
                and await self.rt.role_of(event.user, chat, community) < Role.TRUSTED):
            log.info("%s ignored: from someone never seen in community %s", type(event).__name__, community.name)
            return False
        verdict = await self.rt.runner.first("practica_filter_event", self._ctx_factory(community, event),
                                             skip=community.disabled_plugins, event=event)
        if verdict is not None:
            log.info("%s ignored: %s (plugin %s)", type(event).__name__, getattr(verdict[1], "reason", "-"), verdict[0])
            return False
        return True

    def _ctx_factory(self, community: Community, event: Event):  # type: ignore[no-untyped-def]
        rt = self.rt
        return lambda plugin: Context(rt, plugin, community, event)

    async def _handle_message(self, event: MessageEvent) -> None:
        rt = self.rt
        if event.author.is_bot:
            return
        text = clean_text(event.text)
        if text != event.text:
            event = dataclasses.replace(event, text=text)
        community = rt.community_of(event)
        if not event.chat.is_direct:  # a private chat says nothing about community membership
            await rt.members.saw(community.name, event.author, event.timestamp)
        ctx_for = self._ctx_factory(community, event)
        skip = community.disabled_plugins
        verdict = await rt.runner.first("practica_filter_message", ctx_for, skip=skip, event=event)
        if verdict is not None:
            log.debug("message %s stopped by plugin %s", event.id, verdict[0])
            return
        invocation = split_invocation(text, rt.config.practica.prefix, rt.bot_handle(event.chat.platform))
        if invocation is not None:
            await self._run_command(event, community, *invocation)
            return
        await rt.runner.each("practica_on_message", ctx_for, skip=skip, event=event)

    # --- commands -----------------------------------------------------------------------------

    async def _run_command(self, event: MessageEvent, community: Community, word: str, rest: str) -> None:
        rt = self.rt
        cmd = rt.commands.find(word)
        if cmd is None or cmd.plugin in community.disabled_plugins:
            await self._unknown_command(event, community, word)
            return
        ctx = CommandContext(rt, cmd.plugin, community, event)
        unit = active_unit()
        part = unit.begin_part() if unit is not None else None
        try:
            await self._check_allowed(ctx, cmd, event)
            args = cmd.parse(rest, rt.config.practica.prefix,
                             lambda key, **params: rt.translator.text("core", ctx.locale, key, **params), lang=ctx.locale)
            self._check_cooldown(ctx, cmd, event.author)
            await rt.runner.guard.run(cmd.handler(ctx, *args))
        except CommandError as error:
            await self._undo(unit, part)
            await ctx.reply(str(error))
        except TimeoutError:
            await self._undo(unit, part)
            log.error("plugin %s: command /%s took longer than %.1f s and was cancelled (event %s)",
                      cmd.plugin, cmd.name, rt.runner.budget, event.id)
            await ctx.reply(rt.translator.text("core", ctx.locale, "error.timeout"))
        except Exception as error:
            await self._undo(unit, part)
            if is_storage_full(error):
                rt._storage_full_once()
                await ctx.reply(rt.translator.text("core", ctx.locale, "error.storage_full"))
                return
            log.exception("plugin %s: command /%s raised (event %s)", cmd.plugin, cmd.name, event.id)
            await ctx.reply(await self.error_text(error, ctx))
        else:
            if unit is not None and part is not None:
                unit.end_part(part)

    @staticmethod
    async def _undo(unit: UnitOfWork | None, part: Part | None) -> None:
        """Undo a failed command's writes and replies (its part of the event's unit of work)."""
        if unit is not None and part is not None:
            await unit.fail_part(part)

    async def error_text(self, error: BaseException, ctx: Context) -> str:
        """The neutral sentence shown for an unexpected error (format_error hook, never the error's text)."""
        found = await self.rt.runner.first("practica_format_error", lambda plugin: Context(self.rt, plugin, ctx.community, ctx.event),
                                           error=error)
        if found is not None and isinstance(found[1], str):
            return found[1]
        return self.rt.translator.text("core", ctx.locale, "error.unexpected")

    async def _check_allowed(self, ctx: Context, cmd: Command, event: MessageEvent) -> None:
        t = self.rt.translator.text
        if cmd.where == "group" and event.chat.is_direct:
            raise UsageError(t("core", ctx.locale, "error.group_only", command=cmd.name))
        if cmd.where == "direct" and not event.chat.is_direct:
            raise UsageError(t("core", ctx.locale, "error.direct_only", command=cmd.name))
        if cmd.role > Role.MEMBER:
            role = await ctx.role_of(event.author, event.chat)
            if role < cmd.role:
                raise PermissionDenied(t("core", ctx.locale, "error.permission", command=cmd.name,
                                         role=t("core", ctx.locale, f"role.{cmd.role.name.lower()}")))

    def _check_cooldown(self, ctx: Context, cmd: Command, user: User) -> None:
        if cmd.cooldown <= 0:
            return
        now = self.rt.clock.monotonic()
        key = (user.uid, cmd.name)
        last = self._cooldowns.get(key)
        if last is not None and now - last < cmd.cooldown:
            remaining = cmd.cooldown - (now - last)
            from datetime import timedelta

            raise CooldownActive(self.rt.translator.text("core", ctx.locale, "error.cooldown", command=cmd.name,
                                                         wait=ctx.format_duration(max(1.0, remaining))),
                                 remaining=timedelta(seconds=remaining))
        self._cooldowns[key] = now

    async def _unknown_command(self, event: MessageEvent, community: Community, word: str) -> None:
        rt = self.rt
        ctx = Context(rt, "core", community, event)
        role = await ctx.role_of(event.author, event.chat)
        visible = [c for c in rt.commands.words() if c[1].role <= role and c[1].plugin not in community.disabled_plugins]
        match = difflib.get_close_matches(word, [w for w, _ in visible], n=1, cutoff=0.6)
        prefix = rt.config.practica.prefix
        params = {"command": f"{prefix}{word[:40]}", "help": f"{prefix}help"}
        if match:
            text = rt.translator.text("core", ctx.locale, "error.unknown_command_hint", suggestion=f"{prefix}{match[0]}", **params)
        else:
            text = rt.translator.text("core", ctx.locale, "error.unknown_command", **params)
        await ctx.reply(text)
