"""The `[adapters.discord]` table, validated by `core.schema.validate`. Imports nothing from discord.py."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.schema import Secret

MAX_SHARDS = 4096
"""More shards than any bot needs (Discord recommends one per ~1,000 servers)."""


@dataclass(frozen=True)
class DiscordIntents:
    """`[adapters.discord.intents]`: the gateway intents practica asks for.

    `message_content` and `members` are privileged: enable them in the Developer Portal
    (your application > Bot > Privileged Gateway Intents) or turn them off here.
    """

    message_content: bool = True
    members: bool = True
    polls: bool = True


@dataclass(frozen=True)
class DiscordConfig:
    """`[adapters.discord]`.

    Attributes:
        enabled: start the adapter.
        token: the bot token, written `{ "$env" = "DISCORD_BOT_TOKEN" }`.
        guilds: ids of the servers (guilds) the bot serves; slash commands are synced to each.
            Empty: commands are registered globally (Discord may take up to an hour to show them).
        intents: which gateway intents to request.
        verified_role: role id or name given by `ApproveJoin` (the verification gate).
        moderator_roles: role ids or names whose holders count as moderators.
        shards: how many gateway shards the bot uses (1 to MAX_SHARDS), or "auto" for the number
            Discord recommends (GET /gateway/bot, asked at each start). With several workers each
            shard is connected by one worker at a time (core.workers).
    """

    token: Secret
    enabled: bool = True
    guilds: tuple[int, ...] = ()
    intents: DiscordIntents = field(default_factory=DiscordIntents)
    verified_role: str | None = None
    moderator_roles: tuple[str, ...] = ()
    shards: int | str = 1

    def __post_init__(self) -> None:
        if isinstance(self.shards, str) and self.shards != "auto":
            raise ValueError(f"key 'shards': {self.shards!r} is not a number of shards; write a whole number "
                             f'from 1 to {MAX_SHARDS}, or "auto" for the number Discord recommends')
        if isinstance(self.shards, int) and not 1 <= self.shards <= MAX_SHARDS:
            raise ValueError(f"key 'shards': {self.shards} is out of range; write a whole number from 1 to "
                             f'{MAX_SHARDS}, or "auto" for the number Discord recommends')
        for guild in self.guilds:
            if guild <= 0:
                raise ValueError(f"key 'guilds': {guild!r} is not a Discord server id "
                                 "(Developer Mode on, right-click the server > Copy Server ID)")
