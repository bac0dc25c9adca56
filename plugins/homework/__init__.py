"""Homework between sessions: assignments, submissions, gentle reminders and a weekly digest."""

from __future__ import annotations

from collections.abc import Sequence

import core
from core import AccountsLinked, Context, Delivery, Event, MessageEvent, hookimpl
from plugins.homework import jobs, store
from plugins.homework.config import HomeworkConfig
from plugins.homework.services import by_reply


class Plugin(core.Plugin):
    """Homework between sessions: assignments, submissions, gentle reminders and a weekly digest."""

    config = HomeworkConfig

    @hookimpl
    async def practica_startup(self, ctx: Context) -> None:
        await by_reply.load_posts(ctx)
        await jobs.schedule_digests(ctx)

    @hookimpl
    async def practica_on_event(self, event: Event, ctx: Context) -> None:
        if isinstance(event, AccountsLinked):  # a person's homework follows them to every account
            await store.merge_accounts(ctx.db, event.person, event.accounts)

    @hookimpl
    async def practica_on_message(self, event: MessageEvent, ctx: Context) -> None:
        if event.reply_to is not None:
            await by_reply.on_message(event, ctx)

    @hookimpl
    async def practica_on_delivered(self, delivery: Delivery, ctx: Context) -> None:
        await jobs.on_delivered(ctx, delivery)

    @hookimpl
    async def practica_directory_changed(self, kind: str | None, keys: Sequence[str], ctx: Context) -> None:
        await by_reply.posted_elsewhere(ctx, kind, keys)
