"""Cases and sanctions: open a numbered case, carry out the action, schedule its end, tell people.

Every action, manual or automatic, goes through `open_case`; `sanction` adds the platform action
(Restrict, Kick, Ban...), the timed lift job and the warn ladder.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from core import (Ban, Button, CaseOpened, ChatRef, Context, DeleteMessage, Delivery, Job, Kick, MessageEvent, Priority,
                 Restrict, Role, Unban, Unrestrict, User, excerpt, from_utc_text, to_utc_text)
from core.i18n import zone_label
from plugins.moderation import logic, store
from plugins.moderation.services import memory

LIFT_JOB = "lift"
ACTIONS_WITH_APPEAL = ("warn", "mute", "kick", "ban", "delete")


# --------------------------------------------------------------------------------------- chats and people


def member_chats(ctx: Context, member: User, extra: Iterable[str] = (), *, event_chat: bool = True) -> list[str]:
    """Chat keys where an action on `member` applies: the community's chats on their platform, the
    event's group chat (unless `event_chat` is False, e.g. a decision taken in the review chat) and `extra`."""
    keys = [c.key for c in ctx.chats.groups(member.platform)]
    chat = ctx.chat
    if event_chat and chat is not None and not chat.is_direct and chat.platform == member.platform:
        keys.append(chat.key)
    keys.extend(k for k in extra if k.startswith(member.platform + ":"))
    return list(dict.fromkeys(keys))


def chat_ref(key: str) -> ChatRef:
    platform, _, chat_id = key.partition(":")
    return ChatRef(platform=platform, id=chat_id, kind="group")


async def to_moderators(ctx: Context, text: str, buttons: tuple[tuple[Button, ...], ...] = ()) -> None:
    """Post to the review chat, or (none configured) DM every configured moderator."""
    review = ctx.chats.configured(ctx.community.review_chat)
    if review is not None:
        await ctx.send(review, text, buttons=buttons if ctx.capabilities(review.platform).buttons else ())
        return
    for uid, role in sorted(ctx.community.roles.items()):
        platform, _, user_id = uid.partition(":")
        if role >= Role.MODERATOR and ctx.chats.platform_running(platform):
            caps = ctx.capabilities(platform)
            await ctx.dm(store.user_from(uid, user_id), text, buttons=buttons if caps.buttons else ())


async def to_log(ctx: Context, text: str) -> None:
    log_chat = ctx.chats.configured(ctx.community.log_chat)
    if log_chat is not None:
        await ctx.send(log_chat, text, silent=True)


REMOVE_AFTER_NOTICE = "remove-after-notice"
REMOVE_JOB = "remove"
REMOVE_NOTICE_WAIT = timedelta(minutes=2)
"""How long a kick or ban waits for its notice: a member whose DMs are slow (rate limits, an outage of
the DM lane) is still removed on time, not hours later when the notice finally goes."""


async def dm_quietly(ctx: Context, user: User, text: str, *, buttons=()) -> None:  # type: ignore[no-untyped-def]
    """DM a member; a platform that refuses (they never opened a chat with the bot) is only logged."""
    await ctx.dm(user, text, buttons=buttons)


def remove_key(data: dict) -> str:  # type: ignore[type-arg]
    return f"remove:{data['community']}:{data['member']['platform']}:{data['member']['id']}:{data['case']}"


async def on_delivered(ctx: Context, delivery: Delivery) -> None:
    """After a kick or ban notice was delivered (or could not be): remove the member, unless the
    fallback job already did because the notice took longer than REMOVE_NOTICE_WAIT."""
    if delivery.tag != REMOVE_AFTER_NOTICE:
        return
    if "case" not in delivery.data or await ctx.jobs.cancel(remove_key(delivery.data)):  # (no job before 0.3)
        await remove(ctx, delivery.data)


async def run_remove(ctx: Context, job: Job) -> None:
    """Job: the notice was not delivered within REMOVE_NOTICE_WAIT; remove the member now."""
    await remove(ctx, dict(job.payload))


async def remove(ctx: Context, data: dict) -> None:  # type: ignore[type-arg]
    """Carry out a stored kick or ban in every chat it names."""
    member = User(**data["member"])
    until = from_utc_text(data["until"]) if data.get("until") else None
    for key in data["chats"]:
        chat = chat_ref(key)
        await ctx.act(Ban(chat=chat, user=member, reason=data["reason"], until=until) if data["action"] == "ban"
                      else Kick(chat=chat, user=member, reason=data["reason"]))


# --------------------------------------------------------------------------------------- cases


HANDLES_REPORTS = frozenset({"warn", "mute", "kick", "ban", "delete"})
"""Case actions that settle the open reports about the same message (handled in chat, not on the page)."""


def until_text(ctx: Context, when: datetime, *, locale: str | None = None) -> str:
    """An end time as members read it: local time with the zone's name ("Thu 26 Nov 14:00 EAT"), so a member
    abroad or on another platform's clock knows which 14:00 is meant."""
    locale = locale or ctx.locale
    return f"{ctx.format_time(when, locale=locale)} {zone_label(when, ctx.tz, locale)}"


def describe(ctx: Context, case: store.Case) -> str:
    """One case as text (reader's language, community time zone)."""
    text = ctx.t("case.line", number=case.number, action=ctx.t(f"action.{case.action}"), member=case.member_name,
                 actor=case.actor_name, when=ctx.format_time(case.created_at),
                 reason=case.reason or ctx.t("case.no_reason"))
    if case.expires_at is not None:
        text += " " + ctx.t("case.until", when=until_text(ctx, case.expires_at))
    if case.evidence_excerpt:
        text += " " + ctx.t("case.evidence", excerpt=case.evidence_excerpt)
    if case.status != "open":
        text += " " + ctx.t(f"case.status.{case.status}")
    return text


async def open_case(ctx: Context, *, action: str, member: User, actor: User | None, rule: str = "", reason: str = "",
                    points: int = 0, evidence: MessageEvent | None = None, evidence_chat: str | None = None,
                    evidence_id: str | None = None, evidence_text: str = "", keep_excerpt: bool = True,
                    expires_at: datetime | None = None, caused_by: int | None = None,
                    ladder_points: int | None = None) -> store.Case:
    """Store a numbered case, post it to the log chat and announce CaseOpened.

    The evidence is a message id and a short excerpt only (none at all for privacy flags).
    """
    if evidence is not None:
        evidence_chat, evidence_id, evidence_text = evidence.chat.key, evidence.id, evidence.text
    elif evidence_chat is None and ctx.chat is not None and not ctx.chat.is_direct:
        evidence_chat = ctx.chat.key
    evidence_excerpt = excerpt(evidence_text) if keep_excerpt else ""
    actor_name = actor.mention if actor is not None else ctx.t("actor.rule", rule=rule or action)
    case = await store.insert_case(ctx.db, community=ctx.community.name, action=action, member=member, actor=actor,
                                   actor_name=actor_name, reason=reason, points=points, chat=evidence_chat,
                                   evidence_id=evidence_id, evidence_excerpt=evidence_excerpt, created_at=ctx.now(),
                                   expires_at=expires_at, caused_by=caused_by, ladder_points=ladder_points)
    await to_log(ctx, describe(ctx, case))
    if action in HANDLES_REPORTS and evidence_chat and evidence_id:
        for number in await store.close_reports_about(ctx.db, ctx.community.name, evidence_chat, evidence_id):
            await to_log(ctx, ctx.t("report.actioned_log", number=number, by=actor_name, case=case.number))
    await ctx.emit(CaseOpened(community=ctx.community.name, case_number=case.number, action=action, member=member))
    return case


# --------------------------------------------------------------------------------------- sanctions


async def sanction(ctx: Context, *, action: str, member: User, actor: User | None, reason: str, rule: str = "",
                   duration: timedelta | None = None, evidence: MessageEvent | None = None,
                   chats: Iterable[str] = (), cause: tuple[int, int] | None = None) -> store.Case:
    """Open a case for warn/mute/kick/ban and carry it out; a warning may climb the ladder.

    `cause` is (warning case id, ladder threshold) for a ladder step, so an accepted appeal can undo it.
    """
    expires = ctx.now() + duration if duration is not None else None
    keys = member_chats(ctx, member, chats)
    case = await open_case(ctx, action=action, member=member, actor=actor, rule=rule, reason=reason,
                           points=1 if action == "warn" else 0, evidence=evidence, expires_at=expires,
                           caused_by=cause[0] if cause else None, ladder_points=cause[1] if cause else None)
    lang = ctx.members.locale_of(member)  # notices are for the member, in their language (not the moderator's)

    def t(key: str, **params: object) -> str:
        return ctx.t_for(lang, key, **params)

    appeal = t("appeal.how", command=ctx.command_word("appeal", case.number, locale=lang))
    when = until_text(ctx, expires, locale=lang) if expires is not None else ""
    reason_text = reason or t("case.no_reason")
    mod = memory.state(ctx)
    if action == "warn":
        await dm_quietly(ctx, member, t("notice.warn", community=ctx.community.name, reason=reason_text) + " " + appeal)
    elif action == "mute":
        mod.muted[(ctx.community.name, member.uid)] = expires
        await memory.told(ctx, member.uid)
        for key in keys:
            await ctx.act(Restrict(chat=chat_ref(key), user=member, reason=reason, until=expires))
        notice = t("notice.mute_until", when=when) if expires else t("notice.mute")
        await dm_quietly(ctx, member, notice + " " + t("notice.reason", reason=reason_text) + " " + appeal)
    elif action in ("kick", "ban"):
        if action == "ban":
            notice = t("notice.ban_until", when=when) if expires else t("notice.ban")
        else:
            notice = t("notice.kick")
        # The member is told before they are removed (afterwards a DM may no longer reach them): the
        # removal itself follows the notice's delivery (or its failure), in `on_delivered`, or at the
        # latest REMOVE_NOTICE_WAIT later (the job), whichever comes first.
        removal = {"action": action, "chats": list(keys), "reason": reason, "case": case.id,
                   "community": ctx.community.name, "until": to_utc_text(expires) if expires else None,
                   "member": {"platform": member.platform, "id": member.id, "name": member.name,
                              "handle": member.handle}}
        await ctx.jobs.schedule(REMOVE_JOB, ctx.now() + REMOVE_NOTICE_WAIT, key=remove_key(removal), payload=removal)
        await ctx.dm(member, notice + " " + t("notice.reason", reason=reason_text) + " " + appeal,
                     priority=Priority.MODERATION, notify=REMOVE_AFTER_NOTICE, data=removal)
    if expires is not None and action in ("mute", "ban"):
        await ctx.jobs.schedule(LIFT_JOB, expires, key=lift_key(ctx.community.name, member.uid, action), replace=True,
                                payload={"case": case.id, "chats": keys})
    if action == "warn":
        await climb_ladder(ctx, case, evidence, keys)
    return case


def lift_key(community: str, uid: str, action: str) -> str:
    return f"lift:{community}:{uid}:{action}"


async def climb_ladder(ctx: Context, warning: store.Case, evidence: MessageEvent | None, chats: list[str]) -> None:
    """Apply the ladder step crossed by the newest warning, if any (only unexpired warnings count)."""
    member = warning.member
    config = ctx.config
    since = ctx.now() - timedelta(days=config.warn_expiry_days)
    after = await store.active_points(ctx.db, ctx.community.name, member.uid, since)
    step = logic.ladder_step(logic.parse_ladder(config.ladder), after - 1, after)
    if step is None:
        return
    duration = logic.clamp_mute(step.duration, ctx.capabilities(member.platform)) if step.action == "mute" else step.duration
    await sanction(ctx, action=step.action, member=member, actor=None, rule=ctx.t("rule.ladder", count=step.points),
                   reason=ctx.t("reason.ladder", count=after), duration=duration, evidence=None, chats=chats,
                   cause=(warning.id, step.points))


async def undo_ladder(ctx: Context, warning: store.Case, chats: Iterable[str]) -> list[store.Case]:
    """A warning was lifted on appeal: lift the running ladder mutes and bans opened since it, whose
    threshold the member's remaining active warnings no longer reach. Returns the cases lifted."""
    since = ctx.now() - timedelta(days=ctx.config.warn_expiry_days)
    standing = await store.active_points(ctx.db, ctx.community.name, warning.member_uid, since)
    lifted = []
    for sanction_case in await store.ladder_sanctions_after(ctx.db, ctx.community.name, warning.member_uid,
                                                            warning.created_at):
        if standing < (sanction_case.ladder_points or 0):
            await lift(ctx, sanction_case, chats, "appealed")
            lifted.append(sanction_case)
    return lifted


async def lift(ctx: Context, case: store.Case, chats: Iterable[str], status: str) -> None:
    """End a mute or ban now (time is up, or an appeal was accepted). A second mute that still runs keeps
    the member muted (its own job ends it)."""
    member = case.member
    await store.set_case_status(ctx.db, case.id, status)
    other = await store.open_mute_of(ctx.db, ctx.community.name, member.uid, ctx.now()) if case.action == "mute" else None
    await memory.told(ctx, member.uid)
    if other is not None:
        memory.state(ctx).muted[(ctx.community.name, member.uid)] = other.expires_at
        return
    memory.state(ctx).muted.pop((ctx.community.name, member.uid), None)
    for key in chats:
        chat = chat_ref(key)
        if case.action == "mute":
            await ctx.act(Unrestrict(chat=chat, user=member))
        elif case.action == "ban":
            await ctx.act(Unban(chat=chat, user=member))
    await ctx.jobs.cancel(lift_key(ctx.community.name, member.uid, case.action))


async def run_lift(ctx: Context, job: Job) -> None:
    """Job: a timed mute or ban ends on time (survives restarts: the job is stored)."""
    case = await store.get_case_by_id(ctx.db, int(job.payload["case"]))
    if case is None or case.status != "open":
        return
    await lift(ctx, case, job.payload.get("chats", []), "expired")
    await to_log(ctx, ctx.t("case.ended", number=case.number, member=case.member_name))


async def delete(ctx: Context, event: MessageEvent) -> None:
    await ctx.act(DeleteMessage(chat=event.chat, message_id=event.id))
