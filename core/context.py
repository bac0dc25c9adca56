"""Context: what a plugin's hook, command or job receives as `ctx`.

A Context is bound to one plugin, one community and (usually) one event. It is the plugin's whole
window on the bot: its config for this community, storage, logger, clock, translations, the outbound
pipeline, roles and `emit` for domain events; the rest is grouped in namespaces (core.namespaces):
`ctx.jobs`, `ctx.members`, `ctx.identity`, `ctx.chats` and `ctx.bot`. A command's handler gets a
`CommandContext`, whose `user`, `chat` and `message` are never None.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from core.events import ChatRef, DomainEvent, Event, MessageEvent, Role, User
from core.i18n import format_datetime, format_day, format_duration, render_params
from core.namespaces import Bot, Chats, Identity, Jobs, Members
from core.replies import Action, Button, DirectMessage, Priority, Reply, Sent
from core.unit import Outgoing, active_unit, priority_of

if TYPE_CHECKING:
    from core.capabilities import Capabilities
    from core.config import Community
    from core.host import Host
    from core.storage import Storage

Buttons = tuple[tuple[Button, ...], ...]


class Context:
    """Bound to (plugin, community, event). Cheap to create: one per plugin call.

    Created by the core only (`host` is the runtime, private to it); plugins receive it.
    """

    __slots__ = ("_host", "plugin", "community", "event", "_log")

    def __init__(self, host: Host, plugin: str, community: Community, event: Event | None = None) -> None:
        self._host = host
        self.plugin = plugin
        self.community = community
        self.event = event
        self._log: logging.Logger | None = None

    # --- plugin resources ------------------------------------------------------------------

    @property
    def config(self) -> Any:
        """This plugin's validated config for this community (the frozen dataclass it declared)."""
        return self._host.plugin_config(self.plugin, self.community.name)

    @property
    def db(self) -> Storage:
        """The database (`await ctx.db.execute(...)`, `fetchall`, `fetchval`...); tables prefixed `<plugin>_`."""
        return self._host.storage

    @property
    def log(self) -> logging.Logger:
        """The plugin's logger, `practica.plugins.<name>` (never log message bodies)."""
        if self._log is None:
            self._log = logging.getLogger(f"practica.plugins.{self.plugin}")
        return self._log

    @property
    def state(self) -> dict[str, Any]:
        """In-memory scratch space of this plugin for this runtime (lost at restart: cache only)."""
        return self._host.plugin_state(self.plugin)

    @property
    def jobs(self) -> Jobs:
        """Schedule, list and cancel this plugin's durable jobs in this community."""
        return Jobs(self._host, self.plugin, self.community)

    @property
    def members(self) -> Members:
        """This community's members: find one, list them, their language and home community."""
        return Members(self._host, self.community, self.event)

    @property
    def identity(self) -> Identity:
        """One person's accounts on several platforms (`ctx.identity.person_of(user)`)."""
        return Identity(self._host)

    @property
    def chats(self) -> Chats:
        """This community's group chats, log and review chats, on the platforms that run."""
        return Chats(self._host, self.community)

    @property
    def bot(self) -> Bot:
        """The bot as a whole: prefix, commands, plugins, languages, dashboard, background work."""
        return Bot(self._host, self.plugin, self.community)

    def now(self) -> datetime:
        """The current time, aware UTC (the test kit's fake clock in tests)."""
        return self._host.clock.now()

    @property
    def tz(self) -> ZoneInfo:
        """The community's time zone."""
        return self.community.timezone

    # --- the event ---------------------------------------------------------------------------

    @property
    def message(self) -> MessageEvent | None:
        """The message being handled, if the event is one."""
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
        """The chat of the event, if it has one (a native poll vote may not)."""
        chat = getattr(self.event, "chat", None)
        return chat if isinstance(chat, ChatRef) else None

    def capabilities(self, platform: str | None = None) -> Capabilities:
        """What the platform of the event's chat (or `platform`) supports.

        Job handlers have no event: pass the platform of the chat or member you are about to address.
        """
        chat, user = self.chat, self.user
        name = platform or (chat.platform if chat else None) or (user.platform if user else None)
        return self._host.capabilities(name)

    # --- language and time ---------------------------------------------------------------------

    @property
    def locale(self) -> str:
        """The reader's language: the member's choice (/lang) or the community's."""
        user = self.user
        if user is not None:
            chosen = self._host.members.locales.get(user.uid)
            if chosen:
                return chosen
        return self.community.locale

    def t(self, key: str, /, **params: Any) -> str:
        """Message `key` from this plugin's catalog in the reader's language.

        A datetime parameter is shown in the community's zone and a timedelta in words, both in that
        language; `count` chooses the plural form of a plural message.
        """
        return self.t_for(self.locale, key, **params)

    def t_for(self, locale: str, key: str, /, **params: Any) -> str:
        """Message `key` in `locale` (a member's language in a job or a direct message), like `t`."""
        return self._host.translator.text(self.plugin, locale, key,
                                          **render_params(params, self.community.timezone, locale))

    def command_word(self, name: str, *args: Any, locale: str | None = None) -> str:
        """How to type command `name` for the reader (or `locale`): "/accepter" for French, "/accept" else.

        `args` follow the word: `ctx.command_word("vote", 3)` is "/voter 3" for a French reader.
        """
        cmd = self._host.commands.commands.get(name)
        word = cmd.word_for(locale or self.locale) if cmd is not None else name
        return " ".join([self._host.config.practica.prefix + word, *(str(a) for a in args)])

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
        future = await self._host.send_now(record)
        if not wait:
            return None
        sent: Sent | None = await asyncio.shield(future)
        return sent

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
        await self._host.emit_now(event)

    async def announce(self, kind: str, keys: Iterable[str]) -> None:
        """Several workers: tell the others that entries `keys` (ids, never text or names) of what this
        plugin keeps in memory under `kind` changed; each other worker's `practica_directory_changed`
        then reloads them. Call it in the transaction of the change (a handler's or job's: it is sent
        on commit, never for a rollback). Costs nothing on SQLite or with a single worker."""
        if not kind or any(c in kind for c in ".:|"):
            raise ValueError(f"a kind is a word without '.', ':' or '|', not {kind!r}")
        await self._host.announce(self.plugin, kind, keys)

    async def ask(self, question: str, /, **arguments: Any) -> Any:
        """Ask the other plugins a question (a first-answer hook of core.hookspecs.QUESTIONS, e.g.
        `await ctx.ask("practica_frequent_topics", limit=5)`): the first answer, or None when no plugin
        enabled in this community answers. The answering plugin works in this same unit of work."""
        return await self._host.ask(question, self.plugin, self.community, self.event, arguments)

    # --- people and places ---------------------------------------------------------------------

    async def role_of(self, user: User | None = None, chat: ChatRef | None = None) -> Role:
        """The role of `user` (default: the event's user) in this community."""
        user = user or self.user
        if user is None:
            return Role.MEMBER
        return await self._host.role_of(user, chat or self.chat, self.community)

    def for_community(self, name: str, *, keep_event: bool = False) -> Context:
        """A context of this plugin for another community (startup hooks, jobs, private chats).

        With `keep_event`, replies still answer the current event (e.g. a private message that
        concerns a community other than the one its chat belongs to). A name no longer in
        plugins.toml (stored data of a removed community) gives the `default` community.
        """
        if name == self.community.name and (keep_event or self.event is None):
            return self
        config = self._host.config
        community = config.communities.get(name) or config.community_for(None)
        return self._rebound(community, self.event if keep_event else None)

    def communities(self, *, keep_event: bool = False, enabled_only: bool = True) -> list[Context]:
        """One context per configured community (by default only where this plugin is enabled)."""
        return [self.for_community(name, keep_event=keep_event) for name, community in self._host.config.communities.items()
                if not enabled_only or self.plugin not in community.disabled_plugins]

    def _rebound(self, community: Community, event: Event | None) -> Context:
        """A context like this one (same kind, same reader) for another community or event."""
        return Context(self._host, self.plugin, community, event)


class CommandContext(Context):
    """What a command's handler receives: a context whose message, author and chat are always there."""

    __slots__ = ()

    def __init__(self, host: Host, plugin: str, community: Community, event: MessageEvent) -> None:
        super().__init__(host, plugin, community, event)

    @property
    def message(self) -> MessageEvent:
        """The command's message."""
        event = self.event
        assert isinstance(event, MessageEvent)
        return event

    @property
    def user(self) -> User:
        """Who typed the command."""
        return self.message.author

    @property
    def chat(self) -> ChatRef:
        """Where the command was typed."""
        return self.message.chat
