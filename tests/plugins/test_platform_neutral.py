"""One conversation, four platforms: plugins never look at the platform's name, only its capabilities.

A poll, a moderation action and a homework reminder behave the same for members on the console, on
Telegram, Discord and WhatsApp; only the rendering differs (a native poll where the platform has one).
"""

from __future__ import annotations

import pytest

from core import DirectMessage, Reply, Restrict, SendPoll, Unrestrict

PLATFORMS = ["console", "telegram", "discord", "whatsapp"]


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_a_poll_collects_the_same_votes_everywhere(make_bot, platform):
    bot = await make_bot(platform=platform, plugins={"polls"})
    for name in ("amina", "bekele", "carla"):
        await bot.send("hello", user=name)
    await bot.send("/poll Which topic next? | Breastfeeding | Newborn care | closes: 2h", user="amina")
    native = bot.actions(SendPoll)
    assert bool(native) == bot.adapter.capabilities.native_polls
    bot.new_messages()
    if native:
        position = bot.adapter.sent.index(native[0]) + 1  # the fake platform numbers what it sent
        await bot.vote(f"poll{position}", [1], user="bekele")
    else:
        await bot.send("/vote 1 2", user="bekele")
    await bot.send("/vote 1 1", user="carla")
    bot.new_messages()
    await bot.advance(hours=2, minutes=1)
    final = "\n".join(m.text for m in bot.new_messages() if isinstance(m, Reply))
    lines = final.splitlines()
    assert lines[0] == "Final results of poll #1: Which topic next?"
    assert lines[1].startswith("1. Breastfeeding") and lines[1].endswith("1 (50%)")
    assert lines[2].startswith("2. Newborn care") and lines[2].endswith("1 (50%)")
    assert lines[3] == "2 votes"


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_a_timed_mute_starts_and_ends_everywhere(make_bot, platform):
    bot = await make_bot(platform=platform, plugins={"moderation"}, moderators=["trainer"])
    await bot.send("hello", user="amina")
    await bot.send("/accept", user="amina")
    await bot.send("/mute @amina 2h shouting", user="trainer")
    mute = bot.actions(Restrict)
    assert len(mute) == 1 and mute[0].user.name == "amina"
    assert not bot.actions(Unrestrict)
    await bot.advance(hours=2, minutes=1)
    assert [a.user.name for a in bot.actions(Unrestrict)] == ["amina"]


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_a_homework_reminder_reaches_only_those_who_have_not_submitted(make_bot, platform):
    bot = await make_bot(platform=platform, plugins={"homework"}, moderators=["trainer"],
                         config={"plugins": {"homework": {"remind_before": ["2h"]}}})
    for name in ("amina", "bekele"):
        await bot.send("hello", user=name)
    await bot.send("/homework add Practise the manikin | due in 1 day | 15 minutes", user="trainer")
    bot.new_messages()
    await bot.send("/done 1 done on night shift", user="amina")
    bot.new_messages()
    await bot.advance(hours=22, minutes=1)
    reminders = [m for m in bot.new_messages() if isinstance(m, DirectMessage)]
    assert [m.user.name for m in reminders] == ["bekele"]
    assert "Practise the manikin" in reminders[0].text
