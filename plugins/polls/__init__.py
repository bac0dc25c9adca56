"""Polls and quizzes: native where the platform has them, numbered text everywhere else."""

from __future__ import annotations

import core
from core import ButtonPressed, Context, Delivery, Event, MessageEvent, PollVote, hookimpl
from plugins.polls.config import PollsConfig
from plugins.polls.services import lifecycle, render, voting


class Plugin(core.Plugin):
    """Polls and quizzes: native where the platform has them, numbered text everywhere else."""

    config = PollsConfig

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
        await lifecycle.on_delivered(ctx, delivery)
