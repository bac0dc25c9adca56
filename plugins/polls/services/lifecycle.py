"""Creating, voting in, closing and reminding about polls (the plugin's I/O around logic and store)."""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import datetime, timedelta

from typing import TYPE_CHECKING

from core import ChatRef, Context, Delivery, Job, PollSpec, Priority, QuizAnswered, SendPoll, StopPoll, User
from plugins.polls import logic, store
from plugins.polls.services import render, secret
from plugins.polls.logic import Draft, Poll

if TYPE_CHECKING:
    from core import Capabilities

CLOSE_JOB = "close"
REMIND_JOB = "remind"
POSTED = "posted"


def fits_native(caps: Capabilities, draft: Draft | Poll) -> bool:
    """Whether a poll can be a platform poll: the platform has polls, the poll fits their limits,
    and it needs nothing they cannot do (anonymity with per-member counting, hidden results,
    final votes; quizzes only where the platform has quiz polls)."""
    if not caps.native_polls or draft.anonymous or draft.hidden or draft.final:
        return False
    if draft.correct is not None and not caps.quiz_polls:
        return False
    if len(draft.options) > caps.poll_max_options or len(draft.question) > caps.poll_question_max_len:
        return False
    return all(len(option) <= caps.poll_option_max_len for option in draft.options)


def _native_close(caps: Capabilities, close_at: datetime | None, now: datetime) -> datetime | None:
    if close_at is None:
        return None
    """The closing time to give the platform, when it accepts one that far ahead; otherwise the
    scheduler's close job stops the poll (StopPoll) at the right moment."""
    if not caps.poll_max_open_seconds:
        return close_at
    return close_at if close_at - now <= timedelta(seconds=caps.poll_max_open_seconds) else None


async def create_poll(ctx: Context, draft: Draft, *, chat: ChatRef, author: User, close_at: datetime | None) -> Poll:
    """Store, post (natively or as numbered text) and schedule a poll, in the command's transaction.

    The post leaves after the command commits; its message id and poll reference are recorded when
    the platform has confirmed it (`on_delivered`), so a rate-limited chat never makes the command slow.
    """
    now = ctx.now()
    poll_id = await store.insert_poll(
        ctx.db, community=ctx.community.name, platform=chat.platform, chat_id=chat.id, chat_kind=chat.kind,
        thread_id=chat.thread_id, author=author.uid, question=draft.question, options=draft.options,
        multiple=draft.multiple, anonymous=draft.anonymous, hidden=draft.hidden, final=draft.final,
        correct=draft.correct, explanation=draft.explanation, salt=secret.KEYED + secrets.token_hex(16), created_at=now,
        close_at=close_at)
    poll = await store.get_poll(ctx.db, poll_id)
    assert poll is not None
    await _post(ctx, poll, ctx.capabilities(chat.platform), now)
    if close_at is not None:
        await ctx.jobs.schedule(CLOSE_JOB, close_at, payload={"poll": poll.id}, key=f"close:{poll.id}")
        before = ctx.config.span("remind_before")
        if before is not None:
            when = logic.reminder_time(close_at, before, now=now, tz=ctx.tz, quiet=ctx.config.hours("quiet_hours"))
            if when is not None:
                await ctx.jobs.schedule(REMIND_JOB, when, payload={"poll": poll.id}, key=f"remind:{poll.id}")
    ctx.log.info("poll %d created (%d options)", poll.id, len(poll.options))
    return poll


async def _post(ctx: Context, poll: Poll, caps: Capabilities, now: datetime, *, native: bool | None = None) -> None:
    """Queue the poll's post: a platform poll where it fits, else numbered text."""
    if native is None:
        native = bool(ctx.config.native and fits_native(caps, poll))
    if native:
        spec = PollSpec(question=poll.question, options=poll.options, multiple=poll.multiple, anonymous=False,
                        correct_option=poll.correct, explanation=poll.explanation,
                        close_at=_native_close(caps, poll.close_at, now))
        await ctx.act(SendPoll(chat=poll.chat, poll=spec), notify=POSTED, data={"poll": poll.id, "native": True})
        return
    await ctx.send(poll.chat, render.poll_text(ctx, poll), notify=POSTED, data={"poll": poll.id, "native": False})


async def on_delivered(ctx: Context, delivery: Delivery) -> None:
    """Record where a poll was posted; a native poll the platform refused goes out as text instead."""
    if delivery.tag != POSTED:
        return
    poll = await store.get_poll(ctx.db, int(delivery.data["poll"]))
    if poll is None:
        return
    native = bool(delivery.data.get("native"))
    sent = delivery.sent
    if delivery.failed and delivery.late:  # it was posted (votes may be in): the poll stays
        ctx.log.warning("poll %d: the platform reported after posting it that it did not reach everyone", poll.id)
        return
    if delivery.failed:
        if native:
            ctx.log.warning("poll %d: the platform refused the native poll; sending it as text", poll.id)
            await _post(ctx, poll, ctx.capabilities(poll.platform), ctx.now(), native=False)
        else:
            ctx.log.warning("poll %d could not be posted; removed", poll.id)
            await ctx.jobs.cancel(f"close:{poll.id}")
            await ctx.jobs.cancel(f"remind:{poll.id}")
            await store.delete_poll(ctx.db, poll.id)
        return
    if native and sent is not None and sent.poll_ref:
        await store.set_posted(ctx.db, poll.id, native=True, message_id=sent.message_id, poll_ref=sent.poll_ref)
        await ctx.send(poll.chat, render.native_note(ctx, replace(poll, native=True, message_id=sent.message_id,
                                                                  poll_ref=sent.poll_ref)))
        return
    await store.set_posted(ctx.db, poll.id, native=False, message_id=sent.message_id if sent else None, poll_ref=None)


def is_closed(poll: Poll, now: datetime) -> bool:
    """Closed, or past its closing time (the close job may still be on its way after a restart)."""
    return poll.closed_at is not None or (poll.close_at is not None and poll.close_at <= now)


async def record_vote(ctx: Context, poll: Poll, user: User, choice: frozenset[int]) -> str:
    """Store a member's full choice. Returns "closed", "final", "recorded", "changed", "retracted"."""
    if is_closed(poll, ctx.now()):
        return "closed"
    key = poll.voter_key(user.uid, secret.voter_key(ctx))
    async with ctx.db.transaction():
        current = await store.choice_of(ctx.db, poll.id, key)
        if poll.final and current and choice != current:
            return "final"
        if choice != current:
            await store.set_choice(ctx.db, poll.id, key, choice, ctx.now())
        scored = bool(poll.is_quiz and not poll.anonymous and choice and await store.mark_scored(ctx.db, poll.id, user.uid))
    if scored:
        await ctx.emit(QuizAnswered(community=poll.community, member=user, poll_id=poll.id,
                                    correct=choice == frozenset({poll.correct})))
    if not choice:
        return "retracted"
    return "changed" if current and current != choice else "recorded"


async def close_poll(ctx: Context, poll: Poll) -> bool:
    """Close now: stop the native poll, post the final results in the poll's chat. False if already closed."""
    now = ctx.now()
    if not await store.mark_closed(ctx.db, poll.id, now):
        return False
    poll = replace(poll, closed_at=now)
    if poll.native and poll.message_id and ctx.capabilities(poll.platform).native_polls:
        await ctx.act(StopPoll(chat=poll.chat, message_id=poll.message_id))
    tally = await store.poll_tally(ctx.db, poll)
    await ctx.send(poll.chat, render.results_text(ctx, poll, tally), priority=Priority.ANNOUNCEMENT)
    await ctx.jobs.cancel(f"remind:{poll.id}")
    ctx.log.info("poll %d closed", poll.id)
    return True


async def close_job(ctx: Context, job: Job) -> None:
    """Scheduled close (grace None: a close missed during downtime still happens once, after restart)."""
    poll = await store.get_poll(ctx.db, int(job.payload["poll"]))
    if poll is not None and poll.closed_at is None:
        await close_poll(ctx, poll)


async def remind_job(ctx: Context, job: Job) -> None:
    """DM members who have not voted yet (skipped in quiet hours or once the poll is closed)."""
    poll = await store.get_poll(ctx.db, int(job.payload["poll"]))
    now = ctx.now()
    if poll is None or is_closed(poll, now) or poll.close_at is None:
        return
    quiet = ctx.config.hours("quiet_hours")
    if quiet is not None and logic.in_quiet_hours(now, ctx.tz, quiet):
        ctx.log.info("poll %d: reminder fell in quiet hours after a delay; dropped", poll.id)
        return
    voted = await store.voter_keys(ctx.db, poll.id)
    sent = 0
    for member in await ctx.members.active():
        if poll.voter_key(member.uid, secret.voter_key(ctx)) in voted or not ctx.capabilities(member.platform).direct_messages:
            continue
        locale = ctx.members.locale_of(member)
        text = ctx.t_for(locale, "remind.text", id=poll.id, question=poll.question,
                         when=poll.close_at, vote=render.vote_command(ctx, poll, locale))
        await ctx.dm(member, text, priority=Priority.REMINDER)
        sent += 1
    ctx.log.info("poll %d: reminded %d member(s)", poll.id, sent)
