"""Appeals: a member contests a case by DM; a moderator accepts (the action is lifted) or refuses."""

from __future__ import annotations

from core import Button, Context, NotFound, PermissionDenied, Role, UsageError, User, excerpt
from plugins.moderation import store
from plugins.moderation.services import actions

ACCEPT_BUTTON = "mod:aa:"
REFUSE_BUTTON = "mod:ar:"
MAX_TEXT = 500


async def file(ctx: Context, member: User, number: int, text: str) -> str:
    """`/appeal <case> [why]` in a DM; returns the answer for the member."""
    case = await store.member_case(ctx.db, member.uid, number)
    if case is None:
        raise NotFound(ctx.t("appeal.unknown_case", number=number))
    ctx = ctx.for_community(case.community, keep_event=True)
    if case.action not in actions.ACTIONS_WITH_APPEAL:
        raise UsageError(ctx.t("appeal.not_appealable", number=number))
    if case.status != "open":
        raise UsageError(ctx.t("appeal.closed_case", number=number, status=ctx.t(f"case.status.{case.status}")))
    if await store.pending_appeal_for(ctx.db, case.community, number) is not None:
        raise UsageError(ctx.t("appeal.already", number=number))
    appeal_id = await store.insert_appeal(ctx.db, case.community, number, member.uid, text.strip()[:MAX_TEXT], ctx.now())
    buttons = ((Button(ctx.t("button.appeal_accept"), f"{ACCEPT_BUTTON}{appeal_id}"),
                Button(ctx.t("button.appeal_refuse"), f"{REFUSE_BUTTON}{appeal_id}")),)
    await actions.to_moderators(ctx, ctx.t("appeal.queued", id=appeal_id, number=number, action=ctx.t(f"action.{case.action}"),
                                           member=member.mention, text=excerpt(text, MAX_TEXT) or "-",
                                           accept=ctx.command_word("appeal_accept", appeal_id),
                                           refuse=ctx.command_word("appeal_refuse", appeal_id)), buttons)
    return ctx.t("appeal.sent", id=appeal_id, number=number)


async def decide(ctx: Context, appeal_id: int, moderator: User, accepted: bool, reason: str = "") -> str:
    """A moderator's decision; the member is told by DM. Returns the text for the moderator."""
    appeal = await store.get_appeal(ctx.db, appeal_id)
    if appeal is None:
        raise NotFound(ctx.t("appeal.unknown", id=appeal_id))
    ctx = ctx.for_community(appeal.community, keep_event=True)
    if await ctx.role_of(moderator) < Role.MODERATOR:
        raise PermissionDenied(ctx.t("moderators_only"))
    if appeal.status != "pending":
        raise UsageError(ctx.t("appeal.decided", id=appeal_id))
    case = await store.get_case(ctx.db, appeal.community, appeal.case_number)
    await store.decide_appeal(ctx.db, appeal_id, "accepted" if accepted else "refused", moderator.uid, ctx.now(), reason)
    member = store.user_from(appeal.member_uid, case.member_name if case else appeal.member_uid)
    if accepted and case is not None:
        chats = actions.member_chats(ctx, member, [case.chat] if case.chat else [], event_chat=False)
        if case.action in ("mute", "ban"):
            await actions.lift(ctx, case, chats, "appealed")
        else:
            await store.set_case_status(ctx.db, case.id, "appealed")
        lang = ctx.members.locale_of(member)  # the member reads their own language, not the moderator's
        text = ctx.t_for(lang, "appeal.accepted_member", number=appeal.case_number)
        if case.action == "warn":  # the warning stops counting: so do the ladder steps it no longer justifies
            for lifted in await actions.undo_ladder(ctx, case, chats):
                await actions.to_log(ctx, ctx.t("appeal.log_ladder_lifted", number=lifted.number,
                                                warning=appeal.case_number))
                text += " " + ctx.t_for(lang, f"appeal.ladder_lifted_member.{lifted.action}", number=lifted.number)
        await actions.dm_quietly(ctx, member, text)
        await actions.to_log(ctx, ctx.t("appeal.log_accepted", number=appeal.case_number, by=moderator.mention))
        return ctx.t("appeal.accepted", id=appeal_id, number=appeal.case_number)
    text = ctx.t("appeal.refused_member", number=appeal.case_number)
    if reason:
        text += " " + ctx.t("notice.reason", reason=reason)
    await actions.dm_quietly(ctx, member, text)
    await actions.to_log(ctx, ctx.t("appeal.log_refused", number=appeal.case_number, by=moderator.mention))
    return ctx.t("appeal.refused", id=appeal_id, number=appeal.case_number)


async def pending(ctx: Context) -> str:
    found = await store.pending_appeals(ctx.db, ctx.community.name)
    if not found:
        return ctx.t("appeals.none")
    lines = [ctx.t("appeals.header", count=len(found))]
    for appeal in found[:20]:
        lines.append(ctx.t("appeals.line", id=appeal.id, number=appeal.case_number, when=ctx.format_time(appeal.created_at),
                           text=excerpt(appeal.text, 80) or "-"))
    lines.append(ctx.t("appeals.footer", accept=ctx.command_word("appeal_accept"), refuse=ctx.command_word("appeal_refuse")))
    return "\n".join(lines)
