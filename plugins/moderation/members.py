"""Members' data of moderation: cases, join requests, acceptances, appeals, held messages (export and erase)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core import Context
from plugins.moderation import store
from plugins.moderation.services import memory
from plugins.moderation.store import held as held_store


async def user_data(member: str, ctx: Context, erase: bool) -> Mapping[str, Any] | None:
    """Export what moderation stores about `member`, or erase it (and what the hot path keeps in memory)."""
    if not erase:
        found = await store.export_member(ctx.db, member)
        held_messages = await held_store.export_member(ctx.db, member)
        if held_messages:
            found["held_messages"] = held_messages
        return found or None
    summary = await store.erase_member(ctx.db, member)
    summary["held_messages"] = await held_store.erase_member(ctx.db, member)
    await memory.erased(ctx, member)
    return summary
