"""Boards: /top, /top teams, /rank, and the weekly reset announcement, read from the totals kept per
period (plugins.leaderboards.ledger): their cost does not grow with the number of members."""

from __future__ import annotations

from datetime import datetime, timedelta

from core import CommandContext, Context, Job, NotFound, Role, UsageError, User
from plugins.leaderboards import store
from plugins.leaderboards.services import ledger, team_totals
from plugins.leaderboards.logic import (LEVELS, TEAM_WORDS, Reset, fold, is_champion, month_bounds, parse_period, parse_reset,
                                        places, previous_week, week_bounds, week_start)

JOB_KIND = "weekly_reset"
KEEP_WINDOWS = timedelta(days=40)  # kept totals of weeks and months that ended longer ago are dropped


async def display_names(ctx: Context, uids: list[str]) -> dict[str, str]:
    """uid -> display name from the member directory (the uid's id part when unknown): one lookup per
    name shown, never the whole member list."""
    known = await ctx.members.by_ids(uids)
    return {uid: known[uid].name if uid in known else uid.partition(":")[2] or uid for uid in uids}


def window_bounds(ctx: Context, period: str, now: datetime | None = None) -> tuple[datetime | None, datetime | None]:
    """[start, end) of the current week / month in the community's time zone; (None, None) for all time."""
    now = now or ctx.now()
    if period == "week":
        return week_bounds(now, parse_reset(ctx.config.weekly_reset), ctx.tz)
    if period == "month":
        return month_bounds(now, ctx.tz)
    return None, None


async def board(ctx: Context, period: str) -> ledger.Window:
    """The kept totals of the current `period` ("week", "month", "all") of this community."""
    return await ledger.window(ctx.db, ctx.community.name, *window_bounds(ctx, period))


async def top(ctx: Context, what: str = "", period: str = "") -> None:
    """/top [week|month|all] and /top teams [week|month|all]: the first rows of the kept totals."""
    if fold(what) in TEAM_WORDS:
        await team_board(ctx, period)
        return
    if period:
        raise UsageError(ctx.t("top.usage"))
    chosen = parse_period(what)
    if chosen is None:
        raise UsageError(ctx.t("top.bad_period", word=what[:30]))
    start, end = window_bounds(ctx, chosen)
    shown = await ledger.first_rows(ctx.db, ctx.community.name, start, end, ctx.config.top)
    if not shown:
        await ctx.reply(ctx.t(f"top.empty.{chosen}"))
        return
    names = await display_names(ctx, [m for m, _ in shown])
    lines = [ctx.t(f"top.header.{chosen}", since=ctx.format_time(start) if start else "")]
    lines += [ctx.t("top.line", pos=pos, name=names[m], points=p) for pos, (m, p) in zip(places(shown), shown)]
    await ctx.reply("\n".join(lines))


async def team_board(ctx: Context, period: str) -> None:
    chosen = parse_period(period)
    if chosen is None:
        raise UsageError(ctx.t("top.bad_period", word=period[:30]))
    kept = await board(ctx, chosen)
    board_ = (await team_totals.board(ctx.db, kept.community, kept.id))[: ctx.config.top]
    if not board_:
        await ctx.reply(ctx.t("teams.empty"))
        return
    lines = [ctx.t(f"teams.header.{chosen}")]
    lines += [ctx.t("teams.line", pos=i, team=team, average=f"{avg:.1f}".rstrip("0").rstrip("."), count=count)
              for i, (team, avg, count) in enumerate(board_, start=1)]
    await ctx.reply("\n".join(lines))


async def badges(ctx: Context, member: str) -> list[str]:
    """The member's badges: one per module and confirmed level, and Champion when expert everywhere."""
    modules = ctx.config.module_labels()
    levels = {m: lvl for m, (lvl, ok) in (await store.levels_of(ctx.db, ctx.community.name, member)).items() if ok}
    out = [ctx.t("badge.level", module=modules[m], level=ctx.t(f"level.{LEVELS[lvl - 1]}"))
           for m, lvl in sorted(levels.items()) if m in modules]
    if is_champion(levels, modules):
        out.insert(0, ctx.t("badge.champion"))
    return out


async def show_rank(ctx: CommandContext, who: str = "") -> None:
    """/rank [@member]: points (all time and this week), position and badges."""
    asker = ctx.user
    target: User | None = asker
    if who:
        target = await ctx.members.find(who)
        if target is None:
            raise NotFound(ctx.t("member.unknown", who=who[:40]))
        if target.is_bot:
            raise UsageError(ctx.t("member.bot", who=target.name))
    assert target is not None
    person = ctx.identity.person_of(target)
    prof = await store.profile(ctx.db, ctx.community.name, person)
    own = person == ctx.identity.person_of(asker)
    if prof["hidden"] and not own and await ctx.role_of() < Role.MODERATOR:
        await ctx.reply(ctx.t("rank.private", name=target.name))
        return
    everything = await board(ctx, "all")
    points, week = await ledger.totals_of(ctx.db, [everything, await board(ctx, "week")], person)
    position, ranked = await ledger.standing(ctx.db, everything, person, points, hidden=prof["hidden"])
    lines = [ctx.t("rank.line", name=target.name, count=points, week=week)]
    lines.append(ctx.t("rank.position", pos=position, count=ranked) if position else ctx.t("rank.unranked"))
    found = await badges(ctx, person)
    if found:
        lines.append(ctx.t("rank.badges", badges=", ".join(found)))
    if prof["hidden"]:
        lines.append(ctx.t("rank.hidden_note"))
    text = "\n".join(lines)
    if prof["hidden"] and ctx.chat is not None and not ctx.chat.is_direct:
        await ctx.dm(asker, text)  # a hidden rank is not shown in the group
        await ctx.reply(ctx.t("rank.sent_privately"))
        return
    await ctx.reply(text)


# ----------------------------------------------------------------------------------- weekly reset


async def schedule_weekly(ctx: Context) -> None:
    """Make sure the community's weekly reset job exists with the configured rule (idempotent, by key)."""
    reset = parse_reset(ctx.config.weekly_reset)
    key = f"weekly:{ctx.community.name}"
    current = await ctx.jobs.pending(key)
    up_to_date = current is not None and current.rrule == reset.rrule and current.tz == ctx.tz.key
    if not up_to_date:
        await ctx.jobs.schedule(JOB_KIND, key=key, rrule=reset.rrule, replace=current is not None)


async def weekly_job(ctx: Context, job: Job) -> None:
    """At the reset: announce the finished week's top members and the most improved one."""
    cfg = ctx.config
    reset = parse_reset(cfg.weekly_reset)
    end = week_start(job.run_at, reset, ctx.tz)
    start, _ = previous_week(end, reset, ctx.tz)
    before, _ = previous_week(start, reset, ctx.tz)
    current = await ledger.window(ctx.db, ctx.community.name, start, end)
    previous = await ledger.window(ctx.db, ctx.community.name, before, start)
    shown = await ledger.top(ctx.db, current, cfg.announce_top)
    await _tidy(ctx, job.run_at, reset)
    if not shown:
        return  # a quiet week: no announcement
    improved = await ledger.most_improved(ctx.db, current, previous)
    names = await display_names(ctx, [m for m, _ in shown] + ([improved[0]] if improved else []))
    lines = [ctx.t("weekly.header", since=ctx.format_time(start, with_date=True))]
    lines += [ctx.t("top.line", pos=pos, name=names[m], points=p) for pos, (m, p) in zip(places(shown), shown)]
    if improved:
        lines.append(ctx.t("weekly.improved", name=names[improved[0]], count=improved[1]))
    lines.append(ctx.t("weekly.footer", top=ctx.command_word("top")))
    text = "\n".join(lines)
    for chat in ctx.chats.groups():
        await ctx.send(chat, text)


async def _tidy(ctx: Context, moment: datetime, reset: Reset) -> None:
    """At the reset: drop kept totals of periods long over, and open the new week while it is empty
    (counting it later would read all of its ledger rows)."""
    await ledger.prune(ctx.db, ctx.community.name, moment - KEEP_WINDOWS)
    await ledger.window(ctx.db, ctx.community.name, *week_bounds(moment, reset, ctx.tz))
