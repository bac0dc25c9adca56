"""Awarding points: the one path every source goes through (cooldown, daily cap, no double scoring).

Hot path: `on_message` runs for every group message. It stays in memory (cooldowns, today's totals
and thanks given are cached in `ctx.state`) and writes only when points are actually awarded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from core import AccountsLinked, Context, Event, HomeworkSubmitted, MessageEvent, QuizAnswered, ResourceVerified, User
from plugins.leaderboards import store
from plugins.leaderboards.logic import day_start, fold, thanks_pattern

# Sources scored from ordinary messages. Their reference is the message's own id, unique by construction,
# so they need no duplicate check before answering and can be written behind in batches.
WRITTEN_BEHIND = frozenset({"activity", "thanks"})

Outcome = Literal["ok", "off", "cooldown", "cap", "duplicate", "self", "bot", "giver_limit"]


@dataclass(frozen=True, slots=True)
class Award:
    """What happened to a request for points."""

    outcome: Outcome
    points: int = 0


def _mem(ctx: Context, name: str) -> dict[Any, Any]:
    return ctx.state.setdefault(name, {})


def forget_member(ctx: Context, uid: str) -> None:
    """Drop a member's cached counters (after an erase)."""
    for name in ("cooldown", "today", "given"):
        cache = _mem(ctx, name)
        for key in [k for k in cache if any(isinstance(p, str) and uid in p.split(">") for p in k)]:
            del cache[key]


async def _today_total(ctx: Context, member: str, source: str, today: datetime) -> int:
    cache = _mem(ctx, "today")
    key = (ctx.community.name, member, source)
    cached = cache.get(key)
    if cached is None or cached[0] != today:
        cached = (today, await store.sum_since(ctx.db, ctx.community.name, member, source, today))
        cache[key] = cached
    return cached[1]


async def _given_today(ctx: Context, giver: str, today: datetime) -> int:
    cache = _mem(ctx, "given")
    key = (ctx.community.name, giver)
    cached = cache.get(key)
    if cached is None or cached[0] != today:
        cached = (today, await store.given_since(ctx.db, ctx.community.name, giver, "thanks", today))
        cache[key] = cached
    return cached[1]


async def award(ctx: Context, member: str, source: str, points: int, *, reason: str, reference: str,
                cooldown_minutes: float = 0.0, daily_cap: int = 0, actor: str | None = None,
                cooldown_key: str | None = None, answered: bool = False) -> Award:
    """Give `member` up to `points` from `source`, within its cooldown and daily cap.

    Args:
        reference: the thing scored ("homework:12"); the same reference never scores twice for a member.
        cooldown_key: who the cooldown applies to (default the member; thanks use the giver/receiver pair).
        answered: the bot tells someone about these points (the /thanks command): they are written in
            the command's own transaction, with that answer, never behind it.
    """
    if points <= 0:
        return Award("off")
    member = ctx.identity.person_of(member)  # linked accounts score for one person
    now = ctx.now()
    community = ctx.community.name
    cooldowns = _mem(ctx, "cooldown")
    cd_key = (community, source, cooldown_key or member)
    if cooldown_minutes > 0:
        last = cooldowns.get(cd_key)
        if last is not None and now - last < timedelta(minutes=cooldown_minutes):
            return Award("cooldown")
    today = day_start(now, ctx.tz)
    if daily_cap > 0:
        so_far = await _today_total(ctx, member, source, today)
        if so_far >= daily_cap:
            return Award("cap")
        points = min(points, daily_cap - so_far)
    if source in WRITTEN_BEHIND and not answered:  # may score on any message: written in batches (store.flush)
        await store.add_points_later(ctx.db, community=community, member=member, points=points, source=source,
                                     reason=reason, reference=reference, actor=actor, when=now)
    elif not await store.add_points(ctx.db, community=community, member=member, points=points, source=source,
                                    reason=reason, reference=reference, actor=actor, when=now):
        return Award("duplicate")
    if cooldown_minutes > 0:
        cooldowns[cd_key] = now
    cached = _mem(ctx, "today").get((community, member, source))
    if cached is not None and cached[0] == today:
        _mem(ctx, "today")[(community, member, source)] = (today, cached[1] + points)
    if actor is not None and source == "thanks":
        given = _mem(ctx, "given").get((community, actor))
        if given is not None and given[0] == today:
            _mem(ctx, "given")[(community, actor)] = (today, given[1] + 1)
    ctx.log.debug("%s: +%d %s for %s", community, points, source, member)
    return Award("ok", points)


async def thank(ctx: Context, giver: User, receiver: User, reference: str, *, answered: bool = False) -> Award:
    """`giver` thanks `receiver`: points for the receiver, never for oneself or a bot, limited per giver
    (`answered`: the command says so, see `award`)."""
    if ctx.identity.person_of(receiver) == ctx.identity.person_of(giver):
        return Award("self")
    if receiver.is_bot:
        return Award("bot")
    rule = ctx.config.thanks
    if rule.points <= 0:
        return Award("off")
    if rule.per_giver_daily > 0 and await _given_today(ctx, giver.uid, day_start(ctx.now(), ctx.tz)) >= rule.per_giver_daily:
        return Award("giver_limit")
    return await award(ctx, receiver.uid, "thanks", rule.points, reason="thanks", reference=reference,
                       cooldown_minutes=rule.cooldown_minutes, daily_cap=rule.daily_cap, actor=giver.uid,
                       cooldown_key=f"{giver.uid}>{receiver.uid}", answered=answered)


def _thanks_regex(ctx: Context, words: tuple[str, ...]) -> re.Pattern[str]:
    cache = _mem(ctx, "patterns")
    pattern = cache.get(words)
    if pattern is None:
        pattern = cache[words] = thanks_pattern(words)
    return pattern


async def on_message(event: MessageEvent, ctx: Context) -> None:
    """Thank-you replies and (when enabled) message activity. Group messages only."""
    if event.chat.is_direct:
        return
    cfg = ctx.config
    replied = event.reply_to.author if event.reply_to is not None else None
    if replied is not None and cfg.thanks.points > 0 and _thanks_regex(ctx, cfg.thanks.words).search(fold(event.text)):
        await thank(ctx, event.author, replied, f"thanks:{event.chat.key}:{event.id}")
    activity = cfg.activity
    if activity.enabled and activity.points > 0 and len(event.text.strip()) >= activity.min_length:
        await award(ctx, event.author.uid, "activity", activity.points, reason="message",
                    reference=f"message:{event.chat.key}:{event.id}", cooldown_minutes=activity.cooldown_minutes,
                    daily_cap=activity.daily_cap)


async def on_event(event: Event, ctx: Context) -> None:
    """Points from other plugins' domain events (declared in core.domain_events; those plugins are never imported)."""
    if isinstance(event, AccountsLinked):  # a person linked accounts: their points, levels and profile become one
        await store.merge_accounts(ctx.db, ctx.community.name, event.person, event.accounts)
        await ctx.announce("levels", [f"{ctx.community.name}|{member}" for member in event.accounts])
        return
    if not isinstance(event, (HomeworkSubmitted, QuizAnswered, ResourceVerified)) or event.member.is_bot:
        return
    member = event.member
    cfg = ctx.config
    if isinstance(event, HomeworkSubmitted):
        rule = cfg.homework
        on_time, assignment, module = event.on_time, event.assignment_id, event.module
        reason = f"homework {assignment} {'on time' if on_time else 'late'}" + (f" ({module})" if module else "")
        await award(ctx, member.uid, "homework", rule.on_time if on_time else rule.late, reason=reason,
                    reference=f"homework:{assignment}", cooldown_minutes=rule.cooldown_minutes, daily_cap=rule.daily_cap)
    elif isinstance(event, QuizAnswered):
        if not event.correct:
            return
        rule = cfg.quiz
        poll = event.poll_id
        await award(ctx, member.uid, "quiz", rule.points, reason=f"quiz {poll} correct", reference=f"quiz:{poll}",
                    cooldown_minutes=rule.cooldown_minutes, daily_cap=rule.daily_cap)
    else:
        rule = cfg.resource
        item, verifier = event.item_id, event.verified_by
        if verifier.uid == member.uid:
            return  # a moderator verifying their own contribution earns nothing
        await award(ctx, member.uid, "resource", rule.points, reason=f"resource {item} verified",
                    reference=f"resource:{item}", cooldown_minutes=rule.cooldown_minutes, daily_cap=rule.daily_cap,
                    actor=verifier.uid)
