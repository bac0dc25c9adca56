"""Homework commands: /homework (list, add, status, cancel, stop), /done, /review, /quiet, /snooze."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core import Command, CommandContext, Context, NotFound, PermissionDenied, Role, Text, UsageError, command
from core.timeparse import TimeInPast, parse_clock_range, parse_duration, parse_moment, parse_recurrence
from plugins.homework import jobs, store
from plugins.homework.logic import Assignment, parse_add, series_due_text
from plugins.homework.services.notify import POSTED, audience, post_text
from plugins.homework.services.submissions import Outcome, record

_SUBCOMMANDS = {
    "add": "add", "ajouter": "add", "new": "add", "nouveau": "add",
    "status": "status", "etat": "status", "état": "status", "suivi": "status",
    "cancel": "cancel", "annuler": "cancel",
    "stop": "stop", "arreter": "stop", "arrêter": "stop",
    "list": "list", "liste": "list",
}
_OFF_WORDS = {"off", "non", "no", "aucun", "aucune", "none", "stop"}


# --- helpers ---------------------------------------------------------------------------------------------


async def _require_trainer(ctx: Context) -> None:
    if await ctx.role_of() < Role.MODERATOR:
        raise PermissionDenied(ctx.t("error.trainer_only"))


async def find_assignment(ctx: Context, assignment_id: int) -> tuple[Assignment, Context]:
    """The assignment `assignment_id` of this community, with a context bound to its community.

    In a direct chat, an assignment of any community the member belongs to is found.

    Raises:
        NotFound: no such assignment here (or it was cancelled, or the member is not in its community).
    """
    a = await store.get_assignment(ctx.db, assignment_id)
    missing = NotFound(ctx.t("error.unknown_id", id=assignment_id, prefix=ctx.bot.prefix))
    if a is None or a.status == "cancelled":
        raise missing
    if a.community == ctx.community.name:
        return a, ctx
    chat, user = ctx.chat, ctx.user
    if chat is None or not chat.is_direct or user is None:
        raise missing
    cctx = ctx.for_community(a.community, keep_event=True)
    if not await cctx.members.is_member(user.uid):
        raise missing
    return a, cctx


async def _my_communities(ctx: Context) -> list[Context]:
    """In a group: this community. In a direct chat: every community the member belongs to."""
    chat, user = ctx.chat, ctx.user
    if chat is None or not chat.is_direct or user is None:
        return [ctx]
    out = []
    for cctx in ctx.communities(keep_event=True):
        if await cctx.members.is_member(user.uid):
            out.append(cctx)
    return out or [ctx]


def _attachment(ctx: Context) -> str | None:
    message = ctx.message
    return message.attachments[0].kind if message is not None and message.attachments else None


def outcome_text(ctx: Context, a: Assignment, outcome: Outcome, where: Context | None = None) -> str:
    """The answer to a hand-in, in `ctx`'s language; a due time in the local time of the assignment's
    community (`where`, when a private chat acts in another one)."""
    if not outcome.first:
        return ctx.t("done.updated", id=a.id)
    if outcome.on_time:
        return ctx.t("done.ok", id=a.id, title=a.title)
    return ctx.t("done.late", id=a.id, title=a.title, due=(where or ctx).format_time(a.due_at, locale=ctx.locale))


# --- /homework ---------------------------------------------------------------------------------------------


@command("homework", help="Open homework; trainers: add, status, cancel, stop.", aliases=("hw",),
         usage="[add <title> | due <when> | <instructions>] [status <id>] [cancel <id>] [stop S<series>]")
async def homework_command(ctx: CommandContext, sub: str = "", rest: Text = Text("")) -> None:
    word = sub.lower()
    if not word or _SUBCOMMANDS.get(word) == "list":
        await _list(ctx)
        return
    if word.lstrip("#").isdigit():
        await _show(ctx, int(word.lstrip("#")))
        return
    action = _SUBCOMMANDS.get(word)
    if action is None:
        raise UsageError(ctx.t("homework.usage", prefix=ctx.bot.prefix))
    await _require_trainer(ctx)
    if action == "add":
        await _add(ctx, rest or "")
        return
    number = (rest or "").strip().lstrip("#")
    if action == "stop" and number[:1] in ("s", "S"):  # series are labelled S1, S2 (assignments #1, #2)
        number = number[1:]
    if not number.isdigit():
        raise UsageError(ctx.t(f"{action}.usage", prefix=ctx.bot.prefix))
    if action == "status":
        await _status(ctx, int(number))
    elif action == "cancel":
        await _cancel(ctx, int(number))
    else:
        await _stop(ctx, int(number))


async def _list(ctx: Context) -> None:
    user = ctx.user
    lines: list[str] = []
    for cctx in await _my_communities(ctx):
        assignments = await store.open_assignments(cctx.db, cctx.community.name, ctx.now())
        submitted = (await store.submitted_among(ctx.db, [a.id for a in assignments], ctx.identity.person_of(user))
                     if user is not None else set())
        for a in assignments:
            done = a.id in submitted
            lines.append(ctx.t("list.line_done" if done else "list.line", id=a.id, title=a.title,
                               due=cctx.format_time(a.due_at)))
    if not lines:
        await ctx.reply(ctx.t("list.none"))
        return
    await ctx.reply("\n".join([ctx.t("list.header"), *lines, ctx.t("list.footer", prefix=ctx.bot.prefix)]))


async def _show(ctx: Context, assignment_id: int) -> None:
    a, cctx = await find_assignment(ctx, assignment_id)
    lines = [ctx.t("post.header", id=a.id, title=a.title), ctx.t("post.due", due=cctx.format_time(a.due_at))]
    if a.instructions:
        lines.append(a.instructions)
    user = ctx.user
    if user is not None and await store.get_submission(ctx.db, a.id, ctx.identity.person_of(user)) is not None:
        lines.append(ctx.t("show.submitted"))
    else:
        lines.append(ctx.t("post.how", id=a.id, prefix=ctx.bot.prefix))
    await ctx.reply("\n".join(lines))


async def _add(ctx: CommandContext, text: str) -> None:
    chat, user = ctx.chat, ctx.user
    if chat is None or chat.is_direct or user is None:
        raise UsageError(ctx.t("add.group_only"))
    try:
        request = parse_add(text)
    except UsageError:
        raise UsageError(ctx.t("add.usage", prefix=ctx.bot.prefix)) from None
    where = (chat.platform, chat.id, chat.thread_id)
    now = ctx.now()
    if request.every is not None:
        await _add_series(ctx, request.title, request.instructions, request.module, request.every, request.due, where)
        return
    assert request.due is not None
    try:
        due = parse_moment(request.due, now=now, tz=ctx.tz, language=ctx.locale)
    except TimeInPast:
        raise UsageError(ctx.t("add.past", when=request.due[:60])) from None
    except UsageError:
        raise UsageError(ctx.t("add.bad_due", when=request.due[:60])) from None
    aid = await store.add_assignment(ctx.db, community=ctx.community.name, title=request.title,
                                     instructions=request.instructions, module=request.module, due_at=due, chat=where,
                                     created_by=user.uid, now=now)
    a = await store.get_assignment(ctx.db, aid)
    assert a is not None
    await ctx.reply(post_text(ctx, a), notify=POSTED, data={"assignment": aid})
    await jobs.schedule_reminders(ctx, a)
    ctx.log.info("assignment %d added in community %s", aid, ctx.community.name)


async def _add_series(ctx: CommandContext, title: str, instructions: str, module: str | None, every: str, due: str | None,
                      where: tuple[str, str, str | None]) -> None:
    user = ctx.user
    try:
        recurrence = parse_recurrence(every, now=ctx.now(), tz=ctx.tz)
    except UsageError:
        recurrence = None
    if recurrence is None:
        raise UsageError(ctx.t("add.bad_every", when=every[:60]))
    if due:
        try:
            due_after = parse_duration(series_due_text(due), minimum=timedelta(minutes=30), maximum=timedelta(days=60))
        except UsageError:
            raise UsageError(ctx.t("add.bad_series_due", when=due[:60])) from None
    else:
        due_after = ctx.config.due_after
    sid = await store.add_series(ctx.db, community=ctx.community.name, title=title, instructions=instructions,
                                 module=module, rrule=recurrence.rrule, tz=recurrence.tz,
                                 due_after=int(due_after.total_seconds()), chat=where, created_by=user.uid, now=ctx.now())
    await ctx.jobs.schedule(jobs.OCCURRENCE, recurrence.first, key=f"series:{sid}", rrule=recurrence.rrule,
                            tz=recurrence.tz, payload={"series": sid})
    await ctx.reply(ctx.t("add.series", id=sid, title=title, first=ctx.format_time(recurrence.first),
                          after=ctx.format_duration(due_after.total_seconds()), prefix=ctx.bot.prefix))
    ctx.log.info("series %d added in community %s", sid, ctx.community.name)


STATUS_NAMES = 25  # names per line of /homework status: a short reply even in a community of thousands


def _few(ctx: Context, names: list[str]) -> str:
    """The first STATUS_NAMES names, then how many more (the counts stay exact)."""
    if not names:
        return "-"
    shown = ", ".join(names[:STATUS_NAMES])
    more = len(names) - STATUS_NAMES
    return shown if more <= 0 else f"{shown} {ctx.t('status.more', count=more)}"


async def _status(ctx: Context, assignment_id: int) -> None:
    a, cctx = await find_assignment(ctx, assignment_id)
    await _require_trainer(cctx)  # a trainer of the assignment's community, not of the private chat's
    chat, user = ctx.chat, ctx.user
    private = chat is not None and not chat.is_direct and user is not None and ctx.capabilities().direct_messages
    rows = await store.submissions(ctx.db, a.id)
    by_uid = {r["uid"]: r for r in rows}

    def name(row: Any) -> str:
        return f"@{row['handle']}" if row["handle"] else str(row["name"])

    on_time = [name(r) + (" ✓" if r["status"] == "reviewed" else "") for r in rows if r["on_time"]]
    late = [name(r) + (" ✓" if r["status"] == "reviewed" else "") for r in rows if not r["on_time"]]
    waiting = [u.mention for u in await audience(cctx) if ctx.identity.person_of(u) not in by_uid]
    lines = [ctx.t("status.header", id=a.id, title=a.title, due=cctx.format_time(a.due_at)),
             ctx.t("status.on_time", count=len(on_time), names=_few(ctx, on_time)),
             ctx.t("status.late", count=len(late), names=_few(ctx, late)),
             ctx.t("status.waiting", count=len(waiting), names=_few(ctx, waiting))]
    if private or (chat is not None and chat.is_direct):
        notes = [f"{name(r)}: {r['note']}" for r in rows if r["note"]]
        if notes:
            lines.append(ctx.t("status.notes"))
            lines.extend(notes)
    text = "\n".join(lines)
    if private and user is not None:
        await ctx.dm(user, text)
        await ctx.reply(ctx.t("status.sent_privately"))
    else:
        await ctx.reply(text)


async def _cancel(ctx: Context, assignment_id: int) -> None:
    a, cctx = await find_assignment(ctx, assignment_id)
    await _require_trainer(cctx)
    await store.set_status(ctx.db, a.id, "cancelled")
    await jobs.cancel_jobs(cctx, a.id)
    await ctx.reply(ctx.t("cancel.ok", id=a.id, title=a.title))


async def _stop(ctx: Context, series_id: int) -> None:
    series = await store.get_series(ctx.db, series_id)
    if series is None or series["community"] != ctx.community.name or not series["active"]:
        raise NotFound(ctx.t("stop.unknown", id=series_id))
    await store.stop_series(ctx.db, series_id)
    await ctx.jobs.cancel(f"series:{series_id}")
    await ctx.reply(ctx.t("stop.ok", id=series_id, title=series["title"]))


# --- members' commands ------------------------------------------------------------------------------------


@command("done", help="Hand in homework: /done <id> [note].")
async def done_command(ctx: CommandContext, assignment: int, note: Text = Text("")) -> None:
    user = ctx.user
    a, cctx = await find_assignment(ctx, assignment)
    outcome = await record(cctx, a, user, via="command", note=note or "", attachment=_attachment(ctx))
    await ctx.reply(outcome_text(ctx, a, outcome, cctx))


@command("review", help="Mark a member's homework as reviewed: /review <id> @member [comment].",
         role=Role.MODERATOR)
async def review_command(ctx: CommandContext, assignment: int, member: str, comment: Text = Text("")) -> None:
    a, cctx = await find_assignment(ctx, assignment)
    await _require_trainer(cctx)
    target = await cctx.members.find(member)
    if target is None:
        raise NotFound(ctx.t("review.unknown_member", member=member[:40]))
    if await store.get_submission(ctx.db, a.id, ctx.identity.person_of(target)) is None:
        raise NotFound(ctx.t("review.not_submitted", member=target.mention, id=a.id))
    reviewer = ctx.user
    await store.mark_reviewed(ctx.db, a.id, ctx.identity.person_of(target), reviewer.uid, ctx.now())
    locale = cctx.members.locale_of(target)
    text = ctx.t_for(locale, "review.dm", id=a.id, title=a.title, trainer=reviewer.name)
    if comment:
        text += "\n" + ctx.t_for(locale, "review.comment", comment=comment)
    if ctx.capabilities(target.platform).direct_messages:
        await ctx.dm(target, text)
        await ctx.reply(ctx.t("review.ok", member=target.mention, id=a.id))
    else:
        await ctx.reply(ctx.t("review.ok", member=target.mention, id=a.id) + "\n" + text)


@command("quiet", help="Quiet hours for reminders: /quiet 22:00-06:00, or /quiet off.")
async def quiet_command(ctx: CommandContext, hours: Text = Text("")) -> None:
    user = ctx.user
    text = (hours or "").strip()
    if not text:
        current = (await store.quiet_of(ctx.db, [user.uid])).get(user.uid)
        if current is None:
            await ctx.reply(ctx.t("quiet.none", prefix=ctx.bot.prefix))
        else:
            await ctx.reply(ctx.t("quiet.current", start=current[0].strftime("%H:%M"), end=current[1].strftime("%H:%M"),
                                  tz=ctx.tz.key, prefix=ctx.bot.prefix))
        return
    if text.lower() in _OFF_WORDS:
        await store.clear_quiet(ctx.db, user.uid)
        await ctx.reply(ctx.t("quiet.off"))
        return
    try:
        start, end = parse_clock_range(text)
    except UsageError:
        raise UsageError(ctx.t("quiet.bad", text=text[:40])) from None
    await store.set_quiet(ctx.db, user.uid, start, end)
    await ctx.reply(ctx.t("quiet.set", start=start.strftime("%H:%M"), end=end.strftime("%H:%M"), tz=ctx.tz.key))


@command("snooze", help="Remind me later about one assignment: /snooze <id> 2h.")
async def snooze_command(ctx: CommandContext, assignment: int, duration: Text = Text("")) -> None:
    user = ctx.user
    a, cctx = await find_assignment(ctx, assignment)
    now = ctx.now()
    if a.due_at <= now:
        raise UsageError(ctx.t("snooze.past_due", id=a.id))
    if await store.get_submission(ctx.db, a.id, ctx.identity.person_of(user)) is not None:
        await ctx.reply(ctx.t("snooze.submitted", id=a.id))
        return
    try:
        span = parse_duration(duration or "", minimum=timedelta(minutes=5), maximum=timedelta(days=14))
    except UsageError:
        raise UsageError(ctx.t("snooze.bad", text=(duration or "")[:40], prefix=ctx.bot.prefix, id=a.id)) from None
    until = now + span
    if until >= a.due_at:
        raise UsageError(ctx.t("snooze.after_due", id=a.id, due=cctx.format_time(a.due_at)))
    await store.set_snooze(ctx.db, a.id, user.uid, until)
    await jobs.schedule_snooze(cctx, a, user.uid, until)
    await ctx.reply(ctx.t("snooze.ok", id=a.id, until=cctx.format_time(until)))


ALL: tuple[Command, ...] = (homework_command, done_command, review_command, quiet_command, snooze_command)
