"""Question insights: log question-like messages and searches (batched), /faq, and topic suggestions.

Off unless `insights = true` for the community. Rows are buffered in memory (`ctx.state`) and written
with one executemany when the buffer fills, from a periodic job, before /faq and at shutdown, so an
ordinary message never costs a database statement. A daily job deletes rows older than
`retention_days`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from core import Context, Job, MessageEvent, to_utc_text
from plugins.resources import logic, store
from plugins.resources.services import search
from plugins.resources.services import topics as topics_

FLUSH_JOB = "flush"
PURGE_JOB = "purge"
FLUSH_RRULE = "FREQ=MINUTELY;INTERVAL=5"
PURGE_RRULE = "FREQ=DAILY;BYHOUR=3;BYMINUTE=30"
MAX_TOPIC_LIMIT = 20
MAX_CHECKED = 60  # topics checked against the library (one small FTS query each), most asked first


def _buffer(ctx: Context) -> list[tuple[Any, ...]]:
    buffer = ctx.state.get("questions")
    if buffer is None:
        buffer = ctx.state["questions"] = []
    return buffer


async def on_message(event: MessageEvent, ctx: Context) -> None:
    """Hot path: buffer the message when it looks like a question (no I/O unless the buffer is full)."""
    text = event.text
    if not text or not logic.is_question(text):
        return
    buffer = _buffer(ctx)
    buffer.append((ctx.community.name, event.author.uid, text, "message", None, to_utc_text(event.timestamp)))
    if len(buffer) >= ctx.config.flush_batch:
        await flush(ctx)


async def log_search(ctx: Context, query: str, results: int) -> None:
    """Record a search (with its number of results) when insights are on."""
    config = ctx.config
    if not config.insights or ctx.user is None:
        return
    buffer = _buffer(ctx)
    buffer.append((ctx.community.name, ctx.user.uid, query[: logic.QUESTION_MAX_CHARS], "search", results, to_utc_text(ctx.now())))
    if len(buffer) >= config.flush_batch:
        await flush(ctx)


async def flush(ctx: Context) -> int:
    """Write the buffered rows in one statement; returns how many were written."""
    buffer = ctx.state.get("questions")
    if not buffer:
        return 0
    rows = list(buffer)
    buffer.clear()
    try:
        await store.insert_questions(ctx.db, rows)
    except Exception:
        buffer[:0] = rows  # keep them for the next flush
        raise
    return len(rows)


def drop_buffered(ctx: Context, uid: str) -> int:
    """Forget the buffered rows of one member (erase); returns how many."""
    buffer = _buffer(ctx)
    kept = [row for row in buffer if row[1] != uid]
    dropped = len(buffer) - len(kept)
    buffer[:] = kept
    return dropped


async def schedule_jobs(ctx: Context) -> None:
    """The periodic flush and the daily retention purge (one of each, whatever the communities)."""
    await ctx.jobs.schedule(FLUSH_JOB, ctx.now() + timedelta(minutes=5), key="resources:flush", rrule=FLUSH_RRULE, tz="UTC")
    await ctx.jobs.schedule(PURGE_JOB, ctx.now() + timedelta(days=1), key="resources:purge", rrule=PURGE_RRULE)


async def flush_job(ctx: Context, job: Job) -> None:
    await flush(ctx)


async def purge_job(ctx: Context, job: Job) -> None:
    """Delete logged questions older than each community's `retention_days`."""
    await flush(ctx)
    now = ctx.now()
    names = []
    deleted = 0
    for cctx in ctx.communities(enabled_only=False):  # retention holds where the plugin was turned off too
        names.append(cctx.community.name)
        cutoff = to_utc_text(now - timedelta(days=cctx.config.retention_days))
        deleted += await store.purge_questions(ctx.db, cctx.community.name, cutoff)
    default_days = ctx.config.retention_days
    deleted += await store.purge_questions(ctx.db, None, to_utc_text(now - timedelta(days=default_days)), keep=names)
    if deleted:
        ctx.log.info("retention: deleted %d logged question(s)", deleted)


# --- reading the insights ------------------------------------------------------------------------


@dataclass(frozen=True)
class Ranked:
    """A question topic and whether the library answers it now."""

    topic: topics_.Topic
    answered: bool


async def ranked_topics(ctx: Context, days: int) -> list[Ranked]:
    """The question topics of the last `days` days: those the library does not answer first, each
    part by distinct askers. Questions and searches (found or not) are grouped together; greetings
    and noise are dropped (see plugins/resources/topics.py)."""
    await flush(ctx)
    config = ctx.config
    since = to_utc_text(ctx.now() - timedelta(days=days))
    rows = await store.questions_since(ctx.db, ctx.community.name, since)
    entries = [topics_.Asked(text=r[0], member=r[3], source=r[1], results=r[2]) for r in reversed(rows)]  # oldest first
    glossary = topics_.Glossary.build(*search.compile_synonyms(config.synonyms))
    # Pure CPU work (about 1 s for 5000 distinct questions): off the event loop.
    grouped = await asyncio.to_thread(topics_.group, entries, glossary=glossary, threshold=config.faq_similarity / 100,
                                      language=ctx.community.locale.split("-")[0])
    out: list[Ranked] = []
    for topic in grouped[:MAX_CHECKED]:
        concepts = [glossary.phrases(c) for c in topic.core]
        out.append(Ranked(topic, await search.answers(ctx.db, ctx.community.name, concepts)))
    out.sort(key=lambda r: r.answered)  # stable: by askers within each part
    return out


async def unanswered(ctx: Context, days: int, limit: int) -> list[str]:
    """The wordings of the most asked topics the library does not answer yet, at most `limit`."""
    return [r.topic.wording for r in await ranked_topics(ctx, days) if not r.answered][:limit]


async def frequent_topics(ctx: Context, limit: int) -> tuple[str, ...]:
    """The answer to `practica_frequent_topics` (a demand poll): the most asked unanswered questions,
    at most `limit` (empty when insights are off)."""
    if not ctx.config.insights:
        return ()
    return tuple(await unanswered(ctx, ctx.config.faq_days, max(1, min(MAX_TOPIC_LIMIT, limit))))
