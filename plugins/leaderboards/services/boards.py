"""Boards: /top, /top teams, /rank, and the weekly reset announcement. Every board is a ledger query."""

from __future__ import annotations

from datetime import datetime

from core import CommandContext, Context, Job, NotFound, Role, UsageError, User
from plugins.leaderboards import store
from plugins.leaderboards.logic import (LEVELS, TEAM_WORDS, fold, is_champion, month_start, most_improved, parse_period,
                                        parse_reset, position_of, previous_week, rank, team_averages, week_start)

JOB_KIND = "weekly_reset"


async def display_names(ctx: Context, uids: list[str]) -> dict[str, str]:
    """uid -> display name from the member directory (the uid's id part when unknown)."""
    known = {u.uid: u.name for u in await ctx.members.active()}
    out = {}
    for uid in uids:
        if uid not in known:
            user = await ctx.members.find(uid)
            known[uid] = user.name if user is not None else uid.partition(":")[2] or uid
        out[uid] = known[uid]
    return out


def window_start(ctx: Context, period: str, now: datetime | None = None) -> datetime | None:
    """Start of the current week / month in the community's time zone; None for all time."""
    now = now or ctx.now()
    if period == "week":
        return week_start(now, parse_reset(ctx.config.weekly_reset), ctx.tz)
    if period == "month":
        return month_start(now, ctx.tz)
    return None


async def public_totals(ctx: Context, start: datetime | None, end: datetime | None = None,
                        *, also: str | None = None) -> dict[str, int]:
    """Totals of members who did not hide from the boards (plus `also`, who sees their own rank)."""
    totals = await store.totals(ctx.db, ctx.community.name, start, end)
    hidden = await store.hidden_members(ctx.db, ctx.community.name) - {also}
    return {m: p for m, p in totals.items() if m not in hidden}


async def top(ctx: Context, what: str = "", period: str = "") -> None:
    """/top [week|month|all] and /top teams [week|month|all]."""
    if fold(what) in TEAM_WORDS:
        await team_board(ctx, period)
        return
    if period:
        raise UsageError(ctx.t("top.usage"))
    chosen = parse_period(what)
    if chosen is None:
        raise UsageError(ctx.t("top.bad_period", word=what[:30]))
    start = window_start(ctx, chosen)
    ranking = rank(await public_totals(ctx, start))
    shown = ranking[: ctx.config.top]
    if not shown:
        await ctx.reply(ctx.t(f"top.empty.{chosen}"))
        return
    names = await display_names(ctx, [m for m, _ in shown])
    lines = [ctx.t(f"top.header.{chosen}", since=ctx.format_time(start) if start else "")]
    lines += [ctx.t("top.line", pos=position_of(m, ranking), name=names[m], points=p) for m, p in shown]
    await ctx.reply("\n".join(lines))


async def team_board(ctx: Context, period: str) -> None:
    chosen = parse_period(period)
    if chosen is None:
        raise UsageError(ctx.t("top.bad_period", word=period[:30]))
    teams = await store.teams(ctx.db, ctx.community.name)
    if not teams:
        await ctx.reply(ctx.t("teams.empty"))
        return
    totals = await store.totals(ctx.db, ctx.community.name, window_start(ctx, chosen))
    board = team_averages(teams, totals)[: ctx.config.top]
    lines = [ctx.t(f"teams.header.{chosen}")]
    lines += [ctx.t("teams.line", pos=i, team=team, average=f"{avg:.1f}".rstrip("0").rstrip("."), count=count)
              for i, (team, avg, count) in enumerate(board, start=1)]
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
    ranking = rank(await public_totals(ctx, None, also=person))
    everything = await store.totals(ctx.db, ctx.community.name)
    week = await store.totals(ctx.db, ctx.community.name, window_start(ctx, "week"))
    position = position_of(person, ranking)
    lines = [ctx.t("rank.line", name=target.name, count=everything.get(person, 0), week=week.get(person, 0))]
    lines.append(ctx.t("rank.position", pos=position, count=len(ranking)) if position else ctx.t("rank.unranked"))
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
    current = [j for j in await ctx.jobs.list(JOB_KIND, key_prefix=key) if j.key == key]
    up_to_date = bool(current) and current[0].rrule == reset.rrule and current[0].tz == ctx.tz.key
    if not up_to_date:
        await ctx.jobs.schedule(JOB_KIND, key=key, rrule=reset.rrule, replace=bool(current))


async def weekly_job(ctx: Context, job: Job) -> None:
    """At the reset: announce the finished week's top members and the most improved one."""
    cfg = ctx.config
    reset = parse_reset(cfg.weekly_reset)
    end = week_start(job.run_at, reset, ctx.tz)
    start, _ = previous_week(end, reset, ctx.tz)
    before, _ = previous_week(start, reset, ctx.tz)
    current = await public_totals(ctx, start, end)
    previous = await public_totals(ctx, before, start)
    ranking = rank(current)
    shown = ranking[: cfg.announce_top]
    if not shown:
        return  # a quiet week: no announcement
    improved = most_improved(current, previous)
    names = await display_names(ctx, [m for m, _ in shown] + ([improved[0]] if improved else []))
    lines = [ctx.t("weekly.header", since=ctx.format_time(start, with_date=True))]
    lines += [ctx.t("top.line", pos=position_of(m, ranking), name=names[m], points=p) for m, p in shown]
    if improved:
        lines.append(ctx.t("weekly.improved", name=names[improved[0]], count=improved[1]))
    lines.append(ctx.t("weekly.footer", top=ctx.command_word("top")))
    text = "\n".join(lines)
    for chat in ctx.chats.groups():
        await ctx.send(chat, text)
