"""Resource library: save, search and resend shared files, links and notes; frequent-question insights."""

from __future__ import annotations

from collections.abc import Sequence

import core
from core import Context, MessageEvent, hookimpl
from plugins.resources.config import ResourcesConfig
from plugins.resources.services import insights, library, search


class Plugin(core.Plugin):
    """Resource library: save, search and resend shared files, links and notes; frequent-question insights."""

    config = ResourcesConfig

    @hookimpl
    async def practica_startup(self, ctx: Context) -> None:
        await insights.schedule_jobs(ctx)
        await search.prepare(ctx.db)

    @hookimpl
    async def practica_on_message(self, event: MessageEvent, ctx: Context) -> None:
        config = ctx.config
        if config.insights:
            await insights.on_message(event, ctx)
        if config.auto_capture_chats and event.chat.key in config.auto_capture_chats:
            await library.capture(event, ctx)

    @hookimpl
    async def practica_frequent_topics(self, limit: int, ctx: Context) -> Sequence[str] | None:
        return await insights.frequent_topics(ctx, limit)

    @hookimpl
    async def practica_shutdown(self, ctx: Context) -> None:
        await insights.flush(ctx)
        await search.stop(ctx.db)
