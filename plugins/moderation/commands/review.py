"""Join review, appeals, code of conduct and privacy commands, and the buttons that do the same."""

from __future__ import annotations

from core import (ButtonPressed, CommandContext, CommandError, Context, DeleteMessage, NotFound, PermissionDenied, Role,
                  Text, UsageError, User, command)
from plugins.moderation import store
from plugins.moderation.services import actions, appeals, filtering, held, membership, memory
from plugins.moderation.store import held as held_store


# --------------------------------------------------------------------------------------- join requests


@command("approve", help="Approve a join request: /approve 4", role=Role.MODERATOR)
async def approve_command(ctx: CommandContext, request: int) -> None:
    await ctx.reply(await membership.approve(ctx, request, ctx.user))


@command("deny", help="Deny a join request: /deny 4 [reason]", role=Role.MODERATOR)
async def deny_command(ctx: CommandContext, request: int, reason: Text = Text("")) -> None:
    await ctx.reply(await membership.deny(ctx, request, ctx.user, reason.strip()[:300]))


# --------------------------------------------------------------------------------------- appeals


@command("appeal", help="Contest a moderation case, in a private chat with me: /appeal 12 why", where="direct")
async def appeal_command(ctx: CommandContext, case: int, why: Text = Text("")) -> None:
    await ctx.reply(await appeals.file(ctx, ctx.user, case, why))


@command("appeals", help="List the appeals waiting for a decision.", role=Role.MODERATOR)
async def appeals_command(ctx: CommandContext) -> None:
    await ctx.reply(await appeals.pending(ctx))


@command("appeal_accept", help="Accept an appeal and lift the action: /appeal_accept 3", role=Role.MODERATOR)
async def appeal_accept_command(ctx: CommandContext, appeal: int) -> None:
    await ctx.reply(await appeals.decide(ctx, appeal, ctx.user, True))


@command("appeal_refuse", help="Refuse an appeal: /appeal_refuse 3 [reason]", role=Role.MODERATOR)
async def appeal_refuse_command(ctx: CommandContext, appeal: int, reason: Text = Text("")) -> None:
    await ctx.reply(await appeals.decide(ctx, appeal, ctx.user, False, reason.strip()[:300]))


# --------------------------------------------------------------------------------------- held messages


@command("held", help="List the messages held for review.", role=Role.MODERATOR)
async def held_command(ctx: CommandContext) -> None:
    await ctx.reply(await held.listing(ctx))


@command("release", help="Release a held message (it is posted, or its command runs): /release 3", role=Role.MODERATOR)
async def release_command(ctx: CommandContext, number: int) -> None:
    await ctx.reply(await held.decide(ctx, await held_store.get(ctx.db, number), ctx.user, True))


@command("reject", help="Delete a held message for good: /reject 3 [reason]", role=Role.MODERATOR)
async def reject_command(ctx: CommandContext, number: int, reason: Text = Text("")) -> None:
    await ctx.reply(await held.decide(ctx, await held_store.get(ctx.db, number), ctx.user, False, reason.strip()[:300]))


# --------------------------------------------------------------------------------------- code of conduct


@command("rules", help="Show the code of conduct.")
async def rules_command(ctx: CommandContext) -> None:
    if not ctx.config.rules.strip():
        await ctx.reply(ctx.t("rules.none"))
        return
    user = ctx.user
    if ctx.config.require_accept and not _accepted(ctx, user.uid):
        await ctx.reply(membership.rules_text(ctx), buttons=membership.accept_buttons(ctx))
    else:
        await ctx.reply(ctx.t("rules.show_accepted", version=ctx.config.rules_version, rules=ctx.config.rules.strip()))


def _accepted(ctx: Context, uid: str) -> bool:
    return memory.has_accepted(ctx, uid)


@command("accept", help="Accept the code of conduct so you can post.")
async def accept_command(ctx: CommandContext) -> None:
    await membership.accept(ctx, ctx.user, ctx.chat)


# --------------------------------------------------------------------------------------- privacy


@command("redact", help="Remove a message flagged for patient details and remind its author kindly: /redact 7",
         role=Role.MODERATOR)
async def redact_command(ctx: CommandContext, case: int) -> None:
    found = await store.get_case(ctx.db, ctx.community.name, case)
    if found is None or found.action != "privacy":
        raise NotFound(ctx.t("privacy.unknown", number=case))
    await ctx.reply(await remove_and_remind(ctx, found))


async def remove_and_remind(ctx: Context, case: store.Case) -> str:
    if case.status != "open":
        return ctx.t("privacy.already", number=case.number)
    if case.chat and case.evidence_id:
        await ctx.act(DeleteMessage(chat=actions.chat_ref(case.chat), message_id=case.evidence_id))
    await store.set_case_status(ctx.db, case.id, "removed")
    await actions.dm_quietly(ctx, case.member, ctx.t("privacy.reminder"))
    return ctx.t("privacy.done", number=case.number)


# --------------------------------------------------------------------------------------- buttons


async def on_button(event: ButtonPressed, ctx: Context) -> None:
    """Buttons carry `mod:<kind>:<id>`; each does what the matching command does."""
    data = event.data
    try:
        if data.startswith(membership.ACCEPT_BUTTON):
            ctx = ctx.for_community(data[len(membership.ACCEPT_BUTTON):], keep_event=True)
            if not await _belongs(ctx, event.user):  # a forged button naming a community of others
                raise PermissionDenied(ctx.t("accept.not_member", community=ctx.community.name))
            await membership.accept(ctx, event.user, None if event.chat.is_direct else event.chat)
        elif data.startswith(membership.APPROVE_BUTTON):
            await ctx.reply(await membership.approve(ctx, _number(data), event.user))
        elif data.startswith(membership.DENY_BUTTON):
            await ctx.reply(await membership.deny(ctx, _number(data), event.user, ""))
        elif data.startswith(appeals.ACCEPT_BUTTON):
            await ctx.reply(await appeals.decide(ctx, _number(data), event.user, True))
        elif data.startswith(appeals.REFUSE_BUTTON):
            await ctx.reply(await appeals.decide(ctx, _number(data), event.user, False))
        elif data.startswith(held.RELEASE_BUTTON):
            await ctx.reply(await held.decide(ctx, await held_store.by_token(ctx.db, data[len(held.RELEASE_BUTTON):]),
                                              event.user, True))
        elif data.startswith(held.REJECT_BUTTON):
            await ctx.reply(await held.decide(ctx, await held_store.by_token(ctx.db, data[len(held.REJECT_BUTTON):]),
                                              event.user, False))
        elif data.startswith(filtering.PRIVACY_BUTTON):
            case = await store.get_case_by_id(ctx.db, _number(data))
            if case is None:
                raise NotFound(ctx.t("privacy.unknown", number="?"))
            ctx = ctx.for_community(case.community, keep_event=True)
            if await ctx.role_of(event.user) < Role.MODERATOR:
                raise PermissionDenied(ctx.t("moderators_only"))
            await ctx.reply(await remove_and_remind(ctx, case))
    except CommandError as error:
        if isinstance(error, (PermissionDenied, NotFound, UsageError)):  # forged, replayed or someone else's button
            ctx.log.warning("button %s refused (%s)", ":".join(data.split(":")[:2]), type(error).__name__)
        await ctx.reply(str(error))


async def _belongs(ctx: Context, user: User) -> bool:
    """Whether `user` is of `ctx.community`: seen there, given a role there, or approved to join it
    (the welcome's accept button may come before the platform reports the join)."""
    return (await ctx.members.is_member(user.uid) or await ctx.role_of(user) > Role.MEMBER
            or await store.is_verified(ctx.db, ctx.community.name, user.uid))


def _number(data: str) -> int:
    try:
        return int(data.rsplit(":", 1)[1])
    except (IndexError, ValueError):
        raise UsageError("?") from None


ALL = (approve_command, deny_command, appeal_command, appeals_command, appeal_accept_command, appeal_refuse_command,
       held_command, release_command, reject_command, rules_command, accept_command, redact_command)
