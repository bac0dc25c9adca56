"""Messages held for review (a link outside the trusted domains): the review card, release and rejection.

A held message is removed from the group and kept in `moderation_held` until a moderator of the
community that owns it decides (button on the review card, `/release N`, `/reject N`) or until
`held_keep_days` pass (a stored job, so a restart loses nothing). Its text is cleared as soon as it is
decided or expires. Releasing a plain message posts it in its chat on the member's behalf; releasing a
command (`/save https://...`) runs it as if the member had just sent it (the filter lets it pass once).
"""

from __future__ import annotations

from datetime import timedelta

from core import Button, Context, Job, MessageEvent, NotFound, PermissionDenied, Role, UsageError, User, excerpt
from plugins.moderation import store
from plugins.moderation.services import actions, memory
from plugins.moderation.store import held as held_store
from plugins.moderation.store.held import Held

RELEASE_BUTTON = "mod:hr:"
REJECT_BUTTON = "mod:hd:"
EXPIRE_JOB = "held_expire"
CARD_EXCERPT = 300


def _key(held_id: int) -> str:
    return f"held:{held_id}:expire"


async def hold(ctx: Context, event: MessageEvent, host: str) -> None:
    """The message is already removed: open a `held` case, keep the text, send the review card, tell the member."""
    reason = ctx.t("reason.link", host=host)
    case = await actions.open_case(ctx, action="held", member=event.author, actor=None, rule=ctx.t("rule.links"),
                                   reason=reason, evidence=event)
    held = await held_store.insert(ctx.db, community=ctx.community.name, case_id=case.id, chat=event.chat.key,
                                   message_id=event.id, member=event.author, host=host, text=event.text,
                                   posted_at=event.timestamp, now=ctx.now())
    keep = timedelta(days=ctx.config.held_keep_days)
    await ctx.jobs.schedule(EXPIRE_JOB, held.created_at + keep, key=_key(held.id), payload={"held": held.id})
    lang = ctx.community.locale  # the card is for the moderators, not in the author's language
    buttons = ((Button(ctx.t_for(lang, "button.release"), f"{RELEASE_BUTTON}{held.token}"),
                Button(ctx.t_for(lang, "button.reject"), f"{REJECT_BUTTON}{held.token}")),)
    card = "\n".join((ctx.t_for(lang, "held.review", id=held.id, number=case.number, member=event.author.mention,
                                host=host, text=excerpt(event.text, CARD_EXCERPT)),
                      ctx.t_for(lang, "held.commands", release=f"{ctx.bot.prefix}release {held.id}",
                                reject=f"{ctx.bot.prefix}reject {held.id}",
                                keep=ctx.format_duration(keep.total_seconds(), locale=lang))))
    await actions.to_moderators(ctx, card, buttons)
    await actions.dm_quietly(ctx, event.author, ctx.t("notice.held", host=host))


async def decide(ctx: Context, held: Held | None, moderator: User, release: bool, reason: str = "") -> str:
    """A moderator releases or rejects a held message; returns the answer for the moderator.

    Rights are checked in the community that owns the message, whatever chat the decision came from.
    """
    if held is None:
        raise NotFound(ctx.t("held.unknown"))
    ctx = ctx.for_community(held.community, keep_event=True)
    # the platform role that counts is the one in the held message's chat, not where the button was pressed
    if await ctx.role_of(moderator, actions.chat_ref(held.chat)) < Role.MODERATOR:
        raise PermissionDenied(ctx.t("moderators_only"))
    if held.status != "pending":
        raise UsageError(ctx.t("held.already", id=held.id, status=ctx.t(f"held.status.{held.status}")))
    status = "released" if release else "rejected"
    if not await held_store.decide(ctx.db, held.id, status, moderator.uid, ctx.now()):
        raise UsageError(ctx.t("held.already", id=held.id, status=ctx.t("held.status.decided")))
    await ctx.jobs.cancel(_key(held.id))
    await store.set_case_status(ctx.db, held.case_id, status)
    case = await store.get_case_by_id(ctx.db, held.case_id)
    number = case.number if case is not None else "?"
    member = held.member
    decision = await actions.open_case(
        ctx, action="release" if release else "reject", member=member, actor=moderator,
        reason=reason or ctx.t("reason.held_decision", id=held.id, number=number), evidence_chat=held.chat,
        evidence_id=held.message_id, evidence_text=held.text if release else "")
    if release:
        await _repost(ctx, held)
        await actions.dm_quietly(ctx, member, ctx.t_for(ctx.members.locale_of(member), "held.released_member", host=held.host))
        return ctx.t("held.released", id=held.id, number=decision.number)
    text = ctx.t_for(ctx.members.locale_of(member), "held.rejected_member", host=held.host)
    if reason:
        text += " " + ctx.t_for(ctx.members.locale_of(member), "notice.reason", reason=reason)
    await actions.dm_quietly(ctx, member, text)
    return ctx.t("held.rejected", id=held.id, number=decision.number)


async def _repost(ctx: Context, held: Held) -> None:
    """A command runs again as the member's own message; a plain message is posted in its chat for them."""
    chat = actions.chat_ref(held.chat)
    text = held.text
    if text.startswith(ctx.bot.prefix) and len(text) > len(ctx.bot.prefix):
        original = MessageEvent(id=held.message_id, chat=chat, author=held.member, text=text, timestamp=held.posted_at)
        memory.state(ctx).released.add((held.chat, held.message_id))
        await ctx.bot.handle_again(original)
        return
    await ctx.send(chat, ctx.t("held.repost", member=held.member.mention, text=text))


async def listing(ctx: Context) -> str:
    """`/held`: the messages of this community waiting for a decision."""
    found = await held_store.pending(ctx.db, ctx.community.name)
    if not found:
        return ctx.t("held.none")
    total = await held_store.count_pending(ctx.db, ctx.community.name)
    lines = [ctx.t("held.header", count=total)]
    for held in found:
        lines.append(ctx.t("held.line", id=held.id, member=held.member.mention, when=ctx.format_time(held.created_at),
                           host=held.host, text=excerpt(held.text, 80)))
    lines.append(ctx.t("held.footer", release=f"{ctx.bot.prefix}release", reject=f"{ctx.bot.prefix}reject"))
    return "\n".join(lines)


async def run_expire(ctx: Context, job: Job) -> None:
    """Job: nobody decided within `held_keep_days`; forget the text and tell the member."""
    held = await held_store.get(ctx.db, int(job.payload["held"]))
    if held is None or held.status != "pending":
        return
    if not await held_store.decide(ctx.db, held.id, "expired", None, ctx.now()):
        return
    await store.set_case_status(ctx.db, held.case_id, "expired")
    member = held.member
    lang = ctx.members.locale_of(member)
    keep = ctx.format_duration(timedelta(days=ctx.config.held_keep_days).total_seconds(), locale=lang)
    await actions.dm_quietly(ctx, member, ctx.t_for(lang, "held.expired_member", host=held.host, keep=keep))
