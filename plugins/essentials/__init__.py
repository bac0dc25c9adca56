"""Core commands: /help, /plugins, /whoami, /lang, /community, /link, /unlink, /mydata, /forgetme, /dashboard."""

from __future__ import annotations

import core
from core import ButtonPressed, Context, Event, hookimpl
from plugins.essentials.services import community, mydata


class Plugin(core.Plugin):
    """Help, plugin list, identity, language and members' data (export and deletion)."""

    @hookimpl
    async def practica_on_event(self, event: Event, ctx: Context) -> None:
        if isinstance(event, ButtonPressed) and event.data.startswith(mydata.BUTTON_PREFIX):
            await mydata.on_button(event, ctx)
        elif isinstance(event, ButtonPressed) and event.data.startswith(community.BUTTON_PREFIX):
            await community.on_button(event, ctx)
