"""Core commands: /help, /plugins, /whoami, /lang, /community, /link, /unlink, /mydata, /forgetme, /dashboard."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import core
from core import ButtonPressed, Context, Event, hookimpl
from core.dashboard import auth as dashboard_auth
from plugins.essentials import commands, store
from plugins.essentials.services import community, mydata as data


class Plugin(core.Plugin):
    """Help, plugin list, identity, language and members' data (export and deletion)."""

    commands = commands.ALL
    migrations = store.MIGRATIONS

    @hookimpl
    async def practica_on_event(self, event: Event, ctx: Context) -> None:
        if isinstance(event, ButtonPressed) and event.data.startswith(data.BUTTON_PREFIX):
            await data.on_button(event, ctx)
        elif isinstance(event, ButtonPressed) and event.data.startswith(community.BUTTON_PREFIX):
            await community.on_button(event, ctx)

    @hookimpl
    async def practica_user_data(self, member: str, ctx: Context, erase: bool) -> Mapping[str, Any] | None:
        if erase:
            return {"deleted_profiles": await ctx.members.erase(member),
                    "ended_dashboard_sessions": await dashboard_auth.end_sessions_of(ctx.db, member)}
        found = await ctx.members.export(member)
        linked = await ctx.identity.export(member)
        return {**found, **linked} if linked else found
