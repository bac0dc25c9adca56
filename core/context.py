"""Context: what a plugin's hook, command or job receives as `ctx`.

A Context is bound to one plugin, one community and (usually) one event. It is the plugin's whole
window on the runtime: its config for this community, storage, logger, clock, translations, the
outbound pipeline, roles, the member directory, scheduled jobs, and `emit` for domain events.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Coroutine, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from core.events import ChatRef, DomainEvent, Event, MessageEvent, Role, User
from core.i18n import format_datetime, format_day, format_duration, render_params
from core.replies import Action, Button, DirectMessage, Priority, Reply, Sent
from core.scheduler import Job
from core.unit import Outgoing, active_unit, priority_of

if TYPE_CHECKING:
    from core.capabilities import Capabilities
    from core.config import Community
    from core.runtime import Runtime
    from core.storage import Storage

Buttons = tuple[tuple[Button, ...], ...]
_PLATFORM_MENTION = re.compile(r"<@!?(\d+|[A-Za-z0-9_.-]+)>")  # Discord's <@id> / <@!id> (test kit ids are names)


class Jobs:
    """`ctx.jobs`: schedule, list and cancel this plugin's durable jobs."""

    __slots__ = ("_ctx",)

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    async def schedule(self, kind: str, run_at: datetime | None = None, *, payload: Mapping[str, Any] | None = None,
                       key: str | None = None, rrule: str | None = None, tz: str | None = None,
                       replace: bool = False) -> Job:
        """Store a job of `kind` (declared in practica_register_jobs) for this community.

        `rrule` (RFC 5545, e.g. "FREQ=WEEKLY;BYDAY=MO;BYHOUR=8;BYMINUTE=0") repeats it in `tz`
        (default: the community's time zone). The same `key` twice keeps one job, even when that
        job already ran or was cancelled (idempotency): pass `replace=True` to schedule it again.
        """
        ctx = self._ctx
        if rrule is not None and tz is None:
            tz = ctx.community.timezone.key
        return await ctx.runtime.scheduler.schedule(ctx.plugin, kind, ctx.community.name, run_at, payload=payload,
                                                    key=key, rrule=rrule, tz=tz, replace=replace)

    async def cancel(self, key: str | None = None, *, job_id: int | None = None) -> bool:
        return await self._ctx.runtime.scheduler.cancel(self._ctx.plugin, key=key, job_id=job_id)

    async def cancel_prefix(self, key_prefix: str) -> int:
        """Cancel every pending job whose key starts with `key_prefix`."""
        return await self._ctx.runtime.scheduler.cancel_matching(self._ctx.plugin, key_prefix)

    async def list(self, kind: str | None = None, *, key_prefix: str | None = None, all_communities: bool = False) -> list[Job]:
        ctx = self._ctx
        return await ctx.runtime.scheduler.jobs(ctx.plugin, kind=kind, key_prefix=key_prefix,
                                                community=None if all_communities else ctx.community.name)


class Context:
    """Bound to (plugin, community, event). Cheap to create: one per plugin call."""

    __slots__ = ("runtime", "plugin", "community", "event", "_log")

    def __init__(self, runtime: Runtime, plugin: str, community: Community, event: Event | None = None) -> None:
        self.runtime = runtime
        self.plugin = plugin
        self.community = community
        self.event = event
        self._log: logging.Logger | None = None

    # --- plugin resources ------------------------------------------------------------------

    @property
    def config(self) -> Any:
        """This plugin's validated config for this community (the frozen dataclass it declared)."""
        return self.runtime.plugin_config(self.plugin, self.community.name)

    @property
    def db(self) -> Storage:
        return self.runtime.storage

    @property
    def log(self) -> logging.Logger:
        if self._log is None:
            self._log = logging.getLogger(f"practica.plugins.{self.plugin}")
        return self._log

    @property
    def state(self) -> dict[str, Any]:
        """In-memory scratch space of this plugin for this runtime (lost at restart: cache only)."""
        return self.runtime.plugin_state(self.plugin)

    @property
    def jobs(self) -> Jobs:
        return Jobs(self)

    @property
    def prefix(self) -> str:
        return self.runtime.config.practica.prefix

    def monotonic(self) -> float:
        """Seconds on a monotonic scale (for cooldowns and rate windows; the fake clock in tests)."""
        return self.runtime.clock.monotonic()

    def now(self) -> datetime:
        """The current time, aware UTC (the test kit's fake clock in tests)."""
        return self.runtime.clock.now()

    @property
    def tz(self) -> ZoneInfo:
        return self.community.timezone

    # --- the event ---------------------------------------------------------------------------

    @property
    def message(self) -> MessageEvent | None:
        return self.event if isinstance(self.event, MessageEvent) else None

    @property
    def user(self) -> User | None:
        """Who caused the event (message author, button presser, voter...)."""
        event = self.event
        for attr in ("author", "user", "member"):
            value = getattr(event, attr, None)
            if isinstance(value, User):
                return value
        return None

    @property
    def chat(self) -> ChatRef | None:
        return getattr(self.event, "chat", None)

    def capabilities(self, platform: str | None = None) -> Capabilities:
        """What the platform of the event's chat (or `platform`) supports.

        Job handlers have no event: pass the platform of the chat or member you are about to address.
        """
        name = platform or (self.chat.platform if self.chat else None) or (self.user.platform if self.user else None)
        return self.runtime.capabilities(name)

    # --- language and time ---------------------------------------------------------------------

    @property
    def locale(self) -> str:
        """The reader's language: the member's choice (/lang) or the community's."""
        user = self.user
        if user is not None:
            chosen = self.runtime.members.locales.get(user.uid)
            if chosen:
                return chosen
        return self.community.locale

    def locale_of(self, user: User | str) -> str:
        """The language `user` (a User or uid) reads: their /lang choice, else the community's."""
        uid = user if isinstance(user, str) else user.uid
        return self.runtime.members.locales.get(uid) or self.community.locale

    def t(self, key: str, /, **params: Any) -> str:
        """Message `key` from this plugin's catalog in the reader's language.

        A datetime parameter is shown in the community's zone and a timedelta in words, both in that
        language; `count` chooses the plural form of a plural message.
        """
        return self.t_for(self.locale, key, **params)

    def t_for(self, locale: str, key: str, /, **params: Any) -> str:
        """Message `key` in `locale` (a member's language in a job or a direct message), like `t`."""
        return self.runtime.translator.text(self.plugin, locale, key,
                                            **render_params(params, self.community.timezone, locale))

    def command_word(self, name: str, *args: Any, locale: str | None = None) -> str:
        """How to type command `name` for the reader (or `locale`): "/accepter" for French, "/accept" else.

        `args` follow the word: `ctx.command_word("vote", 3)` is "/voter 3" for a French reader.
        """
        cmd = self.runtime.commands.commands.get(name)
        word = cmd.word_for(locale or self.locale) if cmd is not None else name
        return " ".join([self.prefix + word, *(str(a) for a in args)])

    def format_time(self, when: datetime, *, with_date: bool = True, locale: str | None = None) -> str:
        """`when` in the community's time zone, in the reader's language (or `locale`)."""
        return format_datetime(when, self.community.timezone, locale or self.locale, with_date=with_date)

    def format_day(self, when: datetime, *, locale: str | None = None) -> str:
        """The local day of `when` with its year, in the reader's language: "20 nov. 2026"."""
        return format_day(when, self.community.timezone, locale or self.locale)

    def format_duration(self, seconds: float | timedelta, *, locale: str | None = None) -> str:
        """A duration in words in the reader's language (or `locale`): "1 day and 15 hours"."""
        return format_duration(seconds, locale or self.locale)

    # --- sending -----------------------------------------------------------------------------

    async def act(self, action: Action, *, priority: Priority | None = None, wait: bool = False,
                  notify: str | None = None, data: Mapping[str, Any] | None = None) -> Sent | None:
        """Queue any outbound action.

        Inside a handler or job the action is stored with the work's own transaction and sent after
        it commits (never if the work is rolled back). With `notify="tag"` (and JSON-able `data`), the
        plugin's `practica_on_delivered` hook is called once it is delivered, with the platform's
        message id: that is how to learn the id of a posted poll or announcement.

        `wait=True` (return once delivered; DeliveryError on failure) only works outside handlers and
        jobs, in background code: waiting for the platform inside a unit of work would hold its
        transaction for as long as the platform makes us wait.
        """
        record = Outgoing(action, priority_of(action, priority), self.plugin, self.community.name, notify,
                          dict(data) if data is not None else None)
        unit = active_unit()
        if unit is not None:
            if wait:
                raise RuntimeError("ctx.act(wait=True) cannot be used inside a handler or job; "
                                   "pass notify= and implement practica_on_delivered to learn the message id")
            unit.add(record)
            return None
        future = await self.runtime.send_now(record)
        if not wait:
            return None
        return await asyncio.shield(future)

    async def reply(self, text: str, *, buttons: Buttons = (), wait: bool = False, priority: Priority | None = None,
                    quote: bool = True, notify: str | None = None, data: Mapping[str, Any] | None = None) -> Sent | None:
        """Answer in the event's chat (as a reply to the message when there is one)."""
        chat = self.chat
        if chat is None:
            user = self.user
            if user is None:
                raise RuntimeError("ctx.reply needs an event with a chat or a user")
            return await self.dm(user, text, buttons=buttons, wait=wait, priority=priority, notify=notify, data=data)
        message = self.message
        reply_to = message.id if (message is not None and quote) else None
        return await self.act(Reply(chat=chat, text=text, reply_to=reply_to, buttons=buttons), priority=priority, wait=wait,
                              notify=notify, data=data)

    async def send(self, chat: ChatRef, text: str, *, buttons: Buttons = (), wait: bool = False,
                   priority: Priority | None = None, silent: bool = False, notify: str | None = None,
                   data: Mapping[str, Any] | None = None) -> Sent | None:
        """Post in any chat."""
        return await self.act(Reply(chat=chat, text=text, buttons=buttons, silent=silent), priority=priority, wait=wait,
                              notify=notify, data=data)

    async def dm(self, user: User, text: str, *, buttons: Buttons = (), wait: bool = False,
                 priority: Priority | None = None, notify: str | None = None, data: Mapping[str, Any] | None = None) -> Sent | None:
        """Send a direct message to one member."""
        return await self.act(DirectMessage(user=user, text=text, buttons=buttons), priority=priority, wait=wait,
                              notify=notify, data=data)

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> None:
        """Run short background work owned by the runtime (cancelled at shutdown).

        Not for deliveries: replies asked for in a handler or job are already sent after its commit.
        """
        self.runtime.spawn(coro, name=f"{self.plugin}:{name}")

    async def emit(self, event: DomainEvent) -> None:
        """Announce a domain event to every plugin (delivered through `practica_on_event`).

        Inside a handler or job it is stored with the work's transaction and dispatched after commit,
        never held back by a full intake and never lost; a rollback drops it.
        """
        if not event.source_plugin:
            object.__setattr__(event, "source_plugin", self.plugin)
        unit = active_unit()
        if unit is not None:
            unit.emit(event)
            return
        await self.runtime.emit_now(event)

    async def handle_again(self, event: Event) -> None:
        """Handle an inbound `event` again, as if it had just arrived (a held command a moderator
        released), once this work commits; stored like every inbound event, so never lost."""
        unit = active_unit()
        if unit is not None:
            unit.emit(event)
            return
        await self.runtime.emit_now(event)

    # --- people --------------------------------------------------------------------------------

    async def role_of(self, user: User | None = None, chat: ChatRef | None = None) -> Role:
        """The role of `user` (default: the event's user) in this community."""
        user = user or self.user
        if user is None:
            return Role.MEMBER
        return await self.runtime.role_of(user, chat or self.chat, self.community)

    async def find_member(self, text: str) -> User | None:
        """A known member of this community named by @handle, a platform mention (Discord `<@id>`, a
        Telegram text mention), platform:id or display name; None if nobody here goes by it.

        A name the platform marked as a mention still has to be a member seen here (or given a role
        here): a mention is no proof of membership. The bot itself is returned with `is_bot` set, so
        commands can refuse it (it is never a target of thanks, points or moderation).
        """
        word = text.strip()
        platform_mention = _PLATFORM_MENTION.fullmatch(word)
        message = self.message
        platform = message.chat.platform if message is not None else (self.user.platform if self.user else "")
        if platform_mention is not None:
            word = f"{platform}:{platform_mention.group(1)}"
        bare = word.lstrip("@").lower()
        handle = (self.runtime.bot_handle(platform) or "").lower()
        if bare and bare in (handle, f"{platform}:bot"):
            return User(platform=platform, id="bot", name=self.runtime.config.practica.bot_name, handle=handle or None,
                        is_bot=True)
        if message is not None:
            for user in message.mentions:
                if bare in ((user.handle or "").lower(), user.name.lower(), user.uid.lower(), user.id.lower()):
                    if user.is_bot or await self.is_member(user.uid) or self.community.role_of(user) > Role.MEMBER:
                        return user
                    return None
        return await self.runtime.members.find(self.community.name, word)

    def person_of(self, user: User | str) -> str:
        """The person id `user` (a User or uid) records under: their own uid unless they linked accounts
        with /link; store what follows the person (points, levels, homework) under it."""
        return self.runtime.identities.person_of(user if isinstance(user, str) else user.uid)

    def accounts_of(self, user: User | str) -> list[str]:
        """Every account (uid) of the person `user` belongs to, person id first (one when not linked)."""
        return self.runtime.identities.accounts_of(user if isinstance(user, str) else user.uid)

    async def is_member(self, uid: str, community: str | None = None) -> bool:
        """Whether `uid` has been seen (and has not left) in this community or `community`."""
        return await self.runtime.members.is_member(community or self.community.name, uid)

    async def members(self) -> list[User]:
        """Active members seen in this community (bots excluded)."""
        return await self.runtime.members.members(self.community.name)

    def for_community(self, name: str, *, keep_event: bool = False) -> Context:
        """A context of this plugin for another community (startup hooks, jobs, private chats).

        With `keep_event`, replies still answer the current event (e.g. a private message that
        concerns a community other than the one its chat belongs to). A name no longer in
        plugins.toml (stored data of a removed community) gives the `default` community.
        """
        if name == self.community.name and (keep_event or self.event is None):
            return self
        config = self.runtime.config
        community = config.communities.get(name) or config.community_for(None)
        return Context(self.runtime, self.plugin, community, self.event if keep_event else None)

    def communities(self, *, keep_event: bool = False, enabled_only: bool = True) -> list[Context]:
        """One context per configured community (by default only where this plugin is enabled)."""
        return [self.for_community(name, keep_event=keep_event) for name, community in self.runtime.config.communities.items()
                if not enabled_only or self.plugin not in community.disabled_plugins]

    def plugin_enabled(self, name: str) -> bool:
        """Whether plugin `name` runs in this community (to explain a missing feature, never to import it)."""
        info = self.runtime.loaded.infos.get(name)
        return info is not None and info.enabled and name not in self.community.disabled_plugins

    def platform_available(self, platform: str) -> bool:
        """Whether an adapter for `platform` is running (so a message to that platform can go out)."""
        return platform in self.runtime.adapters

    def community_chats(self, platform: str | None = None) -> list[ChatRef]:
        """The group chats configured for this community on running adapters."""
        out = []
        for key in sorted(self.community.chats):
            ref = self.community.chat_ref(key)
            if ref is not None and ref.platform in self.runtime.adapters and (platform is None or ref.platform == platform):
                out.append(ref)
        return out

    def configured_chat(self, key: str | None) -> ChatRef | None:
        """A ChatRef for a `platform:id` from config (log chat, review chat), if its adapter runs."""
        ref = self.community.chat_ref(key)
        return ref if ref is not None and ref.platform in self.runtime.adapters else None
