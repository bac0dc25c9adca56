"""Servers (guilds) this worker's gateway does not receive, looked up through REST.

With several workers each holds only some shards, so a worker handling a chat may not have that chat's
server in discord.py's cache (it arrives with GUILD_CREATE on the shard's connection only). The roles
practica derives from Discord permissions need the server's roles and owner: `RestGuilds.get` fetches
them (GET /guilds/{id}) and keeps them `KEEP` seconds, so a role change made in Discord counts within
minutes and a busy chat costs one request per server per `KEEP`, not one per message.
"""

from __future__ import annotations

import time

import aiohttp
import discord

KEEP = 300.0  # seconds a fetched server's roles are trusted
MAX_KEPT = 1000


class RestGuilds:
    """Fetched guilds by id, each kept `KEEP` seconds."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client
        self._kept: dict[int, tuple[discord.Guild, float]] = {}

    async def get(self, guild_id: int) -> discord.Guild | None:
        """The guild from the gateway's cache, else from REST (None when Discord does not answer)."""
        cached = self.client.get_guild(guild_id)
        if cached is not None and not cached.unavailable:
            return cached
        now = time.monotonic()
        kept = self._kept.get(guild_id)
        if kept is not None and now - kept[1] < KEEP:
            return kept[0]
        try:
            guild = await self.client.fetch_guild(guild_id, with_counts=False)
        except (discord.HTTPException, aiohttp.ClientError, OSError):
            return kept[0] if kept is not None else None  # stale roles beat none
        if len(self._kept) >= MAX_KEPT:
            self._kept = {k: v for k, v in self._kept.items() if now - v[1] < KEEP}
        self._kept[guild_id] = (guild, now)
        return guild
