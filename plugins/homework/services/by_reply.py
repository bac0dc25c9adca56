"""Submissions by reply: a reply (text, photo, voice note...) to an assignment's post counts as handing it in.

Runs for every message, so the check is in memory: (chat, replied-to message id) -> assignment id,
kept current across several workers (the worker that posted announces it: `posted_elsewhere`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from core import Context, MessageEvent
from plugins.homework import store
from plugins.homework.commands import outcome_text
from plugins.homework.services.submissions import record

LATE_WINDOW = timedelta(days=30)
"""After a restart, posts of assignments due up to this long ago still take (late) replies."""


async def load_posts(ctx: Context) -> None:
    posts: dict[tuple[str, str], int] = ctx.state.setdefault("posts", {})
    for chat_key, message_id, assignment_id in await store.posted_messages(ctx.db, ctx.now() - LATE_WINDOW):
        posts[(chat_key, message_id)] = assignment_id


async def posted_elsewhere(ctx: Context, kind: str | None, assignment_ids: Sequence[str]) -> None:
    """Several workers: another worker posted these assignments (kind None: anything may have changed),
    so that a reply to the post is a submission whichever worker handles it."""
    if kind is None:  # posts are only ever added (a reply to a closed assignment is checked): read them all again
        await load_posts(ctx)
        return
    posts: dict[tuple[str, str], int] = ctx.state.setdefault("posts", {})
    for assignment_id in assignment_ids:
        a = await store.get_assignment(ctx.db, int(assignment_id))
        if a is not None and a.message_id:
            posts[(f"{a.chat_platform}:{a.chat_id}", a.message_id)] = a.id


async def on_message(event: MessageEvent, ctx: Context) -> None:
    replied = event.reply_to
    if replied is None:
        return
    posts = ctx.state.get("posts")
    if not posts:
        return
    assignment_id = posts.get((event.chat.key, replied.message_id))
    if assignment_id is None:
        return
    a = await store.get_assignment(ctx.db, assignment_id)
    if a is None or a.status != "open" or a.community != ctx.community.name:
        return
    attachment = event.attachments[0].kind if event.attachments else None
    outcome = await record(ctx, a, event.author, via="reply", attachment=attachment)
    if outcome.first:
        await ctx.reply(outcome_text(ctx, a, outcome))
