"""Members' data kept by essentials: the member's profiles and linked accounts, and dashboard sessions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core import Context
from core.dashboard import auth as dashboard_auth


async def user_data(member: str, ctx: Context, erase: bool) -> Mapping[str, Any] | None:
    """Export the member's profiles and linked accounts, or erase the profiles and end dashboard sessions."""
    if erase:
        return {"deleted_profiles": await ctx.members.erase(member),
                "ended_dashboard_sessions": await dashboard_auth.end_sessions_of(ctx.db, member)}
    found = await ctx.members.export(member)
    linked = await ctx.identity.export(member)
    return {**found, **linked} if linked else found
