"""Moderation: verified joining, code of conduct, moderator actions with a case log, automatic rules."""

from __future__ import annotations

from collections.abc import Sequence

import core
from core import ButtonPressed, Context, Delivery, Event, JoinRequest, MemberJoined, MessageEvent, Verdict, hookimpl
from plugins.moderation import commands
from plugins.moderation.commands import review
from plugins.moderation.config import ModerationConfig
from plugins.moderation.services import actions, announce, filtering, membership, memory


class Plugin(core.Plugin):
    """Verified joining, code of conduct, moderator actions with a case log, and automatic rules."""

    config = ModerationConfig
    commands = (*commands.ALL, *review.ALL)

    @hookimpl
    async def practica_startup(self, ctx: Context) -> None:
        await memory.load(ctx)
        await announce.new_rules(ctx)

    @hookimpl
    async def practica_filter_message(self, event: MessageEvent, ctx: Context) -> Verdict | None:
        return await filtering.filter_message(event, ctx)

    @hookimpl
    async def practica_filter_event(self, event: Event, ctx: Context) -> Verdict | None:
        return await filtering.filter_event(event, ctx)

    @hookimpl
    async def practica_on_message(self, event: MessageEvent, ctx: Context) -> None:
        if event.chat.is_direct:
            await membership.on_direct_message(event, ctx)

    @hookimpl
    async def practica_on_event(self, event: Event, ctx: Context) -> None:
        if isinstance(event, ButtonPressed):
            if event.data.startswith("mod:"):
                await review.on_button(event, ctx)
        elif isinstance(event, JoinRequest):
            await membership.start(ctx, event.member, event.chat)
        elif isinstance(event, MemberJoined):
            await membership.on_member_joined(event, ctx)

    @hookimpl
    async def practica_on_delivered(self, delivery: Delivery, ctx: Context) -> None:
        await actions.on_delivered(ctx, delivery)

    @hookimpl
    async def practica_directory_changed(self, kind: str | None, keys: Sequence[str], ctx: Context) -> None:
        await memory.changed(ctx, kind, keys)
