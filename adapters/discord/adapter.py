"""The Discord adapter: a discord.py client run as a named task under practica's loop.

`start()` logs in (a bad token fails here, with an operator message), settles the shard count
(`shards`, or Discord's recommendation for "auto"), then runs the client's shard loop in the task
`practica.discord.gateway` and, alone, connects every shard and returns once they are ready. With
several workers (`defer_intake`) it connects none: each worker opens the shards whose lease it holds
(`start_intake_part`, core.workers), and sends through REST from any worker. Reconnection is
discord.py's (adapters.discord.shards). Gateway events become core events in `inbound.py`
(`host.deliver`); `perform()` carries out actions (`outbound.py`); slash commands are published per
configured guild.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import aiohttp
import discord

from core.adapter import Adapter, AdapterHost, CommandInfo
from adapters.discord import convert
from adapters.discord.capabilities import BUDGET, CAPABILITIES
from adapters.discord.config import DiscordConfig, DiscordIntents
from adapters.discord.errors import delivery_error, login_error, privileged_intents_error
from adapters.discord.guilds import RestGuilds
from adapters.discord.inbound import HANDLERS, Inbound
from adapters.discord.interactions import PendingInteractions, command_payloads
from adapters.discord.outbound import Outbound
from adapters.discord.shards import ShardedClient
from adapters.discord.transport import DiscordTransport
from core.errors import AdapterError, DeliveryError
from core.events import ChatRef, Role, User
from core.replies import Action, Sent

__all__ = ["CAPABILITIES", "DiscordAdapter", "DiscordConfig", "DiscordIntents"]

START_TIMEOUT = 60.0
STOP_TIMEOUT = 5.0


def build_intents(config: DiscordIntents) -> discord.Intents:
    """Only what practica uses: guilds, messages, reactions, polls; members and content as configured."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = intents.dm_messages = True
    intents.guild_reactions = intents.dm_reactions = True
    intents.message_content = config.message_content
    intents.members = config.members
    intents.guild_polls = intents.dm_polls = config.polls
    return intents


class DiscordAdapter(Adapter):
    """Serves Discord servers (guilds) and direct messages through one bot account."""

    name = "discord"
    config_type = DiscordConfig
    capabilities = CAPABILITIES
    budget = BUDGET

    def __init__(self, config: DiscordConfig, host: AdapterHost, *, transport: DiscordTransport | None = None) -> None:
        """Build the client; `transport` says where it connects (default: Discord itself; a test peer
        passes its own addresses, see `adapters.discord.transport`)."""
        super().__init__(config, host)
        self.prefix: str = getattr(host, "prefix", None) or "/"
        self.intents = build_intents(config.intents)
        transport = transport or DiscordTransport()
        self.client = ShardedClient(
            shard_count=config.shards if isinstance(config.shards, int) else 1,  # "auto": settled at start
            intents=self.intents,
            chunk_guilds_at_startup=False,
            allowed_mentions=discord.AllowedMentions.none(),
            max_ratelimit_timeout=30.0,  # longer waits come back as DeliveryError(retry_after=...)
            max_messages=500,
            enable_debug_events=False,
            **transport.client_options(),
        )
        transport.route(self.client)
        self._pending = PendingInteractions()
        self.inbound = Inbound(self.client, host, self._pending, self.prefix, self.log)
        self._commands: list[dict[str, Any]] | None = None
        self._synced: list[dict[str, Any]] | None = None
        self._ready = asyncio.Event()  # every shard connected at start is ready (or, deferred, one shard)
        self._ready_shards: set[int] = set()
        self._opening: dict[int, asyncio.Task[None]] = {}  # shards connecting (discord.py retries meanwhile)
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.guilds = RestGuilds(self.client)
        self.outbound = Outbound(self.client, config, self._pending, self._guild_id_for, self.log)
        self._guard_parsers()
        for name in HANDLERS:  # gateway events -> core events
            setattr(self.client, name, getattr(self.inbound, name))
        for handler in (self.on_shard_ready, self.on_shard_connect, self.on_shard_disconnect,
                        self.on_shard_resumed):  # lifecycle logs
            setattr(self.client, handler.__name__, handler)

    # ----------------------------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        if self._task is not None:
            return
        try:
            await self.client.login(self.config.token.reveal())
        except discord.LoginFailure as exc:
            await self.client.close()
            raise login_error(exc, self.config.token.source) from exc
        except (discord.HTTPException, aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
            await self.client.close()
            raise AdapterError(f"could not log in to Discord ({type(exc).__name__}); check the network and "
                               f"https://discordstatus.com, then start again.") from exc
        await self._settle_shard_count()
        self._task = asyncio.create_task(self._run(), name="practica.discord.gateway")
        if self.defer_intake:
            return  # the workers open the shards whose leases they hold
        for shard in range(self.intake_parts):
            self._open(shard)
        ready = asyncio.create_task(self._ready.wait(), name="practica.discord.wait-ready")
        try:
            await asyncio.wait({self._task, ready}, timeout=START_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
        finally:
            ready.cancel()
        if self._task.done():
            self._task.result()  # raises the AdapterError (refused intents...)
        elif not self._ready.is_set():
            self.log.warning("Discord gateway not ready after %.0f s; still trying to connect", START_TIMEOUT)

    async def _settle_shard_count(self) -> None:
        """`shards = "auto"`: ask Discord how many shards it recommends (GET /gateway/bot)."""
        if self.config.shards != "auto":
            return
        try:
            count, _, _ = await self.client.http.get_bot_gateway()
        except (discord.HTTPException, aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
            await self.client.close()
            raise AdapterError(f"[adapters.discord] shards = \"auto\": could not ask Discord how many shards to use "
                               f"({type(exc).__name__}); check the network, or write a number") from exc
        self.client.shard_count = max(1, int(count))
        self.log.info("Discord recommends %d shard(s)", self.client.shard_count)

    # ------------------------------------------------------------------------------------- shards

    @property
    def exclusive_intake(self) -> bool:
        """A shard's gateway session serves one connection: with several workers each shard is
        connected by the holder of its lease (`intake:discord:<shard>`)."""
        return True

    @property
    def intake_parts(self) -> int:
        """The shard count (settled by `start()`)."""
        return self.client.shard_count or 1

    async def start_intake_part(self, part: int) -> None:
        """Connect shard `part` (this worker now holds its lease); returns at once, it connects meanwhile."""
        if self._task is None or not 0 <= part < self.intake_parts:
            return
        self._open(part)

    async def stop_intake_part(self, part: int) -> None:
        """Close shard `part` (its lease goes to another worker); sending keeps working."""
        opening = self._opening.pop(part, None)
        if opening is not None:
            opening.cancel()
            await asyncio.gather(opening, return_exceptions=True)
        self._ready_shards.discard(part)
        await self.client.close_shard(part)
        self.log.info("closed Discord shard %d of %d", part, self.intake_parts)

    def _open(self, shard: int) -> None:
        if shard in self._opening or shard in self.client.open_shards:
            return
        task = asyncio.create_task(self.client.open_shard(shard), name=f"practica.discord.shard-{shard}")
        self._opening[shard] = task
        task.add_done_callback(lambda done: self._opening.pop(shard, None) if self._opening.get(shard) is done else None)

    async def _run(self) -> None:
        try:
            await self.client.connect(reconnect=True)
        except discord.PrivilegedIntentsRequired as exc:
            raise privileged_intents_error(self.intents) from exc
        except discord.ConnectionClosed as exc:
            if exc.code == 4004:
                raise login_error(exc, self.config.token.source) from exc
            if exc.code == 4011:
                raise AdapterError(f"Discord wants this bot on more gateway shards (close code 4011): set "
                                   f"[adapters.discord] shards = \"auto\" or a larger number than "
                                   f"{self.intake_parts}, then start again.") from exc
            raise AdapterError(f"Discord closed the gateway connection for good (close code {exc.code}: "
                               f"{exc.reason or 'no reason given'}).") from exc
        finally:
            if not self._stopping:
                with contextlib.suppress(Exception):
                    await self.client.close()

    async def stop(self) -> None:
        self._stopping = True
        for opening in list(self._opening.values()):
            opening.cancel()
        self._opening.clear()
        try:
            await asyncio.wait_for(self.client.close(), STOP_TIMEOUT)
        except (asyncio.TimeoutError, Exception) as exc:  # closing must not fail the shutdown
            self.log.warning("Discord client did not close cleanly: %s", type(exc).__name__)
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, STOP_TIMEOUT)

    async def wait_finished(self) -> None:
        """Returns when the gateway task ends; raises its AdapterError when it failed for good."""
        if self._task is None:
            if self._stopping:
                return
            await asyncio.Event().wait()
        else:
            await asyncio.shield(self._task)

    async def perform(self, action: Action) -> Sent:
        return await self.outbound.perform(action)

    # ---------------------------------------------------------------------------------- gateway logs

    async def on_shard_connect(self, shard: int) -> None:
        self.log.info("connected to the Discord gateway (shard %d of %d)", shard, self.intake_parts)

    async def on_shard_disconnect(self, shard: int) -> None:
        if shard in self.client.open_shards:
            self.log.info("disconnected from the Discord gateway (shard %d); discord.py reconnects", shard)

    async def on_shard_resumed(self, shard: int) -> None:
        self.log.info("Discord gateway session resumed (shard %d)", shard)

    async def on_shard_ready(self, shard: int) -> None:
        self._ready_shards.add(shard)
        self.log.info("Discord ready as %s: shard %d of %d (%d server(s) on this worker's shards)", self.client.user,
                      shard, self.intake_parts, len(self.client.guilds))
        try:
            await self._sync_commands()
        finally:
            if self.defer_intake or self._ready_shards >= set(range(self.intake_parts)):
                self._ready.set()

    def _guard_parsers(self) -> None:
        """A malformed gateway payload makes discord.py's parser raise inside its read loop, which would
        end the connection: log and drop that one event instead."""
        parsers: dict[str, Callable[[Any], None]] = self.client._connection.parsers

        def guarded(event: str, parse: Callable[[Any], None]) -> Callable[[Any], None]:
            def run(data: Any) -> None:
                try:
                    parse(data)
                except Exception as exc:
                    self.log.warning("ignored a malformed %s event from Discord (%s: %s)", event,
                                     type(exc).__name__, exc)
            return run

        for event, parse in list(parsers.items()):
            parsers[event] = guarded(event, parse)

    # ---------------------------------------------------------------------------------- commands

    async def publish_commands(self, commands: list[CommandInfo]) -> None:
        """Register practica commands as slash commands (synced per configured guild once ready)."""
        payloads, skipped = command_payloads(commands)
        if skipped:
            self.log.warning("not published as slash commands (Discord wants 1-32 lower-case letters, digits, "
                             "- or _; at most 100): %s", ", ".join(skipped))
        self._commands = payloads
        if self._ready.is_set():
            await self._sync_commands()

    async def _sync_commands(self) -> None:
        payloads = self._commands
        if payloads is None or payloads == self._synced:
            return
        app_id = self.client.application_id
        if app_id is None:
            return
        try:
            if self.config.guilds:
                for guild_id in self.config.guilds:
                    await self.client.http.bulk_upsert_guild_commands(app_id, guild_id, payloads)
            else:
                await self.client.http.bulk_upsert_global_commands(app_id, payloads)
        except discord.Forbidden as exc:
            self.log.error("Discord refused the slash commands (%s): invite the bot with the "
                           "applications.commands scope (see docs/discord.md)", exc.status)
            return
        except (discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            self.log.error("could not publish slash commands on Discord: %s", type(exc).__name__)
            return
        self._synced = payloads
        self.log.info("published %d slash command(s) to %s", len(payloads),
                      f"{len(self.config.guilds)} server(s)" if self.config.guilds else "all servers")

    # ------------------------------------------------------------------------------------- roles

    async def _guild_id_for(self, chat: ChatRef) -> int:
        try:
            channel_id = int(chat.thread_id or chat.id)
        except ValueError:
            raise DeliveryError(f"{chat.key} is not a Discord channel id.", permanent=True) from None
        if self.client.get_guild(channel_id) is not None:
            return channel_id
        if channel_id in self.inbound.channel_guild:
            return self.inbound.channel_guild[channel_id]
        channel = self.client.get_channel(channel_id)
        if channel is None:
            try:
                channel = await self.client.fetch_channel(channel_id)
            except Exception as exc:
                raise delivery_error(exc, f"looking up the server of {chat.key}") from exc
        guild = getattr(channel, "guild", None)
        if guild is None:
            raise DeliveryError(f"{chat.key} is not a channel of a Discord server.", permanent=True)
        self.inbound.channel_guild[channel_id] = guild.id
        return guild.id

    async def platform_role(self, chat: ChatRef, user: User) -> Role:
        """Owner, Administrator, Manage Messages / Moderate Members (or a configured moderator role)."""
        if chat.is_direct:
            return Role.MEMBER
        try:
            guild_id = await self._guild_id_for(chat)
            user_id = int(user.id)
        except (DeliveryError, ValueError):
            return Role.MEMBER
        guild = await self.guilds.get(guild_id)  # REST when another worker receives its shard
        if guild is None:
            return Role.MEMBER
        member = guild.get_member(user_id) or self.inbound.members.get((guild_id, user_id))
        if member is None:
            try:
                member = await guild.fetch_member(user_id)
            except (discord.HTTPException, aiohttp.ClientError, OSError):
                return Role.MEMBER
            self.inbound.remember(member, None, None)
        channel = self.client.get_channel(int(chat.thread_id or chat.id))
        return convert.role_of(member, channel=channel, owner_id=guild.owner_id,
                               moderator_roles=self.config.moderator_roles)

