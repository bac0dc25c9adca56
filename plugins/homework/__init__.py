"""Homework between sessions: assignments, submissions, gentle reminders and a weekly digest."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import core
from core import AccountsLinked, Context, Delivery, Event, MessageEvent, hookimpl
from plugins.homework import commands, jobs, store
from plugins.homework.services import by_reply as replies
from plugins.homework.config import HomeworkConfig


class Plugin(core.Plugin):
    """Homework between sessions: assignments, submissions, gentle reminders and a weekly digest."""

    config = HomeworkConfig
    commands = commands.ALL
    jobs = jobs.KINDS
    migrations = store.MIGRATIONS

    @hookimpl
    def practica_dashboard_pages(self) -> Iterable[Any]:
        from plugins.homework import dashboard  # Starlette only when the dashboard asks

        return dashboard.PAGES

    @hookimpl
    async def practica_startup(self, ctx: Context) -> None:
        await replies.load_posts(ctx)
        await jobs.schedule_digests(ctx)

    @hookimpl
    async def practica_on_event(self, event: Event, ctx: Context) -> None:
        if isinstance(event, AccountsLinked):  # a person's homework follows them to every account
            await store.merge_accounts(ctx.db, event.person, event.accounts)

    @hookimpl
    async def practica_on_message(self, event: MessageEvent, ctx: Context) -> None:
        if event.reply_to is not None:
            await replies.on_message(event, ctx)

    @hookimpl
    async def practica_on_delivered(self, delivery: Delivery, ctx: Context) -> None:
        await jobs.on_delivered(ctx, delivery)

    @hookimpl
    async def practica_user_data(self, member: str, ctx: Context, erase: bool) -> Mapping[str, Any] | None:
        if erase:
            return await store.erase_member(ctx.db, member)
        found = await store.export_member(ctx.db, member)
        return found if any(found.values()) else None
