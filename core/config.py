"""plugins.toml -> validated, frozen configuration.

Top-level tables: `[practica]` (runtime settings), `[adapters.<name>]`, `[plugins.<name>]` and
`[communities.<name>]`. Adapter and plugin tables are validated later against the schema their owner
declares (see core.plugins); everything here is checked at load, so a typo stops the start with the
file, the table, the key and a suggestion.
"""

from __future__ import annotations

import tomllib
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.errors import ConfigError
from core.events import ChatRef, Role, User
from core.engines import is_postgresql
from core.schema import Secret, did_you_mean, validate

DEFAULT_COMMUNITY = "default"


@dataclass(frozen=True)
class PracticaSettings:
    """The `[practica]` table."""

    database: str | Secret = "practica.db"
    """A SQLite file (relative to plugins.toml), or a PostgreSQL URL (`{"$env" = "..."}` for one with a password)."""
    prefix: str = "/"
    hook_timeout: float = 5.0
    plugin_dirs: tuple[str, ...] = ()
    inbound_queue: int = 10_000
    shutdown_grace: float = 10.0
    delivery_retry_window: float = 6 * 3600.0
    log_level: str = "WARNING"
    several_workers: bool = False
    """PostgreSQL only: let several `practica run` share the database (chat leases, claimed jobs, one poller,
    shards). Off by default: one worker needs none of it (README, Operating on PostgreSQL)."""
    worker_lease: float = 10.0
    """PostgreSQL, several workers: seconds after which a dead worker's chats, jobs and intake pass to another."""

    def __post_init__(self) -> None:
        if not self.prefix or len(self.prefix) > 3 or self.prefix.isspace():
            raise ValueError(f"key 'prefix' must be 1 to 3 visible characters, got {self.prefix!r}")
        if not 0.05 <= self.hook_timeout <= 600:
            raise ValueError("key 'hook_timeout' must be between 0.05 and 600 seconds")
        if self.inbound_queue < 1:
            raise ValueError("key 'inbound_queue' must be at least 1")
        if not 0.5 <= self.worker_lease <= 600:
            raise ValueError("key 'worker_lease' must be between 0.5 and 600 seconds (default 10)")
        if self.delivery_retry_window < 1:
            raise ValueError("key 'delivery_retry_window' must be at least 1 second (default 21600: six hours)")


@dataclass(frozen=True)
class DashboardSettings:
    """The `[dashboard]` table: the coordinators' web dashboard (core.dashboard), off by default."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = 8750
    public_url: str = ""  # the address in the links the bot sends; default http://host:port
    session_hours: float = 12.0

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ValueError("key 'port' must be between 0 and 65535")
        if not 0.1 <= self.session_hours <= 24 * 30:
            raise ValueError("key 'session_hours' must be between 0.1 and 720")
        if self.public_url and not self.public_url.startswith(("http://", "https://")):
            raise ValueError("key 'public_url' must start with https:// (or http://), e.g. 'https://cop.example.org'")


@dataclass(frozen=True)
class CommunityTable:
    """The `[communities.<name>]` table as written."""

    chats: tuple[str, ...] = ()
    locale: str = "en"
    timezone: str = "UTC"
    owners: tuple[str, ...] = ()
    admins: tuple[str, ...] = ()
    moderators: tuple[str, ...] = ()
    trusted: tuple[str, ...] = ()
    disabled_plugins: tuple[str, ...] = ()
    log_chat: str | None = None
    review_chat: str | None = None
    plugins: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Community:
    """A set of chats (on any platform) that share leaderboards, homework, polls and the library."""

    name: str
    chats: frozenset[str]
    locale: str
    timezone: ZoneInfo
    roles: Mapping[str, Role]
    disabled_plugins: frozenset[str]
    log_chat: str | None
    review_chat: str | None
    plugin_overrides: Mapping[str, Mapping[str, Any]]

    def role_of(self, user: User) -> Role:
        """The role plugins.toml gives `user` here (member when not listed)."""
        return self.roles.get(user.uid, Role.MEMBER)

    def chat_ref(self, key: str | None) -> ChatRef | None:
        """A ChatRef for a configured `platform:id` chat key such as log_chat."""
        if not key or ":" not in key:
            return None
        platform, _, chat_id = key.partition(":")
        return ChatRef(platform=platform, id=chat_id, kind="group")


@dataclass(frozen=True)
class Config:
    """The whole validated plugins.toml."""

    path: Path
    practica: PracticaSettings
    adapters: Mapping[str, Mapping[str, Any]]
    plugins: Mapping[str, Mapping[str, Any]]
    communities: Mapping[str, Community]
    chat_to_community: Mapping[str, str]
    dashboard: DashboardSettings = DashboardSettings()

    @property
    def database_path(self) -> str:
        """The SQLite path (relative paths are next to plugins.toml; ':memory:' stays as is), or the
        PostgreSQL URL as written."""
        db = self.practica.database
        db = db.reveal() if isinstance(db, Secret) else db
        if db == ":memory:" or Path(db).is_absolute() or is_postgresql(db):
            return db
        return str(self.path.parent / db)

    def community_for(self, chat: ChatRef | None) -> Community:
        """The community a chat belongs to; chats not listed belong to `default`."""
        name = self.chat_to_community.get(chat.key, DEFAULT_COMMUNITY) if chat is not None else DEFAULT_COMMUNITY
        return self.communities[name]


_TOP_LEVEL = ("practica", "adapters", "plugins", "communities", "dashboard")


def load_config(path: str | Path) -> Config:
    """Read and validate plugins.toml; raises ConfigError with a message an operator can act on."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found. Pass --config FILE or create plugins.toml "
                          f"(see README.md).") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}.") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text.") from None
    return parse_config(raw, path)


def parse_config(raw: Mapping[str, Any], path: Path) -> Config:
    """Validate an already-parsed TOML document (tests use this with dicts)."""
    for key, value in raw.items():
        if key not in _TOP_LEVEL:
            raise ConfigError(f"{path}: unknown table [{key}]{did_you_mean(key, _TOP_LEVEL)}. "
                              f"Known tables: {', '.join('[' + t + ']' for t in _TOP_LEVEL)}.")
        if not isinstance(value, Mapping):
            raise ConfigError(f"{path}: [{key}] must be a table.")
    settings = validate(PracticaSettings, raw.get("practica"), f"{path} [practica]")
    dashboard = validate(DashboardSettings, raw.get("dashboard"), f"{path} [dashboard]")
    adapters = _tables(raw.get("adapters", {}), path, "adapters")
    plugins = _tables(raw.get("plugins", {}), path, "plugins")
    communities: dict[str, Community] = {}
    chat_to_community: dict[str, str] = {}
    for name, table in _tables(raw.get("communities", {}), path, "communities").items():
        where = f"{path} [communities.{name}]"
        community = _community(name, validate(CommunityTable, table, where), where)
        for chat in community.chats:
            if chat in chat_to_community:
                raise ConfigError(f"{where}: chat {chat!r} is already in community "
                                  f"{chat_to_community[chat]!r}; a chat belongs to one community.")
            chat_to_community[chat] = name
        communities[name] = community
    communities.setdefault(DEFAULT_COMMUNITY, _community(DEFAULT_COMMUNITY, CommunityTable(), f"{path}"))
    for name, community in communities.items():  # moderators' chats belong to the community they serve
        for served in (community.review_chat, community.log_chat):
            if served:
                chat_to_community.setdefault(served, name)
    return Config(path=path, practica=settings, adapters=types.MappingProxyType(adapters),
                  plugins=types.MappingProxyType(plugins), communities=types.MappingProxyType(communities),
                  chat_to_community=types.MappingProxyType(chat_to_community), dashboard=dashboard)


def _tables(value: Any, path: Path, kind: str) -> dict[str, Mapping[str, Any]]:
    out = {}
    for name, table in dict(value).items():
        if not isinstance(table, Mapping):
            raise ConfigError(f"{path}: [{kind}.{name}] must be a table, got {table!r}.")
        out[name] = table
    return out


def _community(name: str, table: CommunityTable, where: str) -> Community:
    try:
        tz = ZoneInfo(table.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where} key 'timezone': unknown time zone {table.timezone!r}; "
                          f"use an IANA name such as 'Africa/Addis_Ababa'.") from None
    for chat in table.chats:
        if ":" not in chat:
            raise ConfigError(f"{where} key 'chats': {chat!r} should be written platform:id, "
                              f"e.g. 'telegram:-1001234567890'.")
    roles: dict[str, Role] = {}
    for role, members in ((Role.TRUSTED, table.trusted), (Role.MODERATOR, table.moderators),
                          (Role.ADMIN, table.admins), (Role.OWNER, table.owners)):
        for uid in members:
            if ":" not in uid:
                raise ConfigError(f"{where} key '{role.name.lower()}s': {uid!r} should be written "
                                  f"platform:id, e.g. 'telegram:123456' or 'console:trainer'.")
            roles[uid] = max(role, roles.get(uid, Role.MEMBER))
    return Community(name=name, chats=frozenset(table.chats), locale=table.locale, timezone=tz,
                     roles=types.MappingProxyType(roles), disabled_plugins=frozenset(table.disabled_plugins),
                     log_chat=table.log_chat, review_chat=table.review_chat,
                     plugin_overrides=types.MappingProxyType(dict(table.plugins)))
