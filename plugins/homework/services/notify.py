"""Sending homework messages: the assignment post, reminders (DM or one grouped group post), texts.

Reminders go by direct message where the member's platform has them; members who cannot be reached
that way share one anonymous group post in the assignment's chat (it never names anyone).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from core import ChatRef, Context, Priority, Role, User
from core.i18n import format_datetime, format_duration
from plugins.homework.logic import Assignment

REMINDER_DM = "reminder-dm"
POSTED = "posted"


def when_text(ctx: Context, when: datetime, locale: str) -> str:
    """`when` in the community's time zone, in `locale`."""
    return format_datetime(when, ctx.tz, locale)


def chat_of(assignment: Assignment) -> ChatRef:
    return ChatRef(platform=assignment.chat_platform, id=assignment.chat_id, kind="group",
                   thread_id=assignment.chat_thread)


async def audience(ctx: Context) -> list[User]:
    """Members expected to do homework: the community's members except trainers/moderators (by config),
    one account per person (a person who linked accounts is expected once, and reminded once)."""
    people: dict[str, User] = {}
    for user in await ctx.members.active():
        if ctx.community.role_of(user) < Role.MODERATOR:
            person = ctx.identity.person_of(user)
            if person not in people or user.uid == person:
                people[person] = user
    return list(people.values())


async def audience_member(ctx: Context, uid: str, *, staff: bool = False) -> User | None:
    """`uid` as `audience` would list them (an active member, not a trainer, and the account their
    person is reminded on), or None: the same answer as searching `audience(ctx)`, without reading it.
    `staff`: trainers and moderators too (the dashboard's table, which lists every member once)."""
    accounts = ctx.identity.accounts_of(uid)
    known = await ctx.members.by_ids(accounts)
    expected = [known[a] for a in accounts if a in known and not known[a].is_bot and await ctx.members.is_member(a)
                and (staff or ctx.community.role_of(known[a]) < Role.MODERATOR)]
    if not expected:
        return None
    person = ctx.identity.person_of(uid)
    # audience keeps the person's own account, else the first of the others in the member list (by name)
    chosen = next((u for u in expected if u.uid == person), None) or min(expected, key=lambda u: u.name)
    return chosen if chosen.uid == uid else None


def with_accounts(ctx: Context, uids: set[str]) -> set[str]:
    """`uids` (submissions are stored under the person id) and every account linked to them."""
    return {account for uid in uids for account in ctx.identity.accounts_of(uid)}


def post_text(ctx: Context, a: Assignment) -> str:
    """The group post announcing an assignment (community language)."""
    lines = [ctx.t_for(ctx.community.locale, "post.header", id=a.id, title=a.title),
             ctx.t_for(ctx.community.locale, "post.due", due=when_text(ctx, a.due_at, ctx.community.locale))]
    if a.instructions:
        lines.append(a.instructions)
    lines.append(ctx.t_for(ctx.community.locale, "post.how", id=a.id, prefix=ctx.bot.prefix))
    return "\n".join(lines)


def reminder_text(ctx: Context, a: Assignment, locale: str, now: datetime) -> str:
    left = format_duration(max(60.0, (a.due_at - now).total_seconds()), locale)
    return ctx.t_for(locale, "remind.dm", id=a.id, title=a.title, due=when_text(ctx, a.due_at, locale), left=left,
                     prefix=ctx.bot.prefix)


async def remind(ctx: Context, a: Assignment, users: Iterable[User], now: datetime) -> list[str]:
    """Remind `users` about `a`: by DM where possible, else one anonymous group post. Returns the uids
    reminded (recorded by the caller's job, in the same transaction as the reminders themselves).

    A DM that the platform refuses for good (the member blocked the bot) is followed by the group
    post instead (`on_delivered`).
    """
    chosen = list(users)
    direct = [u for u in chosen if ctx.capabilities(u.platform).direct_messages]
    for user in direct:
        await ctx.dm(user, reminder_text(ctx, a, ctx.members.locale_of(user), now), priority=Priority.REMINDER,
                     notify=REMINDER_DM, data={"assignment": a.id, "round": now.isoformat()})
    if len(direct) < len(chosen):
        await remind_group(ctx, a)
    return [u.uid for u in chosen]


async def remind_group(ctx: Context, a: Assignment) -> None:
    """The anonymous reminder in the assignment's chat, for members who cannot get a DM."""
    locale = ctx.community.locale
    text = ctx.t_for(locale, "remind.group", id=a.id, title=a.title, due=when_text(ctx, a.due_at, locale),
                     prefix=ctx.bot.prefix)
    await ctx.send(chat_of(a), text, priority=Priority.REMINDER)
