"""The plugin-author test kit (a pytest plugin, loaded automatically once practica is installed).

    async def test_greets(make_bot):
        bot = await make_bot(plugins={"hello"})
        await bot.send("/hello", user="amina")
        assert "Hello amina" in bot.next_reply().text

`make_bot(...)` builds a fresh runtime per call: a temporary database with migrations applied (SQLite,
or PostgreSQL for tests in a named community: see the `practica_engine` fixture),
a fake adapter imitating a platform's capabilities ("console", "telegram" or "discord"), and a fake
clock (`await bot.advance(hours=2)` runs what falls due). Every send waits until the bot is idle, so
assertions see the complete outcome. Builders for every event type are on `bot` (join, leave,
join_request, press, vote, react, edit).

It needs no pytest settings: installed with practica (the `pytest11` entry point), it runs `async def`
tests itself (pytest-asyncio's auto mode, unless `--asyncio-mode` says otherwise), and the plugins of
`<rootdir>/plugins` (a folder made by `practica new-plugin`) are found as `plugin_dirs`.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from core.adapter import Adapter, load_adapter_class
from core.capabilities import Capabilities
from core.clock import FakeClock
from core.config import DEFAULT_COMMUNITY, parse_config
from core.errors import DeliveryError
from core.plugins import BUILTIN_DIR
from core.events import (Attachment, ButtonPressed, ChatRef, Event, JoinRequest, MemberJoined, MemberLeft, MessageEdited,
                         MessageEvent, PollVote, ReactionAdded, ReplyTo, Role, User)
from core.replies import Action, DirectMessage, Reply, SendPoll, Sent
from core.runtime import Runtime
from core.testing_pg import PgServer, PgUnavailable

__all__ = ["Bot", "FakeAdapter", "make_bot", "pg_dsn", "platform_capabilities", "practica_database", "practica_engine",
           "practica_pg"]


def platform_capabilities(platform: str) -> Capabilities:
    """What the installed adapter named `platform` declares it supports (imported on first use)."""
    return load_adapter_class(platform).capabilities


class FakeAdapter(Adapter):
    """Records every action instead of calling a platform; imitates that platform's capabilities."""

    config_type = dict

    def __init__(self, platform: str, host: Any) -> None:
        self.name = platform  # type: ignore[misc]
        super().__init__({}, host)
        self.capabilities = platform_capabilities(platform)
        self.bot_handle = "practica_bot"
        self.sent: list[Action] = []
        self.platform_roles: dict[str, Role] = {}  # by uid, or by "chat key|uid" for one chat
        self.failures: list[DeliveryError] = []
        self.failing: Callable[[Action], DeliveryError | None] | None = None  # fails matching actions each time
        self._ids = itertools.count(1)

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def perform(self, action: Action) -> Sent:
        if self.failures:
            raise self.failures.pop(0)
        if self.failing is not None and (error := self.failing(action)) is not None:
            raise error
        self.sent.append(action)
        n = next(self._ids)
        if isinstance(action, SendPoll):
            return Sent(message_id=f"m{n}", poll_ref=f"poll{n}")
        return Sent(message_id=f"m{n}")

    async def platform_role(self, chat: ChatRef, user: User) -> Role:
        return self.platform_roles.get(f"{chat.key}|{user.uid}", self.platform_roles.get(user.uid, Role.MEMBER))


@dataclass
class Bot:
    """A running bot under test. Created by the `make_bot` fixture."""

    runtime: Runtime
    clock: FakeClock
    adapter: FakeAdapter
    platform: str
    database: str
    build: Any = None
    home: str = "default"
    _seen: int = 0
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    # --- people and places ------------------------------------------------------------------

    def user(self, name: str, *, is_bot: bool = False, platform: str | None = None) -> User:
        """A member of this platform (or `platform`) called `name` (id and handle are the lower-case name)."""
        return User(platform=platform or self.platform, id=name.lower(), name=name, handle=name.lower(), is_bot=is_bot)

    @property
    def group(self) -> ChatRef:
        """The group chat of the first community given to make_bot (`g1` of `default` without any)."""
        return self.chat(self.home)

    def chat(self, where: str, *, platform: str | None = None) -> ChatRef:
        """The first group chat of community `where` (e.g. "cohort7") on this platform (or `platform`),
        or the group chat with id `where`."""
        platform = platform or self.platform
        community = self.runtime.config.communities.get(where)
        if community is not None:
            keys = sorted(k for k in community.chats if k.startswith(f"{platform}:"))
            chat_id = keys[0].partition(":")[2] if keys else "g1"
            return ChatRef(platform=platform, id=chat_id, kind="group", title=f"{where} group")
        return ChatRef(platform=platform, id=where, kind="group", title=f"{where} group")

    def _where(self, chat: ChatRef | str | None, user: User | None = None) -> ChatRef:
        if isinstance(chat, ChatRef):
            return chat
        if chat == "dm":
            assert user is not None
            return self.dm_chat(user)
        return self.group if chat is None else self.chat(chat)

    def dm_chat(self, user: User | str) -> ChatRef:
        user = self.user(user) if isinstance(user, str) else user
        return ChatRef(platform=user.platform, id=f"dm-{user.id}", kind="direct", title=user.name)

    def set_platform_role(self, user: User | str, role: Role, *, chat: ChatRef | str | None = None) -> None:
        """Make the fake platform report `role` for `user` (e.g. a Telegram chat admin), in every chat or in `chat` only."""
        user = self.user(user) if isinstance(user, str) else user
        key = user.uid if chat is None else f"{self._where(chat).key}|{user.uid}"
        self.adapter.platform_roles[key] = role

    # --- sending events ---------------------------------------------------------------------

    async def deliver(self, event: Event) -> None:
        """Hand any event to the bot and wait until it has been fully handled."""
        await self.runtime.deliver(event)
        await self.runtime.idle()

    async def send(self, text: str, *, user: User | str = "amina", chat: ChatRef | str | None = None,
                   reply_to: MessageEvent | Sent | str | None = None, attachments: Iterable[Attachment] = (),
                   mentions: Iterable[User | str] = ()) -> MessageEvent:
        """A member posts `text` (in the group unless `chat="dm"` or a ChatRef); returns the event."""
        author = self.user(user) if isinstance(user, str) else user
        where = self._where(chat, author)
        event = MessageEvent(id=f"u{next(self._ids)}", chat=where, author=author, text=text,
                             timestamp=self.clock.now(), attachments=tuple(attachments),
                             reply_to=self._reply_to(reply_to),
                             mentions=tuple(self.user(m) if isinstance(m, str) else m for m in mentions))
        await self.deliver(event)
        return event

    def _reply_to(self, target: MessageEvent | Sent | str | None) -> ReplyTo | None:
        if target is None:
            return None
        if isinstance(target, MessageEvent):
            return ReplyTo(message_id=target.id, author=target.author, text=target.text[:200], attachments=target.attachments)
        message_id = target.message_id if isinstance(target, Sent) else target
        return ReplyTo(message_id=str(message_id), author=User(self.platform, "bot", "practica", "practica_bot", True))

    async def join(self, user: User | str, *, via_join_request: bool = False, chat: ChatRef | str | None = None) -> None:
        user = self.user(user) if isinstance(user, str) else user
        await self.deliver(MemberJoined(chat=self._where(chat), member=user, timestamp=self.clock.now(),
                                        via_join_request=via_join_request))

    async def leave(self, user: User | str, *, chat: ChatRef | str | None = None) -> None:
        user = self.user(user) if isinstance(user, str) else user
        await self.deliver(MemberLeft(chat=self._where(chat), member=user, timestamp=self.clock.now()))

    async def join_request(self, user: User | str, *, bio: str | None = None, chat: ChatRef | str | None = None) -> None:
        user = self.user(user) if isinstance(user, str) else user
        await self.deliver(JoinRequest(chat=self._where(chat), member=user, timestamp=self.clock.now(), bio=bio))

    async def press(self, data: str, *, user: User | str = "amina", chat: ChatRef | str | None = None,
                    message_id: str = "m0") -> None:
        """Press a button carrying `data` (see `buttons()` to find the data of sent buttons); `chat="dm"` in a private chat."""
        user = self.user(user) if isinstance(user, str) else user
        await self.deliver(ButtonPressed(chat=self._where(chat, user), user=user, message_id=message_id, data=data,
                                         timestamp=self.clock.now()))

    async def vote(self, poll_ref: str, options: Iterable[int], *, user: User | str = "amina", mode: str = "set") -> None:
        """A native poll vote (0-based option ids)."""
        user = self.user(user) if isinstance(user, str) else user
        await self.deliver(PollVote(poll_ref=poll_ref, user=user, option_ids=tuple(options), chat=None,
                                    timestamp=self.clock.now(), mode=mode))  # type: ignore[arg-type]

    async def react(self, message_id: str, emoji: str, *, user: User | str = "amina", chat: ChatRef | str | None = None) -> None:
        user = self.user(user) if isinstance(user, str) else user
        await self.deliver(ReactionAdded(chat=self._where(chat, user), user=user, message_id=message_id, emoji=emoji, timestamp=self.clock.now()))

    async def edit(self, original: MessageEvent, text: str) -> None:
        from dataclasses import replace

        await self.deliver(MessageEdited(message=replace(original, text=text)))

    # --- time ---------------------------------------------------------------------------------

    async def advance(self, delta: timedelta | None = None, **kwargs: float) -> None:
        """Move the fake clock forward; jobs that fall due run, in order, at their moment."""
        await self.clock.advance(delta, **kwargs)
        await self.runtime.idle()

    async def restart(self, downtime: timedelta | None = None) -> None:
        """Stop the bot and start a new runtime on the same database (a simulated restart).

        With `downtime`, the fake clock moves on while nothing runs (an outage), before the restart.
        """
        await self.runtime.stop()
        if downtime:
            self.clock.quiesce = None
            await self.clock.advance(downtime)
        fresh = await self.build(self.clock, self.database)
        self.runtime, self.adapter = fresh.runtime, fresh.adapter
        self._seen = 0
        await self.runtime.idle()

    # --- what the bot did -------------------------------------------------------------------------

    def actions(self, kind: type | tuple[type, ...] | None = None) -> list[Action]:
        """Every action performed so far (optionally of one type), oldest first."""
        return [a for a in self.adapter.sent if kind is None or isinstance(a, kind)]

    def new_messages(self) -> list[Reply | DirectMessage]:
        """Text messages sent since the last call of next_reply/new_messages, and mark them read."""
        out = []
        while self._seen < len(self.adapter.sent):
            action = self.adapter.sent[self._seen]
            self._seen += 1
            if isinstance(action, (Reply, DirectMessage)):
                out.append(action)
        return out

    def next_reply(self) -> Reply | DirectMessage:
        """The oldest unread text message; fails the test when there is none."""
        while self._seen < len(self.adapter.sent):
            action = self.adapter.sent[self._seen]
            self._seen += 1
            if isinstance(action, (Reply, DirectMessage)):
                return action
        raise AssertionError("the bot sent no (further) message")

    def assert_no_replies(self) -> None:
        pending = self.new_messages()
        assert not pending, f"expected no message, got: {[m.text for m in pending]}"

    def buttons(self, message: Reply | DirectMessage) -> dict[str, str]:
        """{label: data} of a message's buttons."""
        return {b.label: b.data for row in message.buttons for b in row}


_ROLE_KEYS = ("owners", "admins", "moderators", "trusted")
HOME_CHATS = ("g1",)  # the group chat of a named home community (`bot.group`)


def _uid(platform: str, name: str) -> str:
    return name if ":" in name else f"{platform}:{name.lower()}"


def _named_community(platform: str, name: str, table: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A `communities=` entry as a [communities.<name>] table (member names and chat ids get the
    platform prefix; one group chat `g-<name>` when none is given) and its pre-seen members."""
    out = dict(table)
    members = [str(m) for m in out.pop("members", ())]
    chats = out.get("chats") or [f"g-{name}"]
    out["chats"] = [_uid(platform, str(c)) for c in chats]
    for key in _ROLE_KEYS:
        if key in out:
            out[key] = [_uid(platform, str(n)) for n in out[key]]
    return out, members


def _raw_config(platform: str, config: Mapping[str, Any] | None, moderators: Iterable[str], admins: Iterable[str],
                trusted: Iterable[str], community: Mapping[str, Any] | None,
                named: Mapping[str, Mapping[str, Any]] | None = None, *, home: str = DEFAULT_COMMUNITY,
                platforms: Iterable[str] = ()) -> tuple[dict[str, Any], dict[str, list[str]]]:
    raw: dict[str, Any] = {k: dict(v) if isinstance(v, Mapping) else v for k, v in (config or {}).items()}
    communities = raw.setdefault("communities", {})
    seeded: dict[str, list[str]] = {}
    for name, table in (named or {}).items():
        communities[name], seeded[name] = _named_community(platform, name, table)
    default = dict(communities.get("default", {}))
    for key, names in (("moderators", moderators), ("admins", admins), ("trusted", trusted)):
        default[key] = [*default.get(key, []), *(_uid(platform, n) for n in names)]
    default.update(community or {})
    if home != DEFAULT_COMMUNITY:  # the same settings, for a community with a name and chats of its own
        default = {**default, "chats": [f"{p}:{chat}" for p in (platform, *platforms) for chat in HOME_CHATS]}
        communities[home], default = default, {}
    communities["default"] = default
    raw.setdefault("practica", {}).setdefault("database", "practica-test.db")
    return raw, seeded


def _local_plugins(rootdir: Path, config: Mapping[str, Any] | None) -> dict[str, Any]:
    """`config` with `[practica] plugin_dirs` set to `<rootdir>/plugins` when the project keeps its plugins
    there (outside practica's own repository) and the test did not choose plugin_dirs itself."""
    folder = (rootdir / "plugins").resolve()
    raw = dict(config or {})
    settings = dict(raw.get("practica", {}))
    if folder == BUILTIN_DIR or not folder.is_dir() or "plugin_dirs" in settings:
        return raw
    settings["plugin_dirs"] = [str(folder)]
    raw["practica"] = settings
    return raw


@pytest.fixture(scope="session")
def practica_pg() -> Iterator[PgServer]:
    """A throwaway PostgreSQL server for the whole test session (core.testing_pg), started on first use.

    Never skipped: when it cannot start, every test using it fails with the reason and the fix.
    """
    try:
        server = PgServer.start()
    except PgUnavailable as exc:
        pytest.fail(f"the PostgreSQL test server did not start: {exc}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest_asyncio.fixture
async def pg_dsn(practica_pg: PgServer) -> str:
    """The DSN of a fresh, empty PostgreSQL database for this test (`postgresql://...`)."""
    return await practica_pg.new_database()


@pytest.fixture
def practica_engine(practica_community: str) -> str:
    """The storage engine `make_bot` runs on: "sqlite" or "postgresql".

    Paired with the community so that the plugin tests run on both engines without running twice as
    long: `default` runs on SQLite and a named community (tests/plugins/conftest.py's `cohort7`) on
    PostgreSQL (a real throwaway server, see core/testing_pg.py). Override it to choose, e.g.

        @pytest.fixture(params=["sqlite", "postgresql"])
        def practica_engine(request):
            return request.param
    """
    return "sqlite" if practica_community == DEFAULT_COMMUNITY else "postgresql"


@pytest_asyncio.fixture
async def practica_database(practica_engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> Callable[[str], Any]:
    """`await practica_database("name")`: a new empty database on the test's engine (a SQLite path
    under tmp_path, or a fresh PostgreSQL database's DSN)."""
    server: PgServer | None = request.getfixturevalue("practica_pg") if practica_engine == "postgresql" else None

    async def new(name: str) -> str:
        if server is not None:
            return await server.new_database()
        return str(tmp_path / f"{name}.db")

    return new


@pytest.fixture
def practica_community() -> str:
    """The community `make_bot` puts its members, roles and `community=` settings in: `default` (chats not
    listed in plugins.toml). Override it to run a test module's conversations in a named community too:

        @pytest.fixture(params=["default", "cohort7"])
        def practica_community(request):
            return request.param
    """
    return DEFAULT_COMMUNITY


@pytest_asyncio.fixture
async def make_bot(tmp_path: Path, practica_community: str, practica_database: Callable[[str], Any],
                   request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    """Factory fixture: `bot = await make_bot(platform="telegram", plugins={"polls"}, config={...})`.

    Args (all optional, keyword-only):
        platform: "console", "telegram" or "discord" (capabilities imitated by the fake adapter).
        plugins: enable only these plugins (default: every installed plugin).
        config: a plugins.toml document as a dict ([plugins.x], [communities.y]...).
        moderators / admins / trusted: member names given that role in the default community.
        community: extra keys for [communities.default] (locale, timezone...).
        communities: named communities, e.g. `{"cohort7": {"moderators": ["mod1"], "members": ["amina"],
            "timezone": "Africa/Addis_Ababa"}, "cohort8": {...}}`: each is a [communities.<name>] table
            whose member names and chat ids need no platform prefix; `chats` defaults to one group
            `g-<name>` (`bot.chat("cohort7")`, or `chat="cohort7"` when sending); `members` are seen
            there before the test starts. `bot.group` is then the first one's chat.
        extra_plugins: plugin objects by name, registered besides the installed ones.
        start: the fake clock's start time (default 2026-11-26 09:00 UTC, a Thursday).
        With the `practica_community` fixture naming a community (e.g. "cohort7"), and no `communities=`
        nor named communities in `config`, that community holds what `default` would: `moderators`,
        `admins`, `trusted`, `community=` settings, and the group chat g1 (`bot.group`).
        members: member names seen in `bot.group`'s community before the test starts (a named community
            takes part only from members it has seen: their native votes, buttons and private chats).
        also: more platforms served by the same bot (e.g. `also=("discord",)` with platform="telegram");
            their actions are recorded with the main platform's (`bot.user("amina", platform="discord")`).
    """
    bots: list[Bot] = []
    counter = itertools.count(1)

    async def factory(*, platform: str = "console", plugins: Iterable[str] | None = None, config: Mapping[str, Any] | None = None,
                      moderators: Iterable[str] = (), admins: Iterable[str] = (), trusted: Iterable[str] = (),
                      community: Mapping[str, Any] | None = None, extra_plugins: Mapping[str, Any] | None = None,
                      start: datetime | None = None, communities: Mapping[str, Mapping[str, Any]] | None = None,
                      also: Iterable[str] = (), members: Iterable[str] = ()) -> Bot:
        folder = tmp_path / f"bot{next(counter)}"
        folder.mkdir()
        also = tuple(also)
        config = _local_plugins(request.config.rootpath, config)
        named_home = practica_community if not communities and not set((config or {}).get("communities", {})) - {
            DEFAULT_COMMUNITY} else DEFAULT_COMMUNITY
        raw, seeded = _raw_config(platform, config, moderators, admins, trusted, community, communities,
                                  home=named_home, platforms=also)
        parsed = parse_config(raw, folder / "plugins.toml")
        home = next(iter(communities), "default") if communities else named_home
        seeded.setdefault(home, []).extend(members)
        only = set(plugins) | {"essentials"} if plugins is not None else None

        async def build(clock: FakeClock, database: str) -> Bot:
            holder: dict[str, FakeAdapter] = {}

            class Host:
                async def deliver(self, event: Event, *, source: str | None = None) -> None:
                    await runtime.deliver(event, source=source)

                async def accept(self, event: Event, *, source: str | None = None) -> Any:
                    return await runtime.accept(event, source=source)

                def configured_role(self, user: User, chat: ChatRef | None) -> Role:
                    return runtime.configured_role(user, chat)

            holder["adapter"] = FakeAdapter(platform, Host())
            fakes = {platform: holder["adapter"]}
            for other in also:
                fake = fakes[other] = FakeAdapter(other, Host())
                fake.sent, fake._ids = holder["adapter"].sent, holder["adapter"]._ids  # one record, unique ids
            runtime = Runtime(parsed, clock=clock, adapters=fakes, extra_plugins=extra_plugins,
                              only_plugins=only, database=database)
            runtime.outbox.budgets = {}
            clock.quiesce = runtime.idle
            await runtime.start()
            return Bot(runtime=runtime, clock=clock, adapter=holder["adapter"], platform=platform, database=database,
                       build=build, home=home)

        clock = FakeClock(start or datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc))
        database = await practica_database(f"{folder.name}/practica-test")
        bot = await build(clock, database)
        for name, names in seeded.items():
            for member in names:
                await bot.runtime.members.saw(name, bot.user(member), clock.now())
        bots.append(bot)
        return bot

    yield factory
    for bot in bots:
        if bot.runtime.storage is not None:
            await bot.runtime.stop()


_LIBRARY_WARNINGS = (  # raised inside the platform libraries themselves, not by plugin code
    "ignore:'audioop' is deprecated:DeprecationWarning:discord.player",
    "ignore:Deprecated since version v22.2:telegram.warnings.PTBDeprecationWarning",
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "practica: tests using the practica test kit")
    if config.getoption("asyncio_mode", None) is None:
        config.option.asyncio_mode = "auto"  # plugin tests are `async def`; `--asyncio-mode=strict` still wins
    for library_warning in _LIBRARY_WARNINGS:
        config.addinivalue_line("filterwarnings", library_warning)

