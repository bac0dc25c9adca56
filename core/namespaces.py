"""The namespaces of `ctx`: jobs, members, identity, chats and the bot as a whole.

Each one holds only what it needs (the runtime as a `core.host.Host`, the plugin, the community, the
event), so it can be created per call and does not import core.context.
"""

from __future__ import annotations

import re
from collections.abc import Coroutine, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.communities import communities_of, home_of
from core.events import ChatRef, Event, MessageEvent, Role, User
from core.unit import active_unit

if TYPE_CHECKING:
    from core.commands import Command
    from core.config import Community
    from core.host import Host
    from core.scheduler import Job

_PLATFORM_MENTION = re.compile(r"<@!?(\d+|[A-Za-z0-9_.-]+)>")  # Discord's <@id> / <@!id> (test kit ids are names)


def _uid(user: User | str) -> str:
    return user if isinstance(user, str) else user.uid


class Jobs:
    """`ctx.jobs`: schedule, list and cancel this plugin's durable jobs."""

    __slots__ = ("_host", "_plugin", "_community")

    def __init__(self, host: Host, plugin: str, community: Community) -> None:
        self._host, self._plugin, self._community = host, plugin, community

    async def schedule(self, kind: str, run_at: datetime | None = None, *, payload: Mapping[str, Any] | None = None,
                       key: str | None = None, rrule: str | None = None, tz: str | None = None,
                       replace: bool = False) -> Job:
        """Store a job of `kind` (declared in practica_register_jobs) for this community.

        `rrule` (RFC 5545, e.g. "FREQ=WEEKLY;BYDAY=MO;BYHOUR=8;BYMINUTE=0") repeats it in `tz`
        (default: the community's time zone). The same `key` twice keeps one job, even when that
        job already ran or was cancelled (idempotency): pass `replace=True` to schedule it again.
        """
        if rrule is not None and tz is None:
            tz = self._community.timezone.key
        return await self._host.scheduler.schedule(self._plugin, kind, self._community.name, run_at, payload=payload,
                                                   key=key, rrule=rrule, tz=tz, replace=replace)

    async def cancel(self, key: str | None = None, *, job_id: int | None = None) -> bool:
        """Cancel this plugin's pending job with `key` (or id); False when there is none."""
        return await self._host.scheduler.cancel(self._plugin, key=key, job_id=job_id)

    async def cancel_prefix(self, key_prefix: str) -> int:
        """Cancel every pending job whose key starts with `key_prefix`."""
        return await self._host.scheduler.cancel_matching(self._plugin, key_prefix)

    async def pending(self, key: str) -> Job | None:
        """This plugin's pending job with idempotency key `key`, or None (one index lookup: cheaper than
        `list(key_prefix=key)` and exact)."""
        return await self._host.scheduler.pending(self._plugin, key)

    async def list(self, kind: str | None = None, *, key_prefix: str | None = None, all_communities: bool = False) -> list[Job]:
        """This plugin's pending jobs in this community (or in all of them), earliest first. Only this
        plugin's rows are read (with `key_prefix`, only the keys in that range), whatever the job table holds."""
        return await self._host.scheduler.jobs(self._plugin, kind=kind, key_prefix=key_prefix,
                                               community=None if all_communities else self._community.name)


class Members:
    """`ctx.members`: the members of this community, their language and their home community."""

    __slots__ = ("_host", "_community", "_event")

    def __init__(self, host: Host, community: Community, event: Event | None) -> None:
        self._host, self._community, self._event = host, community, event

    async def find(self, text: str) -> User | None:
        """A known member of this community named by @handle, a platform mention (Discord `<@id>`, a
        Telegram text mention), platform:id or display name; None if nobody here goes by it.

        A name the platform marked as a mention still has to be a member seen here (or given a role
        here): a mention is no proof of membership. The bot itself is returned with `is_bot` set, so
        commands can refuse it (it is never a target of thanks, points or moderation).
        """
        word = text.strip()
        platform_mention = _PLATFORM_MENTION.fullmatch(word)
        message = self._event if isinstance(self._event, MessageEvent) else None
        actor = getattr(self._event, "user", None) or getattr(self._event, "member", None)
        platform = message.chat.platform if message is not None else (actor.platform if isinstance(actor, User) else "")
        if platform_mention is not None:
            word = f"{platform}:{platform_mention.group(1)}"
        bare = word.lstrip("@").lower()
        handle = (self._host.bot_handle(platform) or "").lower()
        if bare and bare in (handle, f"{platform}:bot"):
            return User(platform=platform, id="bot", name=handle or "practica", handle=handle or None, is_bot=True)
        if message is not None:
            for user in message.mentions:
                if bare in ((user.handle or "").lower(), user.name.lower(), user.uid.lower(), user.id.lower()):
                    if user.is_bot or await self.is_member(user.uid) or self._community.role_of(user) > Role.MEMBER:
                        return user
                    return None
        return await self._host.members.find(self._community.name, word, platform)

    async def is_member(self, uid: str, community: str | None = None) -> bool:
        """Whether `uid` has been seen (and has not left) in this community or `community`."""
        return await self._host.members.is_member(community or self._community.name, uid)

    async def active(self) -> list[User]:
        """Active members seen in this community (bots excluded). Reads the whole community: for reminders
        and exports; to name a few people use `by_ids`, to keep counts `changes_since`."""
        return await self._host.members.members(self._community.name)

    async def page(self, offset: int, limit: int) -> list[User]:
        """`limit` active members (bots excluded) from `offset`, by name (case-insensitive) then uid: one
        page of a long table (with `count`), whatever the size of the community."""
        return await self._host.members.page(self._community.name, offset, limit)

    async def count(self) -> int:
        """How many active members (bots excluded) this community has."""
        return await self._host.members.count(self._community.name)

    async def by_ids(self, uids: Iterable[str]) -> dict[str, User]:
        """uid -> User for the members of this community among `uids` (also those who left; unknown uids
        are absent). One index lookup per uid, whatever the size of the community."""
        found = await self._host.members.lookup(self._community.name, uids)
        return {uid: member.user for uid, member in found.items()}

    def version(self) -> int:
        """A number that grows whenever someone joins, leaves or is erased from this community, or is seen
        under a new name."""
        return self._host.members.version(self._community.name)

    def changes_since(self, version: int) -> list[str] | None:
        """The uids whose membership (or name) changed after `version()` was `version`, or None when that is too long
        ago to tell: a plugin keeping per-member counts catches up instead of recounting."""
        return self._host.members.changes_since(self._community.name, version)

    async def in_good_standing(self, user: User) -> bool:
        """Whether `user` may take part in this community now: not a bot, seen here (or trusted or more),
        not banned, waiting for approval or muted (core.standing). Core already drops buttons, native votes
        and reactions of others; ask this before recording what they do through a command (a `/vote`).
        A refusal is logged, without any text."""
        from core import standing

        return await standing.allowed(self._host, self._community, user, getattr(self._event, "chat", None), self._event)

    def locale_of(self, user: User | str) -> str:
        """The language `user` (a User or uid) reads: their /lang choice, else the community's."""
        return self._host.members.locales.get(_uid(user)) or self._community.locale

    async def set_locale(self, user: User | str, locale: str | None) -> None:
        """Remember the language `user` chose (/lang); None goes back to the community's."""
        await self._host.members.set_locale(_uid(user), locale)

    def communities_of(self, user: User) -> list[str]:
        """The names of the communities `user` belongs to (seen there, or given a role there), sorted."""
        return sorted(c.name for c in communities_of(self._host.config, self._host.members, user))

    def home_of(self, user: User) -> str:
        """The community `user`'s private chat acts in (see core.communities)."""
        return home_of(self._host.config, self._host.members, user).name

    async def choose_home(self, user: User | str, community: str) -> None:
        """Remember the community `user`'s private chat acts in (/community)."""
        await self._host.members.choose(_uid(user), community)

    async def export(self, user: User | str) -> dict[str, object]:
        """What core keeps about `user` as a member (communities seen, language), for /mydata."""
        return await self._host.members.export(_uid(user))

    async def erase(self, user: User | str) -> int:
        """Delete what core keeps about `user` as a member (/forgetme); the number of rows deleted."""
        return await self._host.members.erase(_uid(user))


class Identity:
    """`ctx.identity`: one person's accounts on several platforms (/link, opt-in)."""

    __slots__ = ("_host",)

    def __init__(self, host: Host) -> None:
        self._host = host

    def person_of(self, user: User | str) -> str:
        """The person id `user` (a User or uid) records under: their own uid unless they linked accounts
        with /link; store what follows the person (points, levels, homework) under it."""
        return self._host.identities.person_of(_uid(user))

    def accounts_of(self, user: User | str) -> list[str]:
        """Every account (uid) of the person `user` belongs to, person id first (one when not linked)."""
        return self._host.identities.accounts_of(_uid(user))

    def version(self) -> int:
        """A number that grows whenever accounts are linked or unlinked (what `person_of` answers changed)."""
        return self._host.identities.version

    async def new_code(self, user: User | str, now: datetime) -> str:
        """A one-time code (valid 10 minutes) that links another account to `user`'s person."""
        return await self._host.identities.new_code(_uid(user), now)

    async def redeem(self, code: str, user: User | str, now: datetime) -> str | None:
        """Link `user`'s account to the person who asked for `code`; that person, or None for a bad code."""
        return await self._host.identities.redeem(code, _uid(user), now)

    async def unlink(self, user: User | str) -> list[str]:
        """Separate every account of `user`'s person again; the accounts separated ([] when not linked)."""
        return await self._host.identities.unlink(_uid(user))

    async def export(self, user: User | str) -> dict[str, object] | None:
        """The links of `user`'s account, for /mydata (None when not linked)."""
        return await self._host.identities.export(_uid(user))

    async def erase(self, user: User | str) -> None:
        """Delete the links of `user`'s person (/forgetme)."""
        await self._host.identities.erase(_uid(user))


class Chats:
    """`ctx.chats`: the community's chats on the platforms that run."""

    __slots__ = ("_host", "_community")

    def __init__(self, host: Host, community: Community) -> None:
        self._host, self._community = host, community

    def groups(self, platform: str | None = None) -> list[ChatRef]:
        """The group chats configured for this community on running adapters (or on `platform`)."""
        out = []
        for key in sorted(self._community.chats):
            ref = self._community.chat_ref(key)
            if ref is not None and self._host.platform_running(ref.platform) and platform in (None, ref.platform):
                out.append(ref)
        return out

    def configured(self, key: str | None) -> ChatRef | None:
        """A ChatRef for a `platform:id` from config (log chat, review chat), if its adapter runs."""
        ref = self._community.chat_ref(key)
        return ref if ref is not None and self._host.platform_running(ref.platform) else None

    def platform_running(self, platform: str) -> bool:
        """Whether an adapter for `platform` runs (so a message to that platform can go out)."""
        return self._host.platform_running(platform)


class Bot:
    """`ctx.bot`: the bot as a whole (its commands, plugins, languages, dashboard, background work)."""

    __slots__ = ("_host", "_plugin", "_community")

    def __init__(self, host: Host, plugin: str, community: Community) -> None:
        self._host, self._plugin, self._community = host, plugin, community

    @property
    def prefix(self) -> str:
        """The command prefix ("/" by default)."""
        return self._host.config.practica.prefix

    @property
    def languages(self) -> list[str]:
        """The languages the bot speaks (every catalog's language), sorted."""
        return self._host.translator.languages

    @property
    def database_path(self) -> str:
        """The database file (":memory:" possible), for a private file kept beside it; on PostgreSQL a
        path in plugins.toml's folder named after the database (no file there)."""
        return self._host.database_path

    def commands(self) -> list[Command]:
        """Every command of every enabled plugin, sorted by name."""
        return list(self._host.commands)

    def find_command(self, word: str) -> Command | None:
        """The command a member means by `word` (any of its words, case and accents ignored)."""
        return self._host.commands.find(word)

    def plugins(self) -> dict[str, str]:
        """The plugins enabled in this community, with their one-line description."""
        return {name: text for name, text in self._host.plugin_descriptions().items()
                if name not in self._community.disabled_plugins}

    def plugin_enabled(self, name: str) -> bool:
        """Whether plugin `name` runs in this community (to explain a missing feature, never to import it)."""
        return name in self.plugins()

    def catalog_text(self, plugin: str, locale: str, key: str) -> str | None:
        """Message `key` of `plugin`'s catalog in `locale`, unformatted; None when it has none."""
        return self._host.translator.lookup(plugin, locale, key)

    def dashboard_url(self) -> str | None:
        """Where the coordinators' dashboard's links point, or None when it does not run."""
        return self._host.dashboard_url()

    async def is_coordinator(self, user: User) -> bool:
        """Whether `user` may sign in to the dashboard (moderator or more in some community)."""
        return await self._host.is_coordinator(user)

    async def user_data(self, member: str, *, erase: bool, event: Event | None = None) -> dict[str, Any]:
        """{plugin: data} of every plugin's `practica_user_data` for `member`, and {platform: data} of what
        its platform's adapter keeps outside the database (WhatsApp's window store); deleted when `erase`."""
        out: dict[str, Any] = {}
        for owner, value in await self._host.collect_user_data(member, erase=erase, community=self._community, event=event):
            if value:
                out.setdefault(owner, value)
        return out

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> None:
        """Run short background work owned by the runtime (cancelled at shutdown).

        Not for deliveries: replies asked for in a handler or job are already sent after its commit.
        """
        self._host.spawn(coro, name=f"{self._plugin}:{name}")

    async def handle_again(self, event: Event) -> None:
        """Handle an inbound `event` again, as if it had just arrived (a held command a moderator
        released), once this work commits; stored like every inbound event, so never lost."""
        unit = active_unit()
        if unit is not None:
            unit.emit(event)
            return
        await self._host.emit_now(event)
