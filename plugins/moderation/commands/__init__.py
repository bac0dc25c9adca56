"""Moderator actions and the case log: /warn /mute /unmute /kick /ban /unban /offtopic /report /case /cases /reason."""

from __future__ import annotations

import re
from datetime import timedelta

from core import CommandContext, Context, MessageEvent, NotFound, PermissionDenied, Reply, Role, Text, UsageError, User, command, excerpt
from plugins.moderation import logic, store
from plugins.moderation.services import actions

_LOOKS_LIKE_DURATION = re.compile(r"^[-+]?\d")


# --------------------------------------------------------------------------------------- helpers


async def target_and_rest(ctx: CommandContext, rest: str, name: str) -> tuple[User, str]:
    """The member a command is about (`@handle` first word, else the author of the replied message)."""
    words = rest.split(maxsplit=1)
    first = words[0] if words else ""
    message = ctx.message
    named = _text_mention(message, rest)
    if named is not None:  # a Telegram member without a username: the mention is their display name
        first, words = named[0].uid, [named[0].uid, named[1]] if named[1] else [named[0].uid]
    if first.startswith(("@", "<@")) or named is not None:
        found = await ctx.members.find(first)
        if found is None:
            raise NotFound(ctx.t("target.unknown", name=(named[0].name if named else first)[:40]))
        if found.is_bot:
            raise UsageError(ctx.t("target.bot"))
        return found, words[1] if len(words) > 1 else ""
    reply = message.reply_to
    if reply is not None and reply.author is not None:
        if reply.author.is_bot:
            raise UsageError(ctx.t("target.bot"))
        return reply.author, rest
    raise UsageError(ctx.t("target.missing", command=f"{ctx.bot.prefix}{name}"))


def _text_mention(message: MessageEvent, rest: str) -> tuple[User, str] | None:
    """The mentioned member whose display name starts `rest` (a text mention), and the text after it."""
    for user in message.mentions:
        if not user.handle and user.name and rest.lower().startswith(user.name.lower()):
            return user, rest[len(user.name):].strip()
    return None


async def check_power(ctx: Context, target: User) -> None:
    """Only a strictly higher role may act on someone (moderators cannot act on moderators or admins)."""
    actor_role = await ctx.role_of()
    target_role = await ctx.role_of(target)
    if target_role >= actor_role:
        raise PermissionDenied(ctx.t("target.protected", name=target.mention, role=ctx.t(f"role.{target_role.name.lower()}")))


def duration_of(ctx: Context, text: str, *, mute: bool) -> timedelta:
    """A positive duration (one-line localized answer for "-5d", "999y", "soon")."""
    platform_cap = logic.mute_cap(ctx.capabilities()) if mute else None
    try:
        value = logic.parse_duration_text(text)
    except ValueError:
        raise UsageError(ctx.t("duration.bad", text=text[:20], max=ctx.format_duration(logic.MAX_DURATION.total_seconds()))) from None
    if platform_cap is not None and value > platform_cap:
        raise UsageError(ctx.t("duration.platform_mute", max=ctx.format_duration(platform_cap.total_seconds())))
    return value


async def _act(ctx: CommandContext, action: str, target: User, reason: str, duration: timedelta | None = None) -> None:
    reply = ctx.message.reply_to  # the replied message is the evidence, when it is the target's
    if reply is not None and reply.author is not None and reply.author.uid == target.uid:
        case = await _sanction_with_reply(ctx, action, target, reason, duration, reply.message_id, reply.text)
    else:
        case = await actions.sanction(ctx, action=action, member=target, actor=ctx.user, reason=reason, duration=duration)
    text = ctx.t(f"done.{action}", number=case.number, member=target.mention)
    if case.expires_at is not None:
        text += " " + ctx.t("case.until", when=actions.until_text(ctx, case.expires_at))
    await ctx.reply(text)


async def _sanction_with_reply(ctx: CommandContext, action: str, target: User, reason: str, duration: timedelta | None,
                               message_id: str, text: str) -> store.Case:
    evidence = MessageEvent(id=message_id, chat=ctx.chat, author=target, text=text, timestamp=ctx.now())
    return await actions.sanction(ctx, action=action, member=target, actor=ctx.user, reason=reason, duration=duration,
                                  evidence=evidence)


# --------------------------------------------------------------------------------------- sanctions


@command("warn", help="Warn a member (reply to their message or name them): /warn @name reason", role=Role.MODERATOR,
         where="group", usage="[@member] [reason]")
async def warn_command(ctx: CommandContext, rest: Text = Text("")) -> None:
    target, reason = await target_and_rest(ctx, rest, "warn")
    await check_power(ctx, target)
    await _act(ctx, "warn", target, reason.strip())


@command("mute", help="Mute a member for a while: /mute @name 1d reason", role=Role.MODERATOR, where="group",
         usage="[@member] <duration> [reason]")
async def mute_command(ctx: CommandContext, rest: Text = Text("")) -> None:
    target, rest_text = await target_and_rest(ctx, rest, "mute")
    words = rest_text.split(maxsplit=1)
    if not words:
        raise UsageError(ctx.t("mute.needs_duration", command=f"{ctx.bot.prefix}mute @name 1d reason"))
    duration = duration_of(ctx, words[0], mute=True)
    await check_power(ctx, target)
    await _act(ctx, "mute", target, words[1].strip() if len(words) > 1 else "", duration)


@command("unmute", help="Let a muted member post again.", role=Role.MODERATOR, where="group", usage="[@member] [reason]")
async def unmute_command(ctx: CommandContext, rest: Text = Text("")) -> None:
    await _undo(ctx, rest, "unmute", "mute")


@command("kick", help="Remove a member from the group (they may come back).", role=Role.MODERATOR, where="group",
         usage="[@member] [reason]")
async def kick_command(ctx: CommandContext, rest: Text = Text("")) -> None:
    target, reason = await target_and_rest(ctx, rest, "kick")
    await check_power(ctx, target)
    await _act(ctx, "kick", target, reason.strip())


@command("ban", help="Ban a member, for a while or for good; a reason is required: /ban @name 30d reason",
         role=Role.MODERATOR, where="group", usage="[@member] [duration] <reason>")
async def ban_command(ctx: CommandContext, rest: Text = Text("")) -> None:
    target, rest_text = await target_and_rest(ctx, rest, "ban")
    words = rest_text.split(maxsplit=1)
    duration = None
    reason = rest_text.strip()
    if words and _LOOKS_LIKE_DURATION.match(words[0]):
        duration = duration_of(ctx, words[0], mute=False)
        reason = words[1].strip() if len(words) > 1 else ""
    if not reason:
        raise UsageError(ctx.t("ban.needs_reason", command=f"{ctx.bot.prefix}ban @name [30d] reason"))
    await check_power(ctx, target)
    await _act(ctx, "ban", target, reason, duration)


@command("unban", help="Lift a member's ban.", role=Role.MODERATOR, where="group", usage="<@member> [reason]")
async def unban_command(ctx: CommandContext, rest: Text = Text("")) -> None:
    await _undo(ctx, rest, "unban", "ban")


async def _undo(ctx: CommandContext, rest: str, action: str, undoes: str) -> None:
    target, reason = await target_and_rest(ctx, rest, action)
    await check_power(ctx, target)
    open_cases = [c for c in await store.member_cases(ctx.db, ctx.community.name, target.uid)
                  if c.action == undoes and c.status == "open"]
    chats = actions.member_chats(ctx, target, [c.chat for c in open_cases if c.chat])
    if open_cases:
        for case in open_cases:
            await actions.lift(ctx, case, chats, "lifted")
    else:
        await actions.lift(ctx, store.Case(0, ctx.community.name, 0, undoes, target.uid, target.name, None, "", "", 0, None,
                                           None, "", ctx.now(), None, "open"), chats, "lifted")
    case = await actions.open_case(ctx, action=action, member=target, actor=ctx.user, reason=reason.strip())
    await ctx.reply(ctx.t(f"done.{action}", number=case.number, member=target.mention))


@command("offtopic", help="Reply to a message to kindly point to the group's scope (recorded, no points).",
         role=Role.MODERATOR, where="group")
async def offtopic_command(ctx: CommandContext) -> None:
    reply = ctx.message.reply_to
    if reply is None or reply.author is None:
        raise UsageError(ctx.t("reply_needed", command=ctx.command_word("offtopic")))
    member = reply.author
    scope = ctx.config.scope.strip() or ctx.t("offtopic.default_scope")
    await ctx.act(Reply(chat=ctx.chat, text=ctx.t("offtopic.text", name=member.mention, scope=scope), reply_to=reply.message_id))
    await actions.open_case(ctx, action="nudge", member=member, actor=ctx.user, reason=ctx.t("reason.offtopic"),
                            evidence_chat=ctx.chat.key, evidence_id=reply.message_id, evidence_text=reply.text)


@command("report", help="Reply to a message with /report to send it to the moderators (privately).", where="group",
         cooldown=10)
async def report_command(ctx: CommandContext, why: Text = Text("")) -> None:
    message = ctx.message
    reply = message.reply_to
    if reply is None or reply.author is None:
        raise UsageError(ctx.t("reply_needed", command=ctx.command_word("report")))
    case = await actions.open_case(ctx, action="report", member=reply.author, actor=ctx.user, reason=why.strip(),
                                   evidence_chat=ctx.chat.key, evidence_id=reply.message_id, evidence_text=reply.text)
    await actions.to_moderators(ctx, ctx.t("report.review", number=case.number, reporter=ctx.user.mention,
                                           member=reply.author.mention, text=excerpt(reply.text, 300) or "-",
                                           why=why.strip() or "-"))
    # Acknowledged privately, and the /report itself leaves the group: nobody learns who reported whom.
    if ctx.capabilities().delete:
        await actions.delete(ctx, message)
    await actions.dm_quietly(ctx, ctx.user, ctx.t("report.thanks_private", number=case.number))


# --------------------------------------------------------------------------------------- the case log


@command("case", help="Show one case: /case 12", role=Role.MODERATOR)
async def case_command(ctx: CommandContext, number: int) -> None:
    case = await store.get_case(ctx.db, ctx.community.name, number)
    if case is None:
        raise NotFound(ctx.t("case.unknown", number=number))
    await ctx.reply(actions.describe(ctx, case))


@command("cases", help="List a member's cases: /cases @name", role=Role.MODERATOR, usage="<@member>")
async def cases_command(ctx: CommandContext, rest: Text = Text("")) -> None:
    target, _ = await target_and_rest(ctx, rest, "cases")
    found = await store.member_cases(ctx.db, ctx.community.name, target.uid)
    if not found:
        await ctx.reply(ctx.t("cases.none", member=target.mention))
        return
    since = ctx.now() - timedelta(days=ctx.config.warn_expiry_days)
    points = await store.active_points(ctx.db, ctx.community.name, target.uid, since)
    lines = [ctx.t("cases.header", member=target.mention, count=len(found), points=ctx.t("cases.points", count=points))]
    lines += [actions.describe(ctx, c) for c in found]
    await ctx.reply("\n".join(lines))


@command("reason", help="Set or change the reason of a case: /reason 12 text", role=Role.MODERATOR)
async def reason_command(ctx: CommandContext, number: int, text: Text) -> None:
    case = await store.get_case(ctx.db, ctx.community.name, number)
    if case is None:
        raise NotFound(ctx.t("case.unknown", number=number))
    await store.set_case_reason(ctx.db, case.id, text.strip()[:500])
    await actions.to_log(ctx, ctx.t("case.reason_changed", number=number, by=ctx.user.mention if ctx.user else "?"))
    await ctx.reply(ctx.t("case.reason_set", number=number))


ALL = (warn_command, mute_command, unmute_command, kick_command, ban_command, unban_command, offtopic_command,
       report_command, case_command, cases_command, reason_command)
