"""Leaderboards that reward learning and helping: points ledger, weekly boards, levels, badges, teams."""

from __future__ import annotations

from collections.abc import Sequence

import core
from core import Context, Event, MessageEvent, hookimpl
from plugins.leaderboards import store
from plugins.leaderboards.config import LeaderboardsConfig
from plugins.leaderboards.services import boards, scoring, workers


class Plugin(core.Plugin):
    """Leaderboards that reward learning and helping, not chatter."""

    config = LeaderboardsConfig

    @hookimpl
    async def practica_startup(self, ctx: Context) -> None:
        await store.prepare(ctx.db)
        for community_ctx in ctx.communities():
            await boards.schedule_weekly(community_ctx)

    @hookimpl
    async def practica_on_message(self, event: MessageEvent, ctx: Context) -> None:
        await scoring.on_message(event, ctx)

    @hookimpl
    async def practica_on_event(self, event: Event, ctx: Context) -> None:
        await scoring.on_event(event, ctx)

    @hookimpl
    async def practica_directory_changed(self, kind: str | None, keys: Sequence[str], ctx: Context) -> None:
        await workers.changed(ctx, kind, keys)

    @hookimpl
    async def practica_shutdown(self, ctx: Context) -> None:
        await store.flush(ctx.db)
