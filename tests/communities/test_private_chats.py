"""A private chat acts in its member's community: the only one, the one chosen with /community, else default."""

from __future__ import annotations

import pytest

from core import ApproveJoin, DeleteMessage, DirectMessage, Reply, Role
from core.testing import Bot

PLATFORMS = ["console", "telegram", "discord"]


def two_cohorts(**extra7: object) -> dict[str, dict[str, object]]:
    """cohort7 (Addis Ababa time) and cohort8 (French, Paris time); mod1 moderates both, bekele is in
    cohort7, chala in both."""
    return {"cohort7": {"moderators": ["mod1"], "timezone": "Africa/Addis_Ababa", "members": ["bekele", "chala"], **extra7},
            "cohort8": {"moderators": ["mod1"], "locale": "fr", "timezone": "Europe/Paris", "members": ["chala"]}}


async def whoami(bot: Bot, user: str) -> str:
    await bot.send("/whoami", user=user, chat="dm")
    return bot.next_reply().text


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_a_private_chat_acts_in_the_members_only_community(make_bot, platform):
    bot = await make_bot(platform=platform, plugins=set(), communities=two_cohorts())
    assert "member in the community cohort7" in await whoami(bot, "bekele")
    assert "moderator in the community cohort7" in await whoami(bot, "mod1")
    assert "member in the community default" in await whoami(bot, "stranger")


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_a_member_of_two_switches_with_community_and_it_is_remembered(make_bot, platform):
    bot = await make_bot(platform=platform, plugins=set(), communities=two_cohorts())
    await bot.send("/community", user="mod1", chat="dm")
    listing = bot.next_reply()
    assert "acts in the community cohort7" in listing.text and "cohort7, cohort8" in listing.text
    await bot.press(bot.buttons(listing)["cohort8"], user="mod1", chat="dm")
    assert "communauté cohort8, où vous êtes modérateur" in bot.next_reply().text  # cohort8 speaks French
    assert "modérateur dans la communauté cohort8" in await whoami(bot, "mod1")
    await bot.restart()
    assert "communauté cohort8" in await whoami(bot, "mod1")
    await bot.send("/community cohort7", user="mod1", chat="dm")
    assert "acts in the community cohort7, where you are moderator" in bot.next_reply().text


async def test_community_refuses_one_the_member_is_not_in_and_forged_buttons(make_bot, caplog):
    bot = await make_bot(platform="telegram", plugins=set(), communities=two_cohorts())
    await bot.send("/community cohort8", user="bekele", chat="dm")
    assert "not a member of the community 'cohort8'. Yours: cohort7" in bot.next_reply().text
    await bot.press("essentials:community:cohort8", user="bekele", chat="dm")
    bot.assert_no_replies()
    assert "member in the community cohort7" in await whoami(bot, "bekele")
    assert "does not belong to" in caplog.text


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_moderator_approves_a_join_request_from_a_private_chat(make_bot, platform):
    bot = await make_bot(platform=platform, plugins={"moderation"}, communities=two_cohorts(),
                         config={"plugins": {"moderation": {"verify_joins": True, "questions": ["Cadre?"]}}})
    if bot.adapter.capabilities.join_requests:
        await bot.join_request("amina", chat="cohort7")
    else:  # Discord: in the server, gated until approved
        await bot.join("amina", chat="cohort7")
    await bot.send("midwife", user="amina", chat="dm")
    to_mod = [m for m in bot.new_messages() if isinstance(m, DirectMessage) and m.user.id == "mod1"]
    assert to_mod and "/approve 1" in to_mod[0].text
    await bot.send("/community cohort8", user="mod1", chat="dm")  # the other community: still works on cohort7's request
    bot.new_messages()
    await bot.send("/approve 1", user="mod1", chat="dm")
    texts = [m.text for m in bot.new_messages()]
    assert any("approved" in t and "#1" in t for t in texts), texts
    if bot.adapter.capabilities.join_requests:
        assert [(a.user.id, a.chat.key) for a in bot.actions(ApproveJoin)] == [("amina", f"{platform}:g-cohort7")]


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_moderator_reviews_cases_and_appeals_from_a_private_chat(make_bot, platform):
    bot = await make_bot(platform=platform, plugins={"moderation"}, communities=two_cohorts())
    await bot.send("/warn @bekele be kind", user="mod1", chat="cohort7")
    bot.new_messages()
    await bot.send("/cases @bekele", user="mod1", chat="dm")
    assert "bekele" in bot.next_reply().text
    await bot.send("/case 1", user="mod1", chat="dm")
    assert "be kind" in bot.next_reply().text
    await bot.send("/appeal 1 I was kind", user="bekele", chat="dm")
    bot.new_messages()
    await bot.send("/appeals", user="mod1", chat="dm")
    assert "I was kind" in bot.next_reply().text


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_accept_in_a_private_chat_counts_in_the_members_community(make_bot, platform):
    bot = await make_bot(platform=platform, plugins={"moderation"}, communities=two_cohorts(),
                         config={"plugins": {"moderation": {"rules": "Be kind."}}})
    await bot.send("/accept", user="bekele", chat="dm")
    bot.new_messages()
    message = await bot.send("hello all", user="bekele", chat="cohort7")
    assert not any(getattr(a, "message_id", None) == message.id for a in bot.actions(DeleteMessage))


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_done_in_a_private_chat_shows_the_communitys_local_time(make_bot, platform):
    bot = await make_bot(platform=platform, plugins={"homework"}, communities=two_cohorts(),
                         config={"plugins": {"homework": {"digest": "", "remind_before": []}}})
    await bot.send("/homework add Manikin | due in 1 day", user="mod1", chat="cohort7")  # Fri 27 Nov, 12:00 in Addis Ababa
    bot.new_messages()
    await bot.advance(days=2)
    bot.new_messages()
    await bot.send("/done 1", user="bekele", chat="dm")
    text = bot.next_reply().text
    assert "recorded as late" in text and "12:00" in text and "09:00" not in text


async def test_a_telegram_group_admin_keeps_the_role_in_a_private_chat(make_bot):
    bot = await make_bot(platform="telegram", plugins=set(), communities=two_cohorts())
    bot.set_platform_role("bekele", Role.ADMIN)
    assert "admin in the community cohort7" in await whoami(bot, "bekele")


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_a_moderator_of_both_works_on_the_community_chosen(make_bot, platform):
    """Case #1 of cohort7 (bekele) and case #1 of cohort8 (chala): the private chat shows the chosen one's."""
    bot = await make_bot(platform=platform, plugins={"moderation"}, communities=two_cohorts())
    await bot.send("/warn @bekele be kind", user="mod1", chat="cohort7")
    await bot.send("/warn @chala reste courtois", user="mod1", chat="cohort8")
    bot.new_messages()
    await bot.send("/community cohort7", user="mod1", chat="dm")
    bot.new_messages()
    await bot.send("/case 1", user="mod1", chat="dm")
    assert "be kind" in bot.next_reply().text
    await bot.send("/cases @chala", user="mod1", chat="dm")
    assert "courtois" not in bot.next_reply().text  # chala has no case in cohort7
    await bot.send("/community cohort8", user="mod1", chat="dm")
    bot.new_messages()
    await bot.send("/case 1", user="mod1", chat="dm")
    text = bot.next_reply().text
    assert "reste courtois" in text and "be kind" not in text
    await bot.send("/cases @chala", user="mod1", chat="dm")
    assert "reste courtois" in bot.next_reply().text


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_a_member_of_both_hands_in_each_communitys_homework_in_its_local_time(make_bot, platform):
    """Due Fri 27 Nov 09:00 UTC: 12:00 in Addis Ababa (cohort7), 10:00 in Paris (cohort8), whichever
    community chala's private chat acts in."""
    bot = await make_bot(platform=platform, plugins={"homework"}, communities=two_cohorts(),
                         config={"plugins": {"homework": {"digest": "", "remind_before": []}}})
    await bot.send("/homework add Manikin | due in 1 day", user="mod1", chat="cohort7")  # homework #1
    await bot.send("/homework add Partogramme | due in 1 day", user="mod1", chat="cohort8")  # homework #2
    await bot.send("/community cohort7", user="chala", chat="dm")
    bot.new_messages()
    await bot.send("/homework", user="chala", chat="dm")
    listing = bot.next_reply().text
    assert "Manikin" in listing and "Partogramme" in listing and "12:00" in listing and "10:00" in listing, listing
    await bot.advance(days=2)
    bot.new_messages()
    await bot.send("/done 2", user="chala", chat="dm")
    text = in_private(bot)
    assert "recorded as late" in text and "10:00" in text and "12:00" not in text and "09:00" not in text, text
    await bot.send("/done 1", user="chala", chat="dm")
    text = in_private(bot)
    assert "recorded as late" in text and "12:00" in text and "10:00" not in text, text


def in_private(bot: Bot) -> str:
    """The answer in the private chat (a group may hear about the hand-in too)."""
    return next(m.text for m in bot.new_messages() if isinstance(m, Reply) and m.chat.is_direct)
