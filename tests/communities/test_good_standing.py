"""Native poll votes and buttons count only from members in good standing of the poll's community."""

from __future__ import annotations

import logging

import pytest

from core import ButtonPressed, Context, DirectMessage, Event, PollVote, ReactionAdded, SendPoll, hookimpl
from core.testing import Bot
from plugins.moderation.services.membership import ACCEPT_BUTTON


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
    (notice,) = bot.new_messages()  # only a private word that the press did nothing, no acceptance
    assert isinstance(notice, DirectMessage) and notice.user.id == "spammer" and "did nothing" in notice.text
    await bot.press(f"{ACCEPT_BUTTON}cohort7", user="spammer", chat="cohort7")
    bot.assert_no_replies()  # pressing again is not answered again (once per 10 minutes)
    await bot.advance(minutes=11)
    await bot.press(f"{ACCEPT_BUTTON}cohort7", user="spammer", chat="cohort7")
    assert [m.user.id for m in bot.new_messages() if isinstance(m, DirectMessage)] == ["spammer"]
    await bot.press(f"{ACCEPT_BUTTON}cohort7", user="amina", chat="cohort7")
    assert bot.new_messages()


@pytest.mark.parametrize("platform", ["telegram", "discord"])
async def test_a_stranger_pressing_a_groups_button_is_told_privately_in_their_language(make_bot, platform):
    communities = {"cohort8": {"moderators": ["mod8"], "members": ["amina"], "locale": "fr"}}
    bot = await make_bot(platform=platform, plugins={"moderation"}, communities=communities,
                         config={"plugins": {"moderation": {"rules": "Soyez bienveillants."}}})
    bot.new_messages()
    await bot.press(f"{ACCEPT_BUTTON}cohort8", user="ghost", chat="cohort8")
    (notice,) = bot.new_messages()
    assert isinstance(notice, DirectMessage) and notice.user.id == "ghost"
    assert notice.text.startswith("Votre appui sur ce bouton n'a rien fait")


def cohort7_and_8() -> dict[str, dict[str, object]]:
    """cohort7 (mod7, amina, chala, dawit) and cohort8 (mod8, dawit: a member of both)."""
    return {"cohort7": {"moderators": ["mod7"], "members": ["amina", "chala", "dawit"]},
            "cohort8": {"moderators": ["mod8"], "members": ["dawit"]}}


async def results(bot: Bot) -> str:
    bot.new_messages()
    await bot.send("/results 1", user="amina", chat="cohort7")
    return bot.next_reply().text


@pytest.mark.parametrize("platform", ["console", "telegram", "discord"])
async def test_a_muted_member_takes_part_again_only_when_the_mute_ends(make_bot, platform):
    """Muted = cannot take part while muted: no native vote, no /vote (not even from a private chat),
    no poll pick; erasing one's own data still works; votes count again once the mute is over."""
    bot = await make_bot(platform=platform, plugins={"polls", "moderation"}, communities=cohort7_and_8())
    await bot.send("/mute @chala 1h noise", user="mod7", chat="cohort7")
    await bot.send("/poll Best day? | Monday | Friday", user="mod7", chat="cohort7")
    if bot.actions(SendPoll):
        await bot.vote(poll_ref(bot), [0], user="chala")
        assert "0 votes" in await results(bot)
    bot.new_messages()
    await bot.send("/vote 1 1", user="chala", chat="dm")
    answer = bot.next_reply().text
    assert "cannot vote" in answer and "recorded" not in answer, answer
    await bot.send("/polls", user="chala", chat="dm")
    pickers = [m for m in bot.new_messages() if m.buttons]
    if pickers:
        await bot.press(bot.buttons(pickers[0])["Monday"], user="chala", chat="dm")
        assert "cannot vote" in bot.next_reply().text
    assert "0 votes" in await results(bot)
    await bot.send("/forgetme", user="chala", chat="dm")  # one's own data is not taking part
    ask = bot.next_reply()
    cancel = next(data for data in bot.buttons(ask).values() if data.endswith("cancel"))
    await bot.press(cancel, user="chala", chat="dm")
    assert bot.new_messages(), "the private button of a muted member is answered"
    await bot.advance(hours=2)  # the mute is over
    await bot.send("/vote 1 2", user="chala", chat="dm")
    assert "recorded" in bot.next_reply().text
    assert "1 vote" in await results(bot)


async def test_a_ban_counts_in_the_polls_community_even_when_the_voters_private_chat_is_elsewhere(make_bot):
    """dawit, a member of cohort7 and cohort8 whose private chat acts in cohort8, is banned in cohort7:
    his native vote on cohort7's poll (a Telegram poll_answer has no chat) and his /vote do not count."""
    bot = await make_bot(platform="telegram", plugins={"polls", "moderation"}, communities=cohort7_and_8())
    await bot.send("/community cohort8", user="dawit", chat="dm")
    await bot.send("/ban @dawit spam", user="mod7", chat="cohort7")
    await bot.send("/poll Best day? | Monday | Friday", user="mod7", chat="cohort7")
    await bot.vote(poll_ref(bot), [0], user="dawit")
    await bot.vote(poll_ref(bot), [1], user="amina")
    assert "1 vote" in await results(bot)
    await bot.send("/vote 1 1", user="dawit", chat="dm")
    assert "cannot vote" in bot.next_reply().text
    assert "1 vote" in await results(bot)


class Probe:
    """A plugin that notes every button, native vote and reaction it is shown."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    @hookimpl
    async def practica_on_event(self, event: Event, ctx: Context) -> None:
        if isinstance(event, (ButtonPressed, PollVote, ReactionAdded)):
            self.seen.append(f"{type(event).__name__}:{event.user.id}")


@pytest.mark.parametrize("platform", ["console", "telegram", "discord"])
async def test_plugins_never_see_what_members_out_of_good_standing_do(make_bot, platform, caplog):
    """One filter in core: buttons (in groups), native votes and reactions of someone never seen in the
    community, banned, waiting for approval or muted never reach a plugin; the log says why, never what."""
    caplog.set_level(logging.INFO, logger="practica.standing")
    probe = Probe()
    bot = await make_bot(platform=platform, plugins={"moderation", "polls"}, communities=cohort7_and_8(),
                         extra_plugins={"probe": probe},
                         config={"plugins": {"moderation": {"verify_joins": True, "questions": ["Cadre?"]}}})
    if bot.adapter.capabilities.join_requests:  # a join request keeps them out of the group: never seen there
        await bot.join_request("newbie", chat="cohort7")
    else:  # on Discord they are in, gated until a moderator approves
        await bot.join("newbie", chat="cohort7")
    await bot.send("/ban @dawit spam", user="mod7", chat="cohort7")
    await bot.send("/mute @chala 1h noise", user="mod7", chat="cohort7")
    await bot.send("/poll Best day? | Monday | Friday", user="mod7", chat="cohort7")
    native = bool(bot.actions(SendPoll))
    for who in ("ghost", "newbie", "dawit", "chala", "amina", "mod7", bot.user("otherbot", is_bot=True)):
        await bot.press("probe:secret-data-77", user=who, chat="cohort7")
        await bot.react("m1", "👍", user=who, chat="cohort7")
        if native:  # dawit's private chat acts in cohort8, where he is not banned: the poll's community decides
            await bot.vote(poll_ref(bot), [0], user=who)
    await bot.press("probe:secret-data-77", user="mod8", chat="cohort7")  # cohort8's moderator, never seen in cohort7
    for who in ("walker", bot.user("otherbot", is_bot=True)):  # an unlisted group: no membership, but no bots
        await bot.press("probe:secret-data-77", user=who, chat="elsewhere")
    seen = sorted(set(probe.seen))
    expected = ["ButtonPressed:amina", "ButtonPressed:mod7", "ButtonPressed:walker", "ReactionAdded:amina", "ReactionAdded:mod7"]
    if native:
        expected = sorted([*expected, "PollVote:amina", "PollVote:mod7"])
    assert seen == expected, seen
    drops = [r.getMessage() for r in caplog.records if "not in good standing" in r.getMessage()]
    assert any("cohort7" in m and "muted" in m for m in drops), drops
    assert any("never seen" in m for m in drops) and any("banned" in m for m in drops), drops
    assert bot.adapter.capabilities.join_requests or any("pending" in m for m in drops), drops
    assert not any("secret-data-77" in r.getMessage() for r in caplog.records)


async def test_a_native_polls_community_is_remembered_across_a_restart(make_bot):
    """Where each native poll went is stored: after a restart, a vote still acts in the poll's community."""
    probe = Probe()
    bot = await make_bot(platform="telegram", plugins={"moderation", "polls"}, communities=cohort7_and_8(),
                         extra_plugins={"probe": probe})
    await bot.send("/ban @dawit spam", user="mod7", chat="cohort7")
    await bot.send("/poll Best day? | Monday | Friday", user="mod7", chat="cohort7")
    ref = poll_ref(bot)
    await bot.restart()
    await bot.vote(ref, [0], user="dawit")  # his private chat acts in cohort8, where he is not banned
    await bot.vote(ref, [1], user="amina")
    assert probe.seen == ["PollVote:amina"]
