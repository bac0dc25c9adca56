"""The `[adapters.discord]` table, validated by `core.schema.validate`. Imports nothing from discord.py."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.schema import Secret


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
    """

    token: Secret
    enabled: bool = True
    guilds: tuple[int, ...] = ()
    intents: DiscordIntents = field(default_factory=DiscordIntents)
    verified_role: str | None = None
    moderator_roles: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for guild in self.guilds:
            if guild <= 0:
                raise ValueError(f"key 'guilds': {guild!r} is not a Discord server id "
                                 "(Developer Mode on, right-click the server > Copy Server ID)")
