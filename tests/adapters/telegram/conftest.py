"""Fixtures: a fake Bot API server, a host collecting events, and adapters whose injected transport
(`request=`, `get_updates_request=`) reaches the server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from adapters.telegram.adapter import TelegramAdapter
from adapters.telegram.config import TelegramConfig
from core.events import ChatRef, Event, Role, User
from core.schema import validate
from tests.adapters.telegram.fake_bot_api import TOKEN, FakeBotApi


class Host:
    """The core, as far as the adapter can tell: collects delivered events."""

    def __init__(self) -> None:
        self.events: asyncio.Queue[Event] = asyncio.Queue()

    async def deliver(self, event: Event, *, source: str | None = None) -> None:
        await self.events.put(event)

    def configured_role(self, user: User, chat: ChatRef | None) -> Role:
        return Role.MEMBER

    async def next(self, timeout: float = 5.0) -> Event:
        return await asyncio.wait_for(self.events.get(), timeout)

    async def nothing_more(self, wait: float = 0.3) -> None:
        await asyncio.sleep(wait)
        assert self.events.empty(), f"unexpected event: {self.events.get_nowait()!r}"


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        yield server


@pytest.fixture
def host() -> Host:
    return Host()


MakeAdapter = Callable[..., Awaitable[TelegramAdapter]]


@pytest.fixture
async def make_adapter(api: FakeBotApi, host: Host) -> AsyncIterator[MakeAdapter]:
    started: list[TelegramAdapter] = []

    async def make(**table: Any) -> TelegramAdapter:
        config = validate(TelegramConfig, {"token": TOKEN, "poll_timeout": 1, **table}, "plugins.toml [adapters.telegram]")
        adapter = TelegramAdapter(config, host, **api.requests())  # no base_url: the fake is the injected transport
        await adapter.start()
        started.append(adapter)
        return adapter

    yield make
    for adapter in started:
        await adapter.stop()


@pytest.fixture
async def adapter(make_adapter: MakeAdapter) -> TelegramAdapter:
    """A started adapter in polling mode."""
    return await make_adapter()
