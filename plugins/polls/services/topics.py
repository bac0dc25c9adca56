"""Demand polls: `/poll topics` asks the topics provider (the resources plugin) for the most frequent
unanswered questions (the `practica_frequent_topics` question hook) and turns the answer into a poll."""

from __future__ import annotations

from typing import Any

from core import ChatRef, CommandContext, Context, UsageError
from plugins.polls import store
from plugins.polls.services import lifecycle
from plugins.polls.logic import Draft, Poll, fold

TOPIC_WORDS = ("topics", "topic", "sujets", "sujet", "themes", "theme")


def is_topics_request(text: str) -> bool:
    return fold(text) in TOPIC_WORDS


async def request(ctx: CommandContext) -> None:
    """Handle `/poll topics`: explain what is missing, or ask the topics provider and post the poll.

    One topic poll at a time per community: the checks and the new poll are one unit of work, so two
    chats asking at the same moment are served one after the other; the second one is told the first
    one's poll is on its way (until it is posted), then that it is open.
    """
    cfg = ctx.config
    chat, user = ctx.chat, ctx.user
    if not ctx.bot.plugin_enabled(cfg.topics_provider):
        raise UsageError(ctx.t("topics.missing", provider=cfg.topics_provider))
    if await _already_open(ctx, chat):
        return
    if await _topic_poll(ctx, await store.unposted_polls(ctx.db, ctx.community.name)) is not None:
        await ctx.reply(ctx.t("topics.preparing"))
        return
    await ctx.reply(ctx.t("topics.asked"))
    limit = min(cfg.topics_limit, cfg.max_options)
    topics = _clean(await ctx.ask("practica_frequent_topics", limit=limit), limit, cfg.max_option_length)
    if len(topics) < 2:
        await ctx.send(chat, ctx.t("topics.not_enough"))
        return
    duration = cfg.span("topics_duration")
    draft = Draft(question=ctx.t("topics.question"), options=tuple(topics))
    await lifecycle.create_poll(ctx, draft, chat=chat, author=user, close_at=ctx.now() + duration if duration else None)


async def open_topics_poll(ctx: Context) -> Poll | None:
    """The community's open topic poll, if any: one at a time, so votes are not split between copies.
    A topic poll is recognised by its question, in any language the bot speaks."""
    return await _topic_poll(ctx, await store.open_polls(ctx.db, ctx.community.name))


async def _topic_poll(ctx: Context, polls: list[Poll]) -> Poll | None:
    """The first of `polls` that is a topic poll and not past its closing time."""
    languages = {*ctx.bot.languages, ctx.community.locale}
    questions = {ctx.t_for(lang, "topics.question") for lang in languages}
    now = ctx.now()
    return next((poll for poll in polls if poll.question in questions and not lifecycle.is_closed(poll, now)), None)


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
