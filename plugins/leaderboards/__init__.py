"""Leaderboards that reward learning and helping: points ledger, weekly boards, levels, badges, teams."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

import core
from core import Context, Event, JobKind, MessageEvent, hookimpl
from plugins.leaderboards import commands, store
from plugins.leaderboards.services import boards, scoring
from plugins.leaderboards.config import LeaderboardsConfig


class Plugin(core.Plugin):
    """Leaderboards that reward learning and helping, not chatter."""

    config = LeaderboardsConfig
    commands = commands.ALL
    jobs = {boards.JOB_KIND: JobKind(boards.weekly_job, grace=timedelta(days=1))}
    migrations = store.MIGRATIONS

    @hookimpl
    def practica_dashboard_pages(self) -> Iterable[Any]:
        from plugins.leaderboards import dashboard  # Starlette only when the dashboard asks

        return dashboard.PAGES

    @hookimpl
    async def practica_startup(self, ctx: Context) -> None:
        for community_ctx in ctx.communities():
            await boards.schedule_weekly(community_ctx)

    @hookimpl
    async def practica_on_message(self, event: MessageEvent, ctx: Context) -> None:
        await scoring.on_message(event, ctx)

    @hookimpl
    async def practica_on_event(self, event: Event, ctx: Context) -> None:
        await scoring.on_event(event, ctx)

    @hookimpl
    async def practica_shutdown(self, ctx: Context) -> None:
        await store.flush(ctx.db)

    @hookimpl
    async def practica_user_data(self, member: str, ctx: Context, erase: bool) -> Mapping[str, Any] | None:
        if not erase:
            return await store.export(ctx.db, member)
        scoring.forget_member(ctx, member)
        return await store.erase(ctx.db, member)
