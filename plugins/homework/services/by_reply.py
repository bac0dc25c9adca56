"""Submissions by reply: a reply (text, photo, voice note...) to an assignment's post counts as handing it in.

Runs for every message, so the check is in memory: (chat, replied-to message id) -> assignment id.
"""

from __future__ import annotations

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
