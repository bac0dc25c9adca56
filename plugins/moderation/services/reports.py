"""Deciding on a member's report: dismiss it, warn the reported member, remove the message, or mute them.

A report (`/report`, case action `report`) stays open until a moderator of the community that owns it
decides. Each decision uses the same code as the chat commands (`actions.sanction` for /warn and
/mute, the rule filter's removal for a deleted message), so it opens its own numbered case naming the
moderator, tells the member in their language with the way to appeal, and posts to the log chat; the
report is then closed (`dismissed`, or `actioned` with the new case's number in the log).
"""

from __future__ import annotations

from datetime import timedelta

from core import ChatRef, Context, DeleteMessage, MessageEvent, NotFound, PermissionDenied, Role, UsageError, User
from plugins.moderation import logic, store
from plugins.moderation.services import actions

DECISIONS = ("dismiss", "warn", "remove", "mute")


async def decide(ctx: Context, case: store.Case | None, moderator: User, decision: str, *, reason: str = "",
                 duration: str = "") -> str:
    """Carry out `decision` on the report `case`; returns the answer for the moderator.

    Raises:
        NotFound: not a report of this community. PermissionDenied: the moderator is not one here, or
            the reported member's role protects them. UsageError: already decided, a bad mute
            duration, or a platform that cannot remove messages.
    """
    if case is None or case.action != "report":
        raise NotFound(ctx.t("report.unknown"))
    ctx = ctx.for_community(case.community, keep_event=True)
    where = actions.chat_ref(case.chat) if case.chat else None
    if await _role(ctx, moderator, where) < Role.MODERATOR:
        raise PermissionDenied(ctx.t("moderators_only"))
    if case.status != "open":
        raise UsageError(ctx.t("report.already", number=case.number))
    member = case.member
    if decision != "dismiss":
        await _check_power(ctx, moderator, member, where)
    length = _mute_length(ctx, member, duration) if decision == "mute" else None
    if decision == "remove" and not (where is not None and case.evidence_id and ctx.capabilities(where.platform).delete):
        raise UsageError(ctx.t("report.cannot_remove"))
    status = "dismissed" if decision == "dismiss" else "actioned"
    if not await store.close_case(ctx.db, case.id, status):  # another moderator was quicker
        raise UsageError(ctx.t("report.already", number=case.number))
    by = moderator.mention
    if decision == "dismiss":
        await actions.to_log(ctx, ctx.t("report.dismissed_log", number=case.number, by=by))
        return ctx.t("report.dismissed", number=case.number, member=case.member_name)
    evidence = _evidence(case, member)
    why = reason or ctx.t("reason.report", number=case.number)
    if decision == "remove":
        assert where is not None and case.evidence_id
        await ctx.act(DeleteMessage(chat=where, message_id=case.evidence_id))
        opened = await actions.open_case(ctx, action="delete", member=member, actor=moderator, reason=why, evidence=evidence)
        notice = ctx.t_for(ctx.members.locale_of(member), "notice.removed", reason=why, number=opened.number)
        appeal = ctx.t_for(ctx.members.locale_of(member), "appeal.how",
                           command=ctx.command_word("appeal", opened.number, locale=ctx.members.locale_of(member)))
        await actions.dm_quietly(ctx, member, notice + " " + appeal)
        answer = ctx.t("report.removed", number=opened.number, member=case.member_name)
    else:
        opened = await actions.sanction(ctx, action=decision, member=member, actor=moderator, reason=why, duration=length,
                                        evidence=evidence)
        answer = ctx.t(f"done.{decision}", number=opened.number, member=member.mention)
        if opened.expires_at is not None:
            answer += " " + ctx.t("case.until", when=actions.until_text(ctx, opened.expires_at))
    await actions.to_log(ctx, ctx.t("report.actioned_log", number=case.number, by=by, case=opened.number))
    return answer


async def _role(ctx: Context, user: User, where: ChatRef | None) -> Role:
    """`user`'s role in the reported message's chat when it is on their platform, else in the community."""
    return await ctx.role_of(user, where if where is not None and where.platform == user.platform else None)


async def _check_power(ctx: Context, moderator: User, member: User, where: ChatRef | None) -> None:
    """Only a strictly higher role may act on someone (the rule of /warn and /mute)."""
    mine, theirs = await _role(ctx, moderator, where), await _role(ctx, member, where)
    if theirs >= mine:
        raise PermissionDenied(ctx.t("target.protected", name=member.mention, role=ctx.t(f"role.{theirs.name.lower()}")))


def _mute_length(ctx: Context, member: User, text: str) -> timedelta:
    """The mute's length from the moderator's words ("1d", "2h"), within what the member's platform allows."""
    text = text.strip() or "1d"
    try:
        value = logic.parse_duration_text(text)
    except ValueError:
        raise UsageError(ctx.t("duration.bad", text=text[:20],
                               max=ctx.format_duration(logic.MAX_DURATION.total_seconds()))) from None
    cap = logic.mute_cap(ctx.capabilities(member.platform))
    if cap is not None and value > cap:
        raise UsageError(ctx.t("duration.platform_mute", max=ctx.format_duration(cap.total_seconds())))
    return value


def _evidence(case: store.Case, member: User) -> MessageEvent | None:
    """The reported message as the new case's evidence (its id and stored excerpt, never more)."""
    if not case.chat or not case.evidence_id:
        return None
    return MessageEvent(id=case.evidence_id, chat=actions.chat_ref(case.chat), author=member, text=case.evidence_excerpt,
                        timestamp=case.created_at)
