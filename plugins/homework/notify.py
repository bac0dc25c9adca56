"""Sending homework messages: the assignment post, reminders (DM or one grouped group post), texts.

Reminders go by direct message where the member's platform has them; members who cannot be reached
that way share one anonymous group post in the assignment's chat (it never names anyone).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime

from core import ChatRef, Context, DeliveryError, Priority, Role, User
from core.i18n import format_datetime, format_duration
from plugins.homework.logic import Assignment




def when_text(ctx: Context, when: datetime, locale: str) -> str:
    """`when` in the community's time zone, in `locale`."""
    return format_datetime(when, ctx.tz, locale)


def chat_of(assignment: Assignment) -> ChatRef:
    return ChatRef(platform=assignment.chat_platform, id=assignment.chat_id, kind="group",
                   thread_id=assignment.chat_thread)


async def audience(ctx: Context) -> list[User]:
    """Members expected to do homework: the community's members except trainers/moderators (by config)."""
    return [u for u in await ctx.members() if ctx.community.role_of(u) < Role.MODERATOR]


def post_text(ctx: Context, a: Assignment) -> str:
    """The group post announcing an assignment (community language)."""
    lines = [ctx.t_for(ctx.community.locale, "post.header", id=a.id, title=a.title),
             ctx.t_for(ctx.community.locale, "post.due", due=when_text(ctx, a.due_at, ctx.community.locale))]
    if a.instructions:
        lines.append(a.instructions)
    lines.append(ctx.t_for(ctx.community.locale, "post.how", id=a.id, prefix=ctx.prefix))
    return "\n".join(lines)


def reminder_text(ctx: Context, a: Assignment, locale: str, now: datetime) -> str:
    left = format_duration(max(60.0, (a.due_at - now).total_seconds()), locale)
    return ctx.t_for(locale, "remind.dm", id=a.id, title=a.title, due=when_text(ctx, a.due_at, locale), left=left,
                     prefix=ctx.prefix)


async def _dm_ok(ctx: Context, user: User, text: str) -> bool:
    try:
        await ctx.dm(user, text, priority=Priority.REMINDER, wait=True)
    except DeliveryError:
        return False
    return True


async def remind(ctx: Context, a: Assignment, users: Iterable[User], now: datetime) -> list[str]:
    """Remind `users` about `a`: by DM where possible, else one anonymous group post. Returns the uids
    reminded (recorded by the caller's job, in its transaction).

    Delivery runs in the background (`ctx.spawn`): waiting for the platform inside the job's
    transaction would hold the database for every other handler.
    """
    chosen = list(users)
    ctx.spawn(_deliver(ctx, a, chosen, now), name=f"remind-{a.id}")
    return [u.uid for u in chosen]


async def _deliver(ctx: Context, a: Assignment, users: list[User], now: datetime) -> None:
    direct: list[User] = []
    fallback: list[User] = []
    for user in users:
        (direct if ctx.capabilities(user.platform).direct_messages else fallback).append(user)
    if direct:
        delivered = await asyncio.gather(*(_dm_ok(ctx, u, reminder_text(ctx, a, ctx.locale_of(u), now)) for u in direct))
        fallback += [user for user, ok in zip(direct, delivered) if not ok]
    if fallback:
        locale = ctx.community.locale
        text = ctx.t_for(locale, "remind.group", id=a.id, title=a.title, due=when_text(ctx, a.due_at, locale),
                         prefix=ctx.prefix)
        await ctx.send(chat_of(a), text, priority=Priority.REMINDER)
