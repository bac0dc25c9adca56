"""Members' data of homework: submissions, quiet hours and snoozes (export and erase)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core import Context
from plugins.homework import store


async def user_data(member: str, ctx: Context, erase: bool) -> Mapping[str, Any] | None:
    """Export what homework stores about `member` (None: nothing), or erase it."""
    if erase:
        return await store.erase_member(ctx.db, member)
    found = await store.export_member(ctx.db, member)
    return found if any(found.values()) else None
