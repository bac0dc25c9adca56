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


@pytest.fixture
def cohort_bot(make_bot):  # type: ignore[no-untyped-def]
    """`bot = await cohort_bot(platform, locale, plugins=..., **moderation_config)`: a named community `cohort7`
    (groups g1..g3, a review chat and a log chat) with moderators trainer and nurse2."""

    async def build(platform: str = "telegram", locale: str = "en", *, plugins: set[str] | None = None,
                    timezone: str = "UTC", **settings: Any):  # type: ignore[no-untyped-def]
        settings.setdefault("verify_joins", False)
        cohort = {"chats": [f"{platform}:g1", f"{platform}:g2", f"{platform}:g3"], "locale": locale,
                  "timezone": timezone, "review_chat": f"{platform}:review", "log_chat": f"{platform}:log",
                  "moderators": [f"{platform}:trainer", f"{platform}:nurse2"]}
        return await make_bot(platform=platform, plugins={"moderation", *(plugins or ())},
                              config={"plugins": {"moderation": settings}, "communities": {"cohort7": cohort}})

    return build


def chat(bot, name: str):  # type: ignore[no-untyped-def]
    """A group or the review/log chat of the cohort by its short name."""
    from core import ChatRef

    return ChatRef(platform=bot.platform, id=name, kind="group", title=name)
