"""Fixtures: a fake Discord on 127.0.0.1 and a started DiscordAdapter connected to it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import discord
import discord.gateway
import discord.http
import pytest
import yarl

from adapters.discord.adapter import DiscordAdapter
from adapters.discord.config import DiscordConfig
from core.events import ChatRef, Event, Role, User
from core.schema import Secret
from tests.adapters.discord.fakediscord import GUILD_ID, FakeDiscord


class Host:
    """What the core gives an adapter: delivered events land in a queue."""

    prefix = "/"

    def __init__(self) -> None:
        self.events: asyncio.Queue[Event] = asyncio.Queue()

    async def deliver(self, event: Event, *, source: str | None = None) -> None:
        await self.events.put(event)

    def configured_role(self, user: User, chat: ChatRef | None) -> Role:
        return Role.MEMBER

    async def next(self, timeout: float = 3.0) -> Any:
        return await asyncio.wait_for(self.events.get(), timeout)


def make_config(**overrides: Any) -> DiscordConfig:
    values: dict[str, Any] = {"token": Secret("fake-token", "DISCORD_BOT_TOKEN"), "guilds": (GUILD_ID,),
                              "verified_role": "Verified", "moderator_roles": ("Helpers",)}
    values.update(overrides)
    return DiscordConfig(**values)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    old_base, old_gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = f"{server.base}/api/v10"
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"ws://127.0.0.1:{server.port}/gateway")
    try:
        yield server
    finally:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_base, old_gateway
        await server.close()


@pytest.fixture
def host() -> Host:
    return Host()


def new_adapter(host: Host, **overrides: Any) -> DiscordAdapter:
    adapter = DiscordAdapter(make_config(**overrides), host)
    adapter.client._connection.guild_ready_timeout = 0.05  # the fake sends every GUILD_CREATE at once
    return adapter


@pytest.fixture
async def adapter(fake: FakeDiscord, host: Host) -> AsyncIterator[DiscordAdapter]:
    running = new_adapter(host)
    await asyncio.wait_for(running.start(), 10)
    try:
        yield running
    finally:
        await running.stop()
