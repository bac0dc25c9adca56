"""Durable jobs: series occurrences, reminders (one job per assignment and offset), per-member
follow-ups (quiet hours, snoozes), the social-proof post and the weekly digest.

Keys make restarts neither lose nor duplicate work: a job's handler runs in the transaction that marks
it done, and every job it schedules has a key derived from what it is for.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from core import Context, Delivery, Job, JobKind, Priority
from core.recurrence import next_occurrence
from plugins.homework import store
from plugins.homework.logic import Assignment, digest_rule, plan_reminders, superseded
from plugins.homework.services.notify import (POSTED, REMINDER_DM, audience, audience_member, chat_of, post_text, remind,
                                              remind_group, when_text, with_accounts)

OCCURRENCE = "occurrence"
REMIND = "remind"
FOLLOWUP = "followup"
PROOF = "proof"
DIGEST = "digest"
GROUP_REMINDER = "group-reminder"


# --- scheduling helpers --------------------------------------------------------------------------------


async def schedule_reminders(ctx: Context, a: Assignment) -> int:
    """One job per configured offset whose moment is still ahead. Returns how many were scheduled."""
    offsets = ctx.config.offsets
    seconds = [int(o.total_seconds()) for o in offsets]
    count = 0
    for offset in offsets:
        moment = a.due_at - offset
        if moment <= ctx.now():
            continue
        await ctx.jobs.schedule(REMIND, moment, key=f"remind:{a.id}:{int(offset.total_seconds())}",
                                payload={"assignment": a.id, "offset": int(offset.total_seconds()), "offsets": seconds})
        count += 1
    return count


async def schedule_snooze(ctx: Context, a: Assignment, uid: str, until: datetime) -> None:
    await ctx.jobs.schedule(FOLLOWUP, until, key=f"snooze:{a.id}:{uid}", replace=True,
                            payload={"assignment": a.id, "uid": uid, "snooze": True})


async def schedule_proof(ctx: Context, a: Assignment) -> None:
    """Plan the social-proof post: now, or when the interval since the last one has passed."""
    interval = ctx.config.proof_interval
    if interval is None:
        return
    key = f"proof:{a.id}"
    if await ctx.jobs.pending(key) is not None:
        return  # one already planned: it will count this submission too
    run_at = ctx.now() if a.proof_at is None else max(ctx.now(), a.proof_at + interval)
    await ctx.jobs.schedule(PROOF, run_at, key=key, payload={"assignment": a.id}, replace=True)


async def cancel_jobs(ctx: Context, assignment_id: int) -> None:
    for prefix in (f"remind:{assignment_id}:", f"follow:{assignment_id}:", f"snooze:{assignment_id}:"):
        await ctx.jobs.cancel_prefix(prefix)
    await ctx.jobs.cancel(f"proof:{assignment_id}")


async def schedule_digests(ctx: Context) -> None:
    """At startup: one recurring digest job per community (kept when unchanged, moved when the rule changed)."""
    for cctx in ctx.communities():
        community = cctx.community
        name = community.name
        rule = digest_rule(cctx.config.digest)
        key = f"digest:{name}"
        existing = await cctx.jobs.pending(key)
        if rule is None:
            if existing is not None:
                await cctx.jobs.cancel(key)
            continue
        tz = community.timezone.key
        if existing is not None and existing.rrule == rule and existing.tz == tz:
            continue
        first = next_occurrence(rule, community.timezone, cctx.now())
        if first is None:
            continue
        await cctx.jobs.schedule(DIGEST, first, key=key, rrule=rule, tz=tz, replace=True, payload={})


# --- handlers ----------------------------------------------------------------------------------------


async def on_occurrence(ctx: Context, job: Job) -> None:
    """A series occurrence came: create its assignment, post it, plan its reminders."""
    series_id = int(job.payload["series"])
    series = await store.get_series(ctx.db, series_id)
    if series is None or not series["active"]:
        return
    occurrence = job.run_at
    due = occurrence + timedelta(seconds=series["due_after"])
    if due <= ctx.now() or await store.occurrence_exists(ctx.db, series_id, occurrence):
        return
    chat = (series["chat_platform"], series["chat_id"], series["chat_thread"])
    aid = await store.add_assignment(ctx.db, community=series["community"], title=series["title"],
                                     instructions=series["instructions"], module=series["module"], due_at=due, chat=chat,
                                     created_by=series["created_by"], now=ctx.now(), series_id=series_id,
                                     occurrence=occurrence)
    a = await store.get_assignment(ctx.db, aid)
    assert a is not None
    await ctx.send(chat_of(a), post_text(ctx, a), priority=Priority.ANNOUNCEMENT, notify=POSTED, data={"assignment": aid})
    await schedule_reminders(ctx, a)


async def on_delivered(ctx: Context, delivery: Delivery) -> None:
    """Record an assignment post's message id (replies to it are submissions); a reminder DM the
    platform refused for good is replaced by the anonymous group reminder."""
    a = await store.get_assignment(ctx.db, int(delivery.data.get("assignment", 0)))
    if a is None:
        return
    if delivery.tag == POSTED and delivery.sent is not None and delivery.sent.message_id:
        await store.set_message_id(ctx.db, a.id, delivery.sent.message_id)
        remember_post(ctx, f"{a.chat_platform}:{a.chat_id}", delivery.sent.message_id, a.id)
        await ctx.announce("post", [str(a.id)])  # other workers match replies to it too
    elif delivery.tag == REMINDER_DM and delivery.failed and a.status == "open":
        # Several refused DMs of one reminder round share one group post: the key makes it one job.
        await ctx.jobs.schedule(GROUP_REMINDER, ctx.now(), payload={"assignment": a.id},
                                key=f"group-reminder:{a.id}:{delivery.data.get('round', '')}")


async def on_group_reminder(ctx: Context, job: Job) -> None:
    a = await _open(ctx, int(job.payload["assignment"]))
    if a is not None:
        await remind_group(ctx, a)


def remember_post(ctx: Context, chat_key: str, message_id: str, assignment_id: int) -> None:
    """Keep (chat, message) -> assignment in memory so replies are matched without a query."""
    ctx.state.setdefault("posts", {})[(chat_key, message_id)] = assignment_id


async def _open(ctx: Context, assignment_id: int) -> Assignment | None:
    a = await store.get_assignment(ctx.db, assignment_id)
    if a is None or a.status != "open" or a.due_at <= ctx.now():
        return None  # cancelled, or its due time passed (e.g. during downtime): the reminder is dropped
    return a


async def on_remind(ctx: Context, job: Job) -> None:
    """Remind every member who has not submitted; members in quiet hours get a follow-up at their end."""
    a = await _open(ctx, int(job.payload["assignment"]))
    if a is None:
        return
    now = ctx.now()
    offset = timedelta(seconds=int(job.payload["offset"]))
    offsets = [timedelta(seconds=int(s)) for s in job.payload.get("offsets", ())]
    if superseded(offset, offsets, a.due_at, now):
        return  # after downtime a closer reminder is due as well: send only that one
    people = await audience(ctx)
    by_uid = {u.uid: u for u in people}
    submitted = with_accounts(ctx, await store.submitted_uids(ctx.db, a.id))
    quiet = await store.quiet_of(ctx.db, [u for u in by_uid if u not in submitted])
    snoozed, reminded = await store.nudges(ctx.db, a.id)
    plan = plan_reminders(now, a.due_at, by_uid, submitted, quiet, snoozed, reminded, ctx.tz)
    reached = await remind(ctx, a, [by_uid[uid] for uid in plan.now], now)
    await store.mark_reminded(ctx.db, a.id, reached, now)
    for uid, when in plan.later.items():
        await ctx.jobs.schedule(FOLLOWUP, when, key=f"follow:{a.id}:{job.payload['offset']}:{uid}",
                                payload={"assignment": a.id, "uid": uid, "offset": job.payload["offset"]})


async def on_followup(ctx: Context, job: Job) -> None:
    """One member's delayed reminder (after quiet hours or a snooze)."""
    a = await _open(ctx, int(job.payload["assignment"]))
    if a is None:
        return
    uid = str(job.payload["uid"])
    now = ctx.now()
    if uid in with_accounts(ctx, await store.submitted_uids(ctx.db, a.id)):
        return
    user = await audience_member(ctx, uid)
    if user is None:
        return  # left the community, or erased their data
    snoozed, reminded = await store.nudges(ctx.db, a.id)
    is_snooze = bool(job.payload.get("snooze"))
    if not is_snooze:
        until = snoozed.get(uid)
        if until is not None and until > now:
            return  # the snooze follow-up reminds them
    plan = plan_reminders(now, a.due_at, [uid], set(), await store.quiet_of(ctx.db, [uid]),
                          {}, {} if is_snooze else reminded, ctx.tz)
    if plan.now:
        reached = await remind(ctx, a, [user], now)
        await store.mark_reminded(ctx.db, a.id, reached, now)
    for when in plan.later.values():  # quiet hours again (a snooze ending at night)
        await ctx.jobs.schedule(FOLLOWUP, when, key=f"follow:{a.id}:q{int(when.timestamp())}:{uid}",
                                payload={**job.payload, "snooze": is_snooze})


async def on_proof(ctx: Context, job: Job) -> None:
    """The anonymous "N of M members have done it" post."""
    a = await store.get_assignment(ctx.db, int(job.payload["assignment"]))
    if a is None or a.status != "open":
        return
    uids = {u.uid for u in await audience(ctx)}
    if not uids:
        return
    done = len(uids & with_accounts(ctx, await store.submitted_uids(ctx.db, a.id)))
    if done == 0:
        return
    locale = ctx.community.locale
    await ctx.send(chat_of(a), ctx.t_for(locale, "proof", count=done, total=len(uids), id=a.id, title=a.title),
                   priority=Priority.ANNOUNCEMENT, silent=True)
    await store.set_proof_at(ctx.db, a.id, ctx.now())


async def on_digest(ctx: Context, job: Job) -> None:
    """The weekly text digest of open work, in every chat of the community where homework was posted."""
    now = ctx.now()
    work = await store.open_assignments(ctx.db, ctx.community.name, now)
    if not work:
        return
    uids = {u.uid for u in await audience(ctx)}
    locale = ctx.community.locale
    lines = [ctx.t_for(locale, "digest.header")]
    for a in work:
        done = len(uids & with_accounts(ctx, await store.submitted_uids(ctx.db, a.id)))
        lines.append(ctx.t_for(locale, "digest.line", id=a.id, title=a.title, due=when_text(ctx, a.due_at, locale),
                               count=done, total=len(uids)))
    lines.append(ctx.t_for(locale, "digest.footer", prefix=ctx.bot.prefix))
    chats = {c.key: c for c in ctx.chats.groups()}
    for a in work:
        chats.setdefault(f"{a.chat_platform}:{a.chat_id}", chat_of(a))
    for chat in chats.values():
        await ctx.send(chat, "\n".join(lines), priority=Priority.ANNOUNCEMENT, silent=True)


KINDS = {
    OCCURRENCE: JobKind(on_occurrence, grace=None),
    REMIND: JobKind(on_remind, grace=None),
    FOLLOWUP: JobKind(on_followup, grace=None),
    PROOF: JobKind(on_proof, grace=None),
    DIGEST: JobKind(on_digest, grace=timedelta(hours=2)),
    GROUP_REMINDER: JobKind(on_group_reminder, grace=timedelta(hours=1)),
}

