"""Demand polls: `/poll topics` asks the topics provider (the resources plugin) for the most frequent
unanswered questions over the bus, and turns its `TopicsSuggested` answer into a poll."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from core import ChatRef, CommandContext, Context, DomainEvent, UsageError, User
from plugins.polls import service, store
from plugins.polls.events import TopicsRequested
from plugins.polls.logic import Draft, Poll, fold

PENDING = "topics_pending"
PENDING_TTL = timedelta(minutes=10)
TOPIC_WORDS = ("topics", "topic", "sujets", "sujet", "themes", "theme")


def is_topics_request(text: str) -> bool:
    return fold(text) in TOPIC_WORDS


def _pending(ctx: Context) -> dict[str, dict[str, Any]]:
    """request id -> {chat, user, at}; in memory: after a restart a member simply asks again."""
    return ctx.state.setdefault(PENDING, {})


async def request(ctx: CommandContext) -> None:
    """Handle `/poll topics`: explain what is missing, or ask the provider."""
    cfg = ctx.config
    chat, user = ctx.chat, ctx.user
    if not ctx.bot.plugin_enabled(cfg.topics_provider):
        raise UsageError(ctx.t("topics.missing", provider=cfg.topics_provider))
    if await _already_open(ctx, chat):
        return
    pending = _pending(ctx)
    now = ctx.now()
    for stale in [rid for rid, item in pending.items() if now - item["at"] > PENDING_TTL]:
        del pending[stale]
    if any(item["community"] == ctx.community.name for item in pending.values()):
        # Another chat of the community asked a moment ago; its poll is on its way (no await
        # between this check and the registration below, so two requests cannot both pass).
        await ctx.reply(ctx.t("topics.preparing"))
        return
    request_id = secrets.token_hex(8)
    pending[request_id] = {"chat": chat, "user": user, "at": now, "community": ctx.community.name}
    await ctx.reply(ctx.t("topics.asked"))
    await ctx.emit(TopicsRequested(community=ctx.community.name, request_id=request_id,
                                   limit=min(cfg.topics_limit, cfg.max_options), chat=chat, requested_by=user))


async def open_topics_poll(ctx: Context) -> Poll | None:
    """The community's open topic poll, if any: one at a time, so votes are not split between copies.
    A topic poll is recognised by its question, in any language the bot speaks."""
    languages = {*ctx.bot.languages, ctx.community.locale}
    questions = {ctx.t_for(lang, "topics.question") for lang in languages}
    now = ctx.now()
    for poll in await store.open_polls(ctx.db, ctx.community.name):
        if poll.question in questions and not service.is_closed(poll, now):
            return poll
    return None


async def _already_open(ctx: Context, chat: ChatRef) -> bool:
    """Say so in `chat` when a topic poll is open already (pointing at it), and return True."""
    poll = await open_topics_poll(ctx)
    if poll is None:
        return False
    text = ctx.t("topics.already_open", id=poll.id, results=f"{ctx.bot.prefix}results")
    if poll.close_at is not None:
        text += " " + ctx.t("poll.closes", when=ctx.format_time(poll.close_at))
    if ctx.chat is not None and ctx.chat.key == chat.key and ctx.message is not None:
        await ctx.reply(text)
    else:
        await ctx.send(chat, text)
    return True


def _clean(topics: Any, limit: int, max_length: int) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for topic in topics if isinstance(topics, (list, tuple)) else ():
        if not isinstance(topic, str):
            continue
        text = " ".join(topic.replace("|", "/").split())
        if len(text) > max_length:
            text = text[: max_length - 1].rstrip() + "…"
        key = fold(text)
        if text and key not in seen:
            seen.add(key)
            out.append(text)
        if len(out) >= limit:
            break
    return out


async def on_suggested(event: DomainEvent, ctx: Context) -> None:
    """A `TopicsSuggested` answer: build the poll in the chat that asked, if the request is ours."""
    request_id = getattr(event, "request_id", None)
    item = _pending(ctx).pop(request_id, None) if isinstance(request_id, str) else None
    if item is None or item["community"] != ctx.community.name:
        return
    cfg = ctx.config
    chat: ChatRef = item["chat"]
    author: User = item["user"]
    topics = _clean(getattr(event, "topics", ()), min(cfg.topics_limit, cfg.max_options), cfg.max_option_length)
    if len(topics) < 2:
        await ctx.send(chat, ctx.t("topics.not_enough"))
        return
    if await _already_open(ctx, chat):  # another chat of the community asked meanwhile
        return
    duration = cfg.topics_duration_delta
    draft = Draft(question=ctx.t("topics.question"), options=tuple(topics))
    await service.create_poll(ctx, draft, chat=chat, author=author, close_at=ctx.now() + duration if duration else None)
