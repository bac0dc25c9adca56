"""Members' data of leaderboards: the points ledger, levels and profile (export and erase)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core import Context
from plugins.leaderboards import store
from plugins.leaderboards.services import scoring


async def user_data(member: str, ctx: Context, erase: bool) -> Mapping[str, Any] | None:
    """Export what leaderboards store about `member`, or erase it (and what scoring keeps in memory)."""
    if not erase:
        return await store.export(ctx.db, member)
    scoring.forget_member(ctx, member)
    erased = await store.erase(ctx.db, member)
    await ctx.announce("erased", [member])  # other workers forget their counters and levels of the member
    return erased
