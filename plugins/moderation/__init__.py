"""Moderation: verified joining, code of conduct, moderator actions with a case log, automatic rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import core
from core import (ButtonPressed, Context, Delivery, Event, JobKind, JoinRequest, MemberJoined, MessageEvent, Role, Verdict,
                  hookimpl)
from plugins.moderation import commands, store
from plugins.moderation.services import actions, announce, filtering, held, membership, memory
from plugins.moderation.store import held as held_store
from plugins.moderation.commands import review as review_commands
from plugins.moderation.config import ModerationConfig


class Plugin(core.Plugin):
    """Verified joining, code of conduct, moderator actions with a case log, and automatic rules."""

    config = ModerationConfig
    commands = (*commands.ALL, *review_commands.ALL)
    jobs = {
        actions.LIFT_JOB: JobKind(actions.run_lift, grace=None),
        actions.REMOVE_JOB: JobKind(actions.run_remove, grace=None),
        membership.REANNOUNCE_JOB: JobKind(membership.run_reannounce, grace=None),
        membership.EXPIRE_JOB: JobKind(membership.run_expire, grace=None),
        held.EXPIRE_JOB: JobKind(held.run_expire, grace=None),
        announce.ANNOUNCE_JOB: JobKind(announce.run_announce, grace=None),
    }
    migrations = store.MIGRATIONS

    @hookimpl
    def practica_dashboard_pages(self) -> Iterable[Any]:
        from plugins.moderation import dashboard  # Starlette only when the dashboard asks

        return dashboard.PAGES

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
                await review_commands.on_button(event, ctx)
        elif isinstance(event, JoinRequest):
            await membership.start(ctx, event.member, event.chat)
        elif isinstance(event, MemberJoined):
            await _member_joined(event, ctx)

    @hookimpl
    async def practica_on_delivered(self, delivery: Delivery, ctx: Context) -> None:
        await actions.on_delivered(ctx, delivery)

    @hookimpl
    async def practica_user_data(self, member: str, ctx: Context, erase: bool) -> Mapping[str, Any] | None:
        if not erase:
            found = await store.export_member(ctx.db, member)
            held_messages = await held_store.export_member(ctx.db, member)
            if held_messages:
                found["held_messages"] = held_messages
            return found or None
        summary = await store.erase_member(ctx.db, member)
        summary["held_messages"] = await held_store.erase_member(ctx.db, member)
        mod = memory.state(ctx)
        mod.accepted = {k: v for k, v in mod.accepted.items() if k[1] != member}
        mod.gated = {k for k in mod.gated if k[1] != member}
        mod.questionnaires.pop(member, None)
        return summary


async def _member_joined(event: MemberJoined, ctx: Context) -> None:
    """Without join requests (Discord), a new unverified member is gated by the questionnaire."""
    if event.via_join_request or ctx.capabilities(event.chat.platform).join_requests:
        return
    if ctx.community.role_of(event.member) >= Role.TRUSTED:
        return
    if await store.is_verified(ctx.db, ctx.community.name, event.member.uid):
        return
    await membership.start(ctx, event.member, event.chat)
