"""Shared helpers for the homework conversation tests (fake clock starts Thu 2026-11-26 09:00 UTC,
which is 12:00 in Africa/Addis_Ababa, UTC+3)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from core import DirectMessage, Reply
from core.testing import Bot

MEMBERS = ("amina", "bekele", "chala")


@pytest.fixture
def homework_bot(make_bot):  # type: ignore[no-untyped-def]
    """Factory: a Telegram bot with the homework plugin, a trainer and three members already seen."""

    async def build(settings: dict[str, Any] | None = None, *, platform: str = "telegram",
                    community: dict[str, Any] | None = None, config: dict[str, Any] | None = None,
                    members: Iterable[str] = MEMBERS, **kwargs: Any) -> Bot:
        raw = {"plugins": {"homework": {"digest": "", **(settings or {})}}, **(config or {})}
        bot = await make_bot(platform=platform, plugins={"homework"}, moderators=["trainer"], config=raw,
                             community={"timezone": "Africa/Addis_Ababa", **(community or {})}, **kwargs)
        for name in (*members, "trainer"):
            await bot.send("hello", user=name)
        bot.new_messages()
        return bot

    return build


def post_id(bot: Bot, text_start: str = "Homework #") -> str:
    """The message id the fake adapter gave the latest group post starting with `text_start`."""
    found = None
    for index, action in enumerate(bot.actions()):
        if isinstance(action, Reply) and action.text.startswith(text_start):
            found = f"m{index + 1}"
    assert found is not None, "no such post"
    return found


def reminders(messages: Iterable[Reply | DirectMessage]) -> dict[str, int]:
    """{member id: number of reminder DMs} among `messages`."""
    out: dict[str, int] = {}
    for m in messages:
        if isinstance(m, DirectMessage) and m.text.startswith(("Reminder", "Rappel")):
            out[m.user.id] = out.get(m.user.id, 0) + 1
    return out


def group_texts(messages: Iterable[Reply | DirectMessage]) -> list[str]:
    return [m.text for m in messages if isinstance(m, Reply)]

