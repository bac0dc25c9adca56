"""Shared helpers. The domain events other plugins emit are core's (core.domain_events), imported
here from core like the plugins that emit them do."""

from __future__ import annotations

import pytest

from core import HomeworkSubmitted, QuizAnswered, ResourceVerified

__all__ = ["HomeworkSubmitted", "MODULES", "QuizAnswered", "ResourceVerified", "lb"]


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
