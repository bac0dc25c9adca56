"""Several workers on one database: what another worker changed reaches this one's memory.

Levels set, confirmed, merged or erased elsewhere move this worker's `levels_version` on (progress
counts are then caught up, not served stale); an erasure elsewhere drops this worker's counters of the
member. Keys are `<community>|<member>` (levels) or the member's uid (erased): ids only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from core import Context
from plugins.leaderboards import store
from plugins.leaderboards.services import scoring


async def levels_changed(ctx: Context, community: str, members: Iterable[str]) -> None:
    """Tell the other workers that these members' levels in `community` changed (in the change's transaction)."""
    await ctx.announce("levels", [f"{community}|{member}" for member in members])


async def changed(ctx: Context, kind: str | None, keys: Sequence[str]) -> None:
    """Another worker's change (`practica_directory_changed`); kind None: anything may have changed."""
    if kind is None:
        for name in ("cooldown", "today", "given"):
            ctx.state.pop(name, None)
        store.levels_changed(ctx.db)
    elif kind == "levels":
        for key in keys:
            community, _, member = key.partition("|")
            store.levels_changed(ctx.db, community, member)
    elif kind == "erased":
        for member in keys:
            scoring.forget_member(ctx, member)
            store.levels_changed(ctx.db, None, member)
