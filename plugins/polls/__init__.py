"""Polls and quizzes: native where the platform has them, numbered text everywhere else."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import core
from core import ButtonPressed, Context, Delivery, Event, JobKind, MessageEvent, PollVote, hookimpl
from plugins.polls import commands, store
from plugins.polls import members as data
from plugins.polls.services import render, lifecycle as service, voting
from plugins.polls.config import PollsConfig


class Plugin(core.Plugin):
    """Polls and quizzes: native where the platform has them, numbered text everywhere else."""

    config = PollsConfig
    commands = commands.ALL
    jobs = {service.CLOSE_JOB: JobKind(service.close_job, grace=None),
            service.REMIND_JOB: JobKind(service.remind_job)}
    migrations = store.MIGRATIONS

    @hookimpl
    def practica_dashboard_pages(self) -> Iterable[Any]:
        from plugins.polls import dashboard  # Starlette only when the dashboard asks

        return dashboard.PAGES

    @hookimpl
    async def practica_on_message(self, event: MessageEvent, ctx: Context) -> None:
        if event.reply_to is not None:
            await voting.on_reply(event, ctx)

    @hookimpl
    async def practica_on_event(self, event: Event, ctx: Context) -> None:
        if isinstance(event, PollVote):
            await voting.on_native_vote(event, ctx)
        elif isinstance(event, ButtonPressed) and event.data.startswith(render.BUTTON_PREFIX):
            await voting.on_pick(event, ctx)

    @hookimpl
    async def practica_on_delivered(self, delivery: Delivery, ctx: Context) -> None:
        await service.on_delivered(ctx, delivery)

    @hookimpl
    async def practica_user_data(self, member: str, ctx: Context, erase: bool) -> Mapping[str, Any] | None:
        return await data.user_data(member, ctx, erase)
