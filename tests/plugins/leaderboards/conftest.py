"""Shared helpers: stand-ins for the domain events other plugins emit (matched by class name)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from core import DomainEvent, User


@dataclass(frozen=True, slots=True, kw_only=True)
class HomeworkSubmitted(DomainEvent):
    member: User
    assignment_id: int
    on_time: bool
    module: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class QuizAnswered(DomainEvent):
    member: User
    poll_id: int
    correct: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class ResourceVerified(DomainEvent):
    member: User
    item_id: int
    verified_by: User


MODULES = {"pph": "PPH", "sepsis": "Sepsis"}


@pytest.fixture
def lb(make_bot):
    """`await lb(**plugin_settings, community=..., ...)`: a bot with only the leaderboards plugin."""

    async def build(*, community=None, platform="telegram", extra_plugins=None, **settings):
        plugins = {"leaderboards", *(extra_plugins or {})}
        bot = await make_bot(platform=platform, plugins=plugins, moderators=["trainer"],
                             config={"plugins": {"leaderboards": settings}}, community=community,
                             extra_plugins=extra_plugins)
        return bot

    return build


async def greet(bot, *names):
    """Members say hello so the member directory knows them (no points: activity is off)."""
    for name in names:
        await bot.send("hello", user=name)
    bot.new_messages()
