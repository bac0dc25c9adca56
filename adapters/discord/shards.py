"""A discord.py client whose gateway shards are connected and closed one by one, while it runs.

Discord splits a bot's gateway into shards: shard `s` of `n` receives the events of the guilds with
`(guild_id >> 22) % n == s`, and shard 0 the direct messages too. discord.py's `AutoShardedClient`
connects a fixed list of shards at `connect()`; practica's workers instead hold shards as leases
(`intake:discord:<shard>`, core.workers) that come and go, so `ShardedClient` keeps that client (one
cache, one REST session, the same event handlers for every shard) and adds `open_shard` /
`close_shard`. `connect()` runs discord.py's reconnect loop for whatever shards are open, and returns
only when the client closes: a client with no shard open still sends (REST works without a gateway).

This module knows discord.py's private names for the shard table and its event queue
(`_AutoShardedClient__shards`, `__queue`); it is the one place that does.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import discord
from discord.gateway import DiscordWebSocket
from discord.shard import EventItem, EventType, Shard

IDENTIFY_GAP = 5.0  # Discord: one IDENTIFY per 5 s per bucket (max_concurrency 1, the common case)


def shard_of(guild_id: int | None, shard_count: int) -> int:
    """The shard that receives a guild's events (direct messages: shard 0), as Discord computes it."""
    return 0 if guild_id is None else (guild_id >> 22) % shard_count


class ShardedClient(discord.AutoShardedClient):
    """An AutoShardedClient with no shard at start; `open_shard(s)` / `close_shard(s)` change the set.

    Args:
        shard_count: how many shards the bot's gateway is split into (every worker must agree).
        identify_gap: seconds between two IDENTIFYs of this client (Discord's limit; a test peer may
            say less).
        options: the other `discord.Client` options.
    """

    def __init__(self, *, shard_count: int, identify_gap: float = IDENTIFY_GAP, **options: Any) -> None:
        super().__init__(shard_count=shard_count, shard_ids=[], **options)
        self.identify_gap = identify_gap
        self._last_identify = -1e9

    # --- the shard table -----------------------------------------------------------------------

    @property
    def _shard_table(self) -> dict[int, Shard]:
        table: dict[int, Shard] = self._AutoShardedClient__shards  # type: ignore[attr-defined]
        return table

    @property
    def open_shards(self) -> set[int]:
        """The shards this client connects (connected, or connecting)."""
        return set(self.shard_ids or ())

    async def open_shard(self, shard_id: int) -> None:
        """Connect shard `shard_id`; returns once its IDENTIFY is sent (READY follows). discord.py
        retries every 5 s while Discord cannot be reached: run it in a task, cancelled by the caller
        when the shard is closed meanwhile."""
        ids: list[int] = self.shard_ids  # type: ignore[assignment]  # a list from __init__ on
        if shard_id in ids or self.is_closed():
            return
        ids.append(shard_id)
        self._connection.shard_ids = ids
        self._connection.shard_count = self.shard_count
        try:
            await self.launch_shard(DiscordWebSocket.DEFAULT_GATEWAY, shard_id, initial=True)
        except BaseException:
            if shard_id not in self._shard_table and shard_id in ids:
                ids.remove(shard_id)
            raise

    async def close_shard(self, shard_id: int) -> None:
        """Close shard `shard_id`'s connection for good (code 1000: Discord ends its session) and forget
        its servers: nothing updates them any more (adapters.discord.guilds looks them up by REST)."""
        ids: list[int] = self.shard_ids  # type: ignore[assignment]
        if shard_id in ids:
            ids.remove(shard_id)
        shard = self._shard_table.pop(shard_id, None)
        if shard is not None:
            await shard.close()
            self.dispatch("shard_disconnect", shard_id)
        for guild in [g for g in self.guilds if shard_of(g.id, self.shard_count or 1) == shard_id]:
            self._connection._remove_guild(guild)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Keep `identify_gap` seconds between two IDENTIFYs of this client (discord.py's own hook waits
        5 s before every IDENTIFY but the first)."""
        wait = self._last_identify + self.identify_gap - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        self._last_identify = time.monotonic()

    # --- running -------------------------------------------------------------------------------

    async def connect(self, *, reconnect: bool = True) -> None:
        """discord.py's shard loop without launching any shard: reconnects the open ones, ignores news
        about shards closed meanwhile, returns when the client closes, raises when Discord ends the
        connection for good (ConnectionClosed with a non-resumable code, PrivilegedIntentsRequired)."""
        self._reconnect = reconnect
        self._connection.shard_count = self.shard_count
        queue: asyncio.PriorityQueue[EventItem] = self._AutoShardedClient__queue  # type: ignore[attr-defined]
        while not self.is_closed():
            item = await queue.get()
            if item.type == EventType.clean_close:
                return
            shard = item.shard
            if shard is None or self._shard_table.get(shard.id) is not shard:
                continue  # a shard closed meanwhile (its lease went to another worker)
            if item.type == EventType.close:
                await self.close()
                if isinstance(item.error, discord.ConnectionClosed):
                    if item.error.code == 4014:
                        raise discord.PrivilegedIntentsRequired(shard.id) from None
                    if item.error.code != 1000:
                        raise item.error
                return
            if item.type == EventType.terminate:
                await self.close()
                assert item.error is not None
                raise item.error
            if item.type in (EventType.identify, EventType.resume):
                await shard.reidentify(item.error)  # type: ignore[arg-type]
            elif item.type == EventType.reconnect:
                await shard.reconnect()
            if self._shard_table.get(shard.id) is not shard:  # closed while it reconnected: close the new socket
                await shard.close()
