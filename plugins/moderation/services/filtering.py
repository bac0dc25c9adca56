"""`practica_filter_message`: the hot path. Runs for every message, so it stays in memory.

Order: members waiting for approval, muted members and members who have not accepted the current
code of conduct are stopped first (their message is removed); then flood, blocklist, mass mentions
and links (trusted members and moderators are exempt); finally the privacy guard, which only flags.
A stopped message returns a Verdict, so no other plugin sees it and it earns no points.
"""

from __future__ import annotations

from datetime import timedelta

from core import Button, Context, Event, MessageEvent, Role, Verdict
from plugins.moderation import logic, store
from plugins.moderation.services import actions, held, memory, membership

ALWAYS_ALLOWED = frozenset({"rules", "accept", "help", "start", "mydata", "forgetme"})
PRIVACY_BUTTON = "mod:pv:"


def _always_allowed(ctx: Context, text: str) -> bool:
    """Whether `text` runs one of the commands a gated member may always use, by any of its words
    ("/accepter" and "/règles" as well as "/accept")."""
    prefix = ctx.bot.prefix
    if not text.startswith(prefix):
        return False
    word = text[len(prefix):].split(maxsplit=1)[0].partition("@")[0].lower() if len(text) > len(prefix) else ""
    if word in ALWAYS_ALLOWED:
        return True
    found = ctx.bot.find_command(word) if word else None
    return found is not None and found.name in ALWAYS_ALLOWED


async def filter_event(event: Event, ctx: Context) -> Verdict | None:
    """Whether the member taking part (a button, a native vote, a reaction, a /vote) is stopped here:
    waiting for approval, banned, or muted while the mute lasts (core.standing asks)."""
    user = ctx.user
    if user is None:
        return None
    slot = (ctx.community.name, user.uid)
    mod = memory.state(ctx)
    muted = slot in mod.muted and (mod.muted[slot] is None or mod.muted[slot] > ctx.now())  # type: ignore[operator]
    if slot not in mod.gated and not muted and not await store.is_banned(ctx.db, ctx.community.name, user.uid, ctx.now()):
        return None
    if await ctx.role_of(user) >= Role.MODERATOR:
        return None
    if slot in mod.gated:
        return Verdict("pending")
    return Verdict("muted" if muted else "banned")


async def filter_message(event: MessageEvent, ctx: Context) -> Verdict | None:
    if event.chat.is_direct:
        return None
    compiled = memory.rules(ctx)
    config = compiled.config
    mod = memory.state(ctx)
    if mod.released and (event.chat.key, event.id) in mod.released:  # a moderator released this held message
        mod.released.discard((event.chat.key, event.id))
        return None
    author = event.author
    slot = (ctx.community.name, author.uid)

    # --- gates: waiting for approval, muted, code of conduct not accepted ---------------------------
    gate = None
    if slot in mod.gated:
        gate = "pending"
    elif slot in mod.muted:
        until = mod.muted[slot]
        if until is not None and until <= ctx.now():
            del mod.muted[slot]
        else:
            gate = "muted"
    elif config.require_accept and config.rules and mod.accepted.get(slot) != config.rules_version:
        gate = "accept"
    if gate is not None and not _always_allowed(ctx, event.text):
        if await ctx.role_of(author) < Role.MODERATOR:
            await actions.delete(ctx, event)
            if gate != "muted":
                await membership.remind(ctx, author, gate)
            return Verdict(f"moderation: {gate}")

    # --- automatic rules (trusted members and moderators are exempt) --------------------------------
    text = event.text
    flood = compiled.flood_messages > 0 and mod.flood.hit(slot[0] + "|" + slot[1], event.timestamp.timestamp(),
                                                         compiled.flood_messages, compiled.flood_seconds)
    folded = logic.fold(text)
    hit = None if flood else compiled.blocked(text, folded)
    mentions = hit is None and not flood and compiled.too_many_mentions(text, len(event.mentions))
    host = None if (flood or hit or mentions) else compiled.untrusted_link(text)
    if flood or hit or mentions or host:
        if await ctx.role_of(author) >= Role.TRUSTED:
            return None
        await actions.delete(ctx, event)
        if flood:
            duration = logic.clamp_mute(logic.parse_duration_text(config.flood_mute), ctx.capabilities(author.platform))
            await actions.sanction(ctx, action="mute", member=author, actor=None, rule=ctx.t("rule.flood"),
                                   reason=ctx.t("reason.flood", count=compiled.flood_messages,
                                                within=timedelta(seconds=compiled.flood_seconds)),
                                   duration=duration, evidence=event)
            return Verdict("moderation: flood")
        if hit is not None:
            await _auto(ctx, event, hit.action, ctx.t("rule.blocklist"), ctx.t("reason.blocklist"))
            return Verdict("moderation: blocklist")
        if mentions:
            await _auto(ctx, event, config.mentions_action, ctx.t("rule.mentions"),
                        ctx.t("reason.mentions", count=compiled.max_mentions))
            return Verdict("moderation: mentions")
        await _link(ctx, event, host or "", config.link_policy)
        return Verdict("moderation: link")

    # --- privacy guard: flag privately, never delete ------------------------------------------------
    if compiled.looks_private(text, folded) and await ctx.role_of(author) < Role.MODERATOR:
        await _flag_privacy(ctx, event)
    return None


async def _auto(ctx: Context, event: MessageEvent, action: str, rule: str, reason: str) -> None:
    """A rule matched and the message is already deleted: delete-only case, or a warning / mute."""
    if action == "delete":
        case = await actions.open_case(ctx, action="delete", member=event.author, actor=None, rule=rule, reason=reason,
                                       evidence=event)
        await actions.dm_quietly(ctx, event.author, ctx.t("notice.removed", reason=reason, number=case.number))
    elif action == "warn":
        await actions.sanction(ctx, action="warn", member=event.author, actor=None, rule=rule, reason=reason, evidence=event)
    else:
        duration = logic.clamp_mute(logic.parse_duration_text(ctx.config.flood_mute), ctx.capabilities(event.author.platform))
        await actions.sanction(ctx, action="mute", member=event.author, actor=None, rule=rule, reason=reason,
                               duration=duration, evidence=event)


async def _link(ctx: Context, event: MessageEvent, host: str, policy: str) -> None:
    if policy == "review":
        await held.hold(ctx, event, host)
        return
    reason = ctx.t("reason.link", host=host)
    case = await actions.open_case(ctx, action="delete", member=event.author, actor=None, rule=ctx.t("rule.links"),
                                   reason=reason, evidence=event)
    await actions.dm_quietly(ctx, event.author, ctx.t("notice.removed", reason=reason, number=case.number))


async def _flag_privacy(ctx: Context, event: MessageEvent) -> None:
    """Flag a possible patient identifier to the moderators (no excerpt is stored or forwarded)."""
    case = await actions.open_case(ctx, action="privacy", member=event.author, actor=None, rule=ctx.t("rule.privacy"),
                                   reason=ctx.t("reason.privacy"), evidence=event, keep_excerpt=False)
    title = event.chat.title or event.chat.key
    buttons = ((Button(ctx.t("button.remove_remind"), f"{PRIVACY_BUTTON}{case.id}"),),)
    await actions.to_moderators(ctx, ctx.t("privacy.flag", number=case.number, member=event.author.mention, chat=title,
                                           message=event.id, command=ctx.command_word("redact", case.number)), buttons)
