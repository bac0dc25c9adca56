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

DM_WAIT = 3.0
"""Seconds a reminder job waits to learn which direct messages failed (the rest are still delivered)."""


def community_ctx(ctx: Context, name: str) -> Context:
    """A context of this plugin for community `name` (same event)."""
    if name == ctx.community.name:
        return ctx
    community = ctx.runtime.config.communities.get(name) or ctx.runtime.config.community_for(None)
    return type(ctx)(ctx.runtime, ctx.plugin, community, ctx.event)


def member_locale(ctx: Context, uid: str) -> str:
    """The language a member chose (/lang), else the community's."""
    return ctx.runtime.members.locales.get(uid) or ctx.community.locale


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
    reached by DM (and those covered by the group post)."""
    direct: list[User] = []
    fallback: list[User] = []
    for user in users:
        (direct if ctx.capabilities(user.platform).direct_messages else fallback).append(user)
    reached: list[str] = []
    if direct:
        tasks = {asyncio.create_task(_dm_ok(ctx, u, reminder_text(ctx, a, member_locale(ctx, u.uid), now)),
                                     name=f"homework-dm-{a.id}"): u for u in direct}
        done, pending = await asyncio.wait(tasks, timeout=DM_WAIT)
        for task in pending:  # still queued (rate limits): delivery goes on, the wait does not
            task.cancel()
            reached.append(tasks[task].uid)
        for task in done:
            if not task.cancelled() and task.exception() is None and task.result():
                reached.append(tasks[task].uid)
            else:
                fallback.append(tasks[task])
    if fallback:
        locale = ctx.community.locale
        text = ctx.t_for(locale, "remind.group", id=a.id, title=a.title, due=when_text(ctx, a.due_at, locale),
                         prefix=ctx.prefix)
        await ctx.send(chat_of(a), text, priority=Priority.REMINDER)
        reached.extend(u.uid for u in fallback)
    return reached
