"""Helpers for the resources plugin's conversation tests."""

from __future__ import annotations

from typing import Any

import pytest

from core import Attachment, DomainEvent, Event, hookimpl


class Recorder:
    """A tiny extra plugin: records every domain event it sees."""

    def __init__(self) -> None:
        self.events: list[Any] = []

    @hookimpl
    async def practica_on_event(self, event: Event, ctx: Any) -> None:
        if isinstance(event, DomainEvent):
            self.events.append(event)

    def named(self, name: str) -> list[Any]:
        return [e for e in self.events if type(e).__name__ == name]


@pytest.fixture
def library_bot(make_bot):
    """`await library_bot(**config)`: a Telegram bot with the resources plugin and a trainer moderator."""

    async def build(platform: str = "telegram", community: dict[str, Any] | None = None,
                    extra: dict[str, Any] | None = None, **config: Any):
        return await make_bot(platform=platform, plugins={"resources"}, moderators=["trainer"],
                              config={"plugins": {"resources": config}}, community=community, extra_plugins=extra)

    return build


def pdf(ref: str = "FILE-1", name: str = "oxytocin_protocol.pdf", size: int = 1_468_006) -> Attachment:
    return Attachment(kind="document", file_ref=ref, name=name, size=size, mime="application/pdf")


async def save(bot: Any, text: str, **kwargs: Any) -> int:
    """Send a /save command and return the new item's number from the bot's answer."""
    await bot.send(text, **kwargs)
    reply = bot.next_reply().text
    assert "#" in reply, reply
    return int(reply.split("#", 1)[1].split()[0].rstrip(":"))
