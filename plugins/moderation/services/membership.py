"""Verified joining (questionnaire by DM, review, approval) and the code of conduct (rules, /accept, welcome)."""

from __future__ import annotations

from datetime import timedelta

from core import (AddRole, ApproveJoin, Button, ChatRef, Context, DeclineJoin, Job, Kick, MemberJoined, MemberVerified, MessageEvent,
                 NotFound, Role, UsageError, User)
from plugins.moderation import logic, store
from plugins.moderation.services import actions, memory

REANNOUNCE_JOB = "join_reannounce"
EXPIRE_JOB = "join_expire"
MAX_ANSWER = 300
ACCEPT_BUTTON = "mod:acc:"
APPROVE_BUTTON = "mod:ja:"
DENY_BUTTON = "mod:jd:"
REMINDER_GAP = timedelta(hours=1)



def questions(ctx: Context) -> tuple[str, ...]:
    configured = ctx.config.questions
    return configured if configured else tuple(ctx.t(f"questionnaire.default.{i}") for i in range(1, 5))


# --------------------------------------------------------------------------------------- starting a request


async def start(ctx: Context, member: User, chat: ChatRef) -> None:
    """A join request (or, without join requests, a new unverified member): start the questionnaire."""
    if not ctx.config.verify_joins or member.is_bot:
        return
    if await store.open_request_of(ctx.db, ctx.community.name, member.uid) is not None:
        return
    asked = questions(ctx)
    request = await store.insert_request(ctx.db, ctx.community.name, member, chat.key,
                                         "questionnaire" if asked else "pending", ctx.now())
    await memory.told(ctx, member.uid)
    mod = memory.state(ctx)
    if not ctx.capabilities(chat.platform).join_requests:
        mod.gated.add((ctx.community.name, member.uid))
    await ctx.jobs.schedule(EXPIRE_JOB, request.created_at + timedelta(hours=ctx.config.expire_after_hours),
                            key=f"join:{request.id}:expire", payload={"request": request.id})
    if asked:
        mod.questionnaires[member.uid] = request.id
        await actions.dm_quietly(ctx, member, ctx.t("questionnaire.intro", community=ctx.community.name, count=len(asked))
                                 + "\n" + _question(ctx, asked, 0))
    else:
        await submit(ctx, request)


def _question(ctx: Context, asked: tuple[str, ...], index: int) -> str:
    return ctx.t("questionnaire.question", n=index + 1, total=len(asked), question=asked[index])


async def on_direct_message(event: MessageEvent, ctx: Context) -> None:
    """A DM from someone answering the questionnaire: store the answer, ask the next question."""
    mod = memory.state(ctx)
    request_id = mod.questionnaires.get(event.author.uid)
    if request_id is None:
        return
    request = await store.get_request(ctx.db, request_id)
    if request is None or request.status != "questionnaire":
        mod.questionnaires.pop(event.author.uid, None)
        return
    ctx = ctx.for_community(request.community, keep_event=True)
    asked = questions(ctx)
    answer = event.text.strip()[:MAX_ANSWER] or "-"
    answers = (*request.answers, answer)
    if len(answers) < len(asked):
        await store.update_request(ctx.db, request.id, answers=answers)
        await ctx.reply(_question(ctx, asked, len(answers)), quote=False)
        return
    await store.update_request(ctx.db, request.id, answers=answers, status="pending")
    await memory.told(ctx, event.author.uid)
    mod.questionnaires.pop(event.author.uid, None)
    await ctx.reply(ctx.t("questionnaire.done"), quote=False)
    await submit(ctx, await store.get_request(ctx.db, request.id))  # type: ignore[arg-type]


async def submit(ctx: Context, request: store.Request) -> None:
    """Answers are complete: auto-approve a valid cohort code, else ask the moderators."""
    if logic.matches_cohort(request.answers, ctx.config.cohort_codes):
        await _finalize(ctx, request, None)
        await actions.to_moderators(ctx, ctx.t("join.auto_approved", id=request.id, member=_who(request)))
        return
    await announce(ctx, request)
    await ctx.jobs.schedule(REANNOUNCE_JOB, ctx.now() + timedelta(hours=ctx.config.reannounce_after_hours),
                            key=f"join:{request.id}:reannounce", payload={"request": request.id})


def _who(request: store.Request) -> str:
    member = request.member
    return f"{member.name} ({member.mention}, {member.uid})" if member.handle else f"{member.name} ({member.uid})"


async def announce(ctx: Context, request: store.Request, *, reminder: bool = False) -> None:
    asked = questions(ctx)
    lines = [ctx.t("join.reminder") if reminder else "", ctx.t("join.review", id=request.id, member=_who(request))]
    for i, answer in enumerate(request.answers):
        lines.append(f"{i + 1}. {asked[i] if i < len(asked) else '?'} — {answer}")
    if ctx.config.approvals_required == 2:
        lines.append(ctx.t("join.needs_two", done=len(request.approvals)))
    lines.append(ctx.t("join.commands", approve=ctx.command_word("approve", request.id), deny=ctx.command_word("deny", request.id)))
    buttons = ((Button(ctx.t("button.approve"), f"{APPROVE_BUTTON}{request.id}"),
                Button(ctx.t("button.deny"), f"{DENY_BUTTON}{request.id}")),)
    await actions.to_moderators(ctx, "\n".join(line for line in lines if line), buttons)


# --------------------------------------------------------------------------------------- decisions


async def _open_request(ctx: Context, request_id: int) -> tuple[Context, store.Request]:
    request = await store.get_request(ctx.db, request_id)
    if request is None:
        raise NotFound(ctx.t("join.unknown", id=request_id))
    if request.status == "questionnaire":
        raise UsageError(ctx.t("join.still_answering", id=request_id))
    if request.status != "pending":
        raise UsageError(ctx.t("join.already", id=request_id, status=ctx.t(f"join.status.{request.status}")))
    bound = ctx.for_community(request.community, keep_event=True)
    return bound, request


async def _check_moderator(ctx: Context, user: User) -> None:
    from core import PermissionDenied

    if await ctx.role_of(user) < Role.MODERATOR:
        raise PermissionDenied(ctx.t("moderators_only"))


async def approve(ctx: Context, request_id: int, moderator: User) -> str:
    """One moderator's approval; returns the text for the moderator."""
    ctx, request = await _open_request(ctx, request_id)
    await _check_moderator(ctx, moderator)
    if moderator.uid in request.approvals:
        raise UsageError(ctx.t("join.already_approved_by_you", id=request_id))
    approvals = (*request.approvals, moderator.uid)
    if len(approvals) < ctx.config.approvals_required:
        await store.update_request(ctx.db, request.id, approvals=approvals)
        return ctx.t("join.first_approval", id=request_id, member=request.member_name)
    await store.update_request(ctx.db, request.id, approvals=approvals)
    await _finalize(ctx, request, moderator)
    return ctx.t("join.approved", id=request_id, member=request.member_name)


async def _finalize(ctx: Context, request: store.Request, moderator: User | None) -> None:
    member = request.member
    await store.update_request(ctx.db, request.id, status="approved", decided_by=moderator.uid if moderator else "cohort",
                               decided_at=ctx.now())
    await ctx.jobs.cancel_prefix(f"join:{request.id}:")
    memory.state(ctx).gated.discard((ctx.community.name, member.uid))
    await memory.told(ctx, member.uid)
    chat = actions.chat_ref(request.chat)
    caps = ctx.capabilities(chat.platform)
    if caps.join_requests:
        await ctx.act(ApproveJoin(chat=chat, user=member))
    elif caps.roles and ctx.config.verified_role:
        await ctx.act(AddRole(chat=chat, user=member, role=ctx.config.verified_role))
    elif caps.roles:  # the adapter's own verified role ([adapters.discord] verified_role)
        await ctx.act(ApproveJoin(chat=chat, user=member))
    await ctx.emit(MemberVerified(community=ctx.community.name, member=member))
    await actions.to_log(ctx, ctx.t("join.log_approved", id=request.id, member=request.member_name,
                                    by=moderator.mention if moderator else ctx.t("join.by_cohort")))
    config = ctx.config
    if config.rules and config.require_accept and not memory.has_accepted(ctx, member.uid):
        await actions.dm_quietly(ctx, member, ctx.t("join.welcome_in") + "\n\n" + rules_text(ctx),
                                 buttons=accept_buttons(ctx))
    else:
        await actions.dm_quietly(ctx, member, ctx.t("join.welcome_in"))
        await welcome(ctx, member, chat)


async def deny(ctx: Context, request_id: int, moderator: User, reason: str) -> str:
    ctx, request = await _open_request(ctx, request_id)
    await _check_moderator(ctx, moderator)
    await _close(ctx, request, "denied", moderator.uid, reason)
    text = ctx.t("join.denied_member", community=ctx.community.name)
    if reason:
        text += " " + ctx.t("notice.reason", reason=reason)
    await actions.dm_quietly(ctx, request.member, text)
    await actions.to_log(ctx, ctx.t("join.log_denied", id=request.id, member=request.member_name, by=moderator.mention))
    return ctx.t("join.denied", id=request_id, member=request.member_name)


async def _close(ctx: Context, request: store.Request, status: str, by: str, reason: str) -> None:
    """Deny or expire: decline the join request, or remove the unverified member where there are none."""
    member = request.member
    await store.update_request(ctx.db, request.id, status=status, decided_by=by, decided_at=ctx.now(), reason=reason)
    await ctx.jobs.cancel_prefix(f"join:{request.id}:")
    mod = memory.state(ctx)
    mod.gated.discard((ctx.community.name, member.uid))
    if mod.questionnaires.get(member.uid) == request.id:
        del mod.questionnaires[member.uid]
    await memory.told(ctx, member.uid)
    chat = actions.chat_ref(request.chat)
    caps = ctx.capabilities(chat.platform)
    if caps.join_requests:
        await ctx.act(DeclineJoin(chat=chat, user=member, reason=reason))
    elif caps.kick:
        await ctx.act(Kick(chat=chat, user=member, reason=reason))


async def run_reannounce(ctx: Context, job: Job) -> None:
    """Job: nobody handled a request in time; remind the moderators once."""
    request = await store.get_request(ctx.db, int(job.payload["request"]))
    if request is not None and request.status == "pending":
        await announce(ctx, request, reminder=True)


async def run_expire(ctx: Context, job: Job) -> None:
    """Job: a request still open after `expire_after_hours` expires; the member may ask again."""
    request = await store.get_request(ctx.db, int(job.payload["request"]))
    if request is None or request.status not in store.OPEN_REQUEST:
        return
    await _close(ctx, request, "expired", "timer", "")
    await actions.dm_quietly(ctx, request.member, ctx.t("join.expired_member", community=ctx.community.name))
    await actions.to_log(ctx, ctx.t("join.log_expired", id=request.id, member=request.member_name))


# --------------------------------------------------------------------------------------- code of conduct


def rules_text(ctx: Context) -> str:
    return ctx.t("rules.show", version=ctx.config.rules_version, rules=ctx.config.rules.strip(),
                 accept=ctx.command_word("accept"))


def accept_buttons(ctx: Context) -> tuple[tuple[Button, ...], ...]:
    return ((Button(ctx.t("button.accept"), f"{ACCEPT_BUTTON}{ctx.community.name}"[:64]),),)


async def accept(ctx: Context, member: User, where: ChatRef | None) -> None:
    """Record that `member` accepts the current code of conduct, tell them, and welcome a newcomer."""
    config = ctx.config
    if not config.rules.strip():
        await ctx.reply(ctx.t("rules.none"))
        return
    mod = memory.state(ctx)
    key = (ctx.community.name, member.uid)
    if mod.accepted.get(key) == config.rules_version:
        await ctx.reply(ctx.t("accept.already", version=config.rules_version))
        return
    first = key not in mod.accepted and not await store.had_acceptance(ctx.db, ctx.community.name, member.uid)
    await store.save_acceptance(ctx.db, ctx.community.name, member.uid, config.rules_version, ctx.now())
    mod.accepted[key] = config.rules_version
    mod.reminded.pop(key, None)
    await memory.told(ctx, member.uid)
    await ctx.reply(ctx.t("accept.done", version=config.rules_version))
    if first:
        await welcome(ctx, member, where if where is not None and not where.is_direct else None)


async def welcome(ctx: Context, member: User, chat: ChatRef | None) -> None:
    """The community's welcome text (config `welcome`, "{name}" is the member), in the group or by DM."""
    text = ctx.config.welcome.strip()
    if not text:
        return
    text = text.replace("{name}", member.mention)
    if chat is not None:
        await ctx.send(chat, text)
    else:
        await actions.dm_quietly(ctx, member, text)


async def remind(ctx: Context, member: User, key: str) -> None:
    """At most one DM reminder per hour (restricted by the code of conduct, or waiting for approval)."""
    mod = memory.state(ctx)
    slot = (ctx.community.name, member.uid)
    last = mod.reminded.get(slot)
    now = ctx.now()
    if last is not None and now - last < REMINDER_GAP:
        return
    mod.reminded[slot] = now
    if key == "accept":
        await actions.dm_quietly(ctx, member, ctx.t("reminder.accept", rules=ctx.command_word("rules"), accept=ctx.command_word("accept")),
                                 buttons=accept_buttons(ctx))
    else:
        await actions.dm_quietly(ctx, member, ctx.t("reminder.pending"))



async def on_member_joined(event: MemberJoined, ctx: Context) -> None:
    """Without join requests (Discord), a new unverified member is gated by the questionnaire."""
    if event.via_join_request or ctx.capabilities(event.chat.platform).join_requests:
        return
    if ctx.community.role_of(event.member) >= Role.TRUSTED:
        return
    if await store.is_verified(ctx.db, ctx.community.name, event.member.uid):
        return
    await start(ctx, event.member, event.chat)
