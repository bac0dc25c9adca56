"""Native poll votes and buttons count only from members in good standing of the poll's community."""

from __future__ import annotations

import pytest

from core import SendPoll
from core.testing import Bot
from plugins.moderation.membership import ACCEPT_BUTTON


def poll_ref(bot: Bot) -> str:
    index = next(i for i, a in enumerate(bot.actions()) if isinstance(a, SendPoll))
    return f"poll{index + 1}"


@pytest.mark.parametrize("platform", ["telegram", "discord"])
async def test_native_votes_of_banned_pending_and_unknown_users_are_ignored(make_bot, platform):
    communities = {"cohort7": {"moderators": ["mod7"], "members": ["amina", "spammer"]},
                   "cohort8": {"members": ["visitor"]}}
    bot = await make_bot(platform=platform, plugins={"polls", "moderation"}, communities=communities,
                         config={"plugins": {"moderation": {"verify_joins": True, "questions": ["Cadre?"]}}})
    if platform == "discord":
        await bot.join("newbie", chat="cohort7")  # gated until a moderator approves
    else:
        await bot.join_request("newbie", chat="cohort7")
    await bot.send("/ban @spammer spam", user="mod7", chat="cohort7")
    await bot.send("/poll Best day? | Monday | Friday", user="mod7", chat="cohort7")
    ref = poll_ref(bot)
    for voter in ("amina", "spammer", "newbie", "ghost", "visitor", "practica_bot"):
        await bot.vote(ref, [0], user=bot.user(voter, is_bot=voter == "practica_bot"))
    bot.new_messages()
    await bot.send("/results 1", user="amina", chat="cohort7")
    text = bot.next_reply().text
    assert "1 vote" in text and "2 votes" not in text, text


async def test_buttons_of_a_banned_member_do_nothing(make_bot):
    communities = {"cohort7": {"moderators": ["mod7"], "members": ["amina", "spammer"]}}
    bot = await make_bot(platform="console", plugins={"moderation"}, communities=communities,
                         config={"plugins": {"moderation": {"rules": "Be kind."}}})
    await bot.send("/ban @spammer spam", user="mod7", chat="cohort7")
    bot.new_messages()
    await bot.press(f"{ACCEPT_BUTTON}cohort7", user="spammer", chat="cohort7")
    bot.assert_no_replies()
    await bot.press(f"{ACCEPT_BUTTON}cohort7", user="amina", chat="cohort7")
    assert bot.new_messages()
