"""Helpers for the moderation conversation tests."""

from __future__ import annotations

from typing import Any

import pytest

from core import Context, MessageEvent, hookimpl


class Probe:
    """A tiny extra plugin recording which messages reached `practica_on_message` listeners."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    @hookimpl
    async def practica_on_message(self, event: MessageEvent, ctx: Context) -> None:
        self.seen.append(event.text)


@pytest.fixture
def mod_bot(make_bot):  # type: ignore[no-untyped-def]
    """`bot, probe = await mod_bot(platform, **moderation_config)` with trainer/nurse2 moderators, boss admin."""

    async def build(platform: str = "telegram", *, community: dict[str, Any] | None = None, **settings: Any):  # type: ignore[no-untyped-def]
        probe = Probe()
        settings.setdefault("verify_joins", True)
        bot = await make_bot(platform=platform, plugins={"moderation"}, moderators=["trainer", "nurse2"], admins=["boss"],
                             trusted=["senior"], config={"plugins": {"moderation": settings}},
                             community=community or {}, extra_plugins={"probe": probe})
        return bot, probe

    return build
