"""Fixtures: a fake Discord on 127.0.0.1 and a started DiscordAdapter connected to it (through the
adapter's `transport=`: discord.py itself is left as it is)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

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
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture
def host() -> Host:
    return Host()


def new_adapter(fake: FakeDiscord, host: Host, **overrides: Any) -> DiscordAdapter:
    """An adapter whose client talks to `fake` through the injected transport."""
    return DiscordAdapter(make_config(**overrides), host, transport=fake.transport())


@pytest.fixture
async def adapter(fake: FakeDiscord, host: Host) -> AsyncIterator[DiscordAdapter]:
    running = new_adapter(fake, host)
    await asyncio.wait_for(running.start(), 10)
    try:
        yield running
    finally:
        await running.stop()
