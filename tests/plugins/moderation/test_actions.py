"""Moderator actions, the warn ladder, the case log and appeals."""

from __future__ import annotations

import asyncio

import pytest

from core import Ban, DeliveryError, DirectMessage, Kick, MessageEvent, Reply, Restrict, Unban, Unrestrict

MODERATOR_COMMANDS = ("/warn @amina x", "/mute @amina 1h", "/unmute @amina", "/kick @amina x", "/ban @amina x",
                      "/unban @amina", "/offtopic", "/case 1", "/cases @amina", "/reason 1 x", "/approve 1", "/deny 1",
                      "/appeals", "/appeal_accept 1", "/appeal_refuse 1", "/redact 1")


@pytest.mark.parametrize("platform", ["telegram", "discord"])
async def test_warnings_climb_the_ladder_to_a_timed_mute_that_ends_on_time(mod_bot, platform):
    bot, _ = await mod_bot(platform, ladder={"2": "mute 2h"}, community={"log_chat": f"{platform}:log"})
    first = await bot.send("rude words", user="amina")
    await bot.send("/warn please stay polite", user="trainer", reply_to=first)
    assert any("Case #1: @amina was warned" in m.text for m in bot.new_messages())
    second = await bot.send("more rude words", user="amina")
    await bot.send("/warn @amina second time", user="trainer", reply_to=second)
    [mute] = bot.actions(Restrict)
    assert mute.user.uid == f"{platform}:amina" and mute.until == bot.clock.now().replace(hour=11)
    messages = bot.new_messages()
    log = [m.text for m in messages if isinstance(m, Reply) and m.chat.key == f"{platform}:log"]
    assert any("Case #3" in t and "warning ladder" in t for t in log)
    assert any(isinstance(m, DirectMessage) and "muted" in m.text and "/appeal 3" in m.text for m in messages)

    await bot.restart()  # the end of the mute is a stored job
    await bot.advance(hours=1, minutes=59)
    assert not bot.actions(Unrestrict)
    await bot.advance(minutes=1)
    assert [a.user.uid for a in bot.actions(Unrestrict)] == [f"{platform}:amina"]
    assert "Case #3 ended on time" in bot.next_reply().text
    await bot.send("/case 3", user="trainer")
    assert "(ended)" in bot.next_reply().text


async def test_warnings_expire_and_nudges_never_count(mod_bot):
    bot, _ = await mod_bot("telegram", ladder={"2": "mute 1h"}, warn_expiry_days=7)
    message = await bot.send("hi", user="amina")
    await bot.send("/warn @amina first", user="trainer")
    await bot.send("/offtopic", user="trainer", reply_to=message)
    nudge = [m for m in bot.new_messages() if isinstance(m, Reply) and m.reply_to == message.id]
    assert nudge and "This group is for" in nudge[0].text
    await bot.send("/offtopic", user="trainer", reply_to=message)
    assert not bot.actions(Restrict)
    await bot.advance(days=8)
    await bot.send("/warn @amina again", user="trainer")
    assert not bot.actions(Restrict)
    await bot.send("/cases @amina", user="trainer")
    listing = [m.text for m in bot.new_messages() if "cases, " in m.text][0]
    assert "4 cases, 1 active warning point." in listing and "scope nudge" in listing


async def test_ban_tells_member_how_to_appeal_and_an_accepted_appeal_lifts_it(mod_bot):
    bot, _ = await mod_bot("telegram", community={"review_chat": "telegram:review"})
    await bot.send("hello", user="amina")
    await bot.send("/ban @amina shared a patient's file twice", user="trainer")
    sent = bot.adapter.sent
    dm_index = next(i for i, a in enumerate(sent) if isinstance(a, DirectMessage) and a.user.id == "amina")
    ban_index = next(i for i, a in enumerate(sent) if isinstance(a, Ban))
    assert dm_index < ban_index  # told before the ban
    assert "shared a patient's file twice" in sent[dm_index].text and "/appeal 1" in sent[dm_index].text
    bot.new_messages()

    await bot.send("/appeal 1 I removed it and I am sorry", user="amina", chat="dm")
    messages = bot.new_messages()
    assert any("sent to the moderators" in m.text for m in messages)
    review = [m for m in messages if isinstance(m, Reply) and m.chat.key == "telegram:review"][0]
    assert "I removed it" in review.text
    await bot.send("/appeals", user="trainer", chat=review.chat)
    assert "#1 — case #1" in bot.next_reply().text
    await bot.press(bot.buttons(review)["Accept appeal"], user="nurse2", chat=review.chat)
    assert [a.user.uid for a in bot.actions(Unban)] == ["telegram:amina"]
    assert bot.actions(Unban)[0].chat.key == bot.group.key
    messages = bot.new_messages()
    assert any(isinstance(m, DirectMessage) and m.user.id == "amina" and "accepted" in m.text for m in messages)
    await bot.send("/case 1", user="trainer")
    assert "lifted on appeal" in bot.next_reply().text
    await bot.send("/appeal 1 again", user="amina", chat="dm")
    assert "nothing to appeal" in bot.next_reply().text


async def test_refused_appeal_is_told_to_the_member(mod_bot):
    bot, _ = await mod_bot("discord")
    await bot.send("hello", user="amina")
    await bot.send("/kick @amina spam", user="trainer")
    assert bot.actions(Kick)
    await bot.send("/appeal 1", user="amina", chat="dm")
    bot.new_messages()
    await bot.send("/appeal_refuse 1 the spam was clear", user="trainer", chat="dm")
    messages = bot.new_messages()
    assert any("Appeal #1 refused" in m.text for m in messages)
    assert any(m.user.id == "amina" and "refused" in m.text and "the spam was clear" in m.text
               for m in messages if isinstance(m, DirectMessage))


@pytest.mark.parametrize("platform", ["telegram", "discord"])
async def test_a_moderator_cannot_ban_an_admin_or_another_moderator(mod_bot, platform):
    bot, _ = await mod_bot(platform)
    await bot.send("hello", user="boss")
    await bot.send("/ban @boss abuse", user="trainer")
    assert "You can't do that to @boss: they are a admin" in bot.next_reply().text
    await bot.send("/ban @nurse2 abuse", user="trainer", mentions=["nurse2"])
    assert "they are a moderator" in bot.next_reply().text
    assert not bot.actions(Ban)
    await bot.send("/ban @trainer abuse", user="boss")  # an admin may act on a moderator
    assert [a.user.id for a in bot.actions(Ban)] == ["trainer"]


@pytest.mark.parametrize("platform", ["telegram", "discord", "console"])
async def test_a_member_is_refused_every_moderator_command(mod_bot, platform):
    bot, _ = await mod_bot(platform)
    await bot.send("hello", user="amina")
    for text in MODERATOR_COMMANDS:
        await bot.advance(seconds=5)  # not a flood
        await bot.send(text, user="bekele")
        reply = bot.next_reply()
        assert reply.text.startswith("Only a moderator can use /"), (text, reply.text)
    assert not bot.actions((Ban, Kick, Restrict, Unban, Unrestrict))
    await bot.send("/report", user="bekele")  # members may report, as a reply
    assert "as a reply" in bot.next_reply().text


async def test_bad_input_gets_one_line_answers(mod_bot):
    bot, _ = await mod_bot("telegram")
    await bot.send("hello", user="amina")
    cases = {
        "/warn @ghost rude": "I don't know @ghost",
        "/warn": "Reply to the member's message or name them",
        "/ban @amina": "A ban needs a reason",
        "/ban @amina 30d": "A ban needs a reason",
        "/ban @amina -5d spam": "is not a duration I can use",
        "/ban @amina 999y spam": "is not a duration I can use",
        "/mute @amina 999y": "is not a duration I can use",
        "/mute @amina soon": "is not a duration I can use",
        "/mute @amina": "Say for how long",
        "/case 99": "There is no case #99",
        "/offtopic": "as a reply",
    }
    for text, expected in cases.items():
        await bot.send(text, user="trainer")
        reply = bot.next_reply()
        assert expected in reply.text and "\n" not in reply.text, (text, reply.text)
    for text, expected in {"/warn @amina x": "works in the group chat", "/appeal 1": "no case #1",
                           "/approve 7": "no join request #7", "/appeal_accept 3": "no appeal #3"}.items():
        await bot.send(text, user="trainer" if not text.startswith("/appeal ") else "amina", chat="dm")
        reply = bot.next_reply()
        assert expected in reply.text and "\n" not in reply.text, (text, reply.text)
    await bot.send("/appeal 1", user="amina")
    assert "private chat" in bot.next_reply().text
    assert not bot.actions((Ban, Restrict))


async def test_discord_mutes_longer_than_28_days_are_refused(mod_bot):
    bot, _ = await mod_bot("discord")
    await bot.send("hello", user="amina")
    await bot.send("/mute @amina 30d", user="trainer")
    assert "at most" in bot.next_reply().text
    await bot.send("/mute @amina 28d too chatty", user="trainer")
    assert bot.actions(Restrict)


async def test_report_reaches_moderators_as_a_case_and_reason_can_be_set(mod_bot):
    bot, _ = await mod_bot("telegram", community={"review_chat": "telegram:review"})
    message = await bot.send("buy my cream", user="amina")
    await bot.send("/report advertising", user="bekele", reply_to=message)
    messages = bot.new_messages()
    assert any("Thank you" in m.text for m in messages)
    review = [m for m in messages if isinstance(m, Reply) and m.chat.key == "telegram:review"][0]
    assert "Report (case #1)" in review.text and "buy my cream" in review.text
    await bot.send("/reason 1 advertising a product", user="trainer")
    assert "updated" in bot.next_reply().text
    await bot.send("/case 1", user="trainer")
    assert "advertising a product" in bot.next_reply().text


@pytest.mark.parametrize("platform", ["console", "telegram"])
async def test_a_mute_notice_is_in_the_members_language_whatever_the_moderators(mod_bot, platform):
    bot, _ = await mod_bot(platform, community={"locale": "fr", "timezone": "Africa/Addis_Ababa"})
    await bot.send("bonjour", user="amina")
    await bot.send("/lang en", user="trainer", chat="dm")
    bot.new_messages()
    await bot.send("/mute @amina 2h hors sujet", user="trainer")
    (notice,) = [m for m in bot.new_messages() if isinstance(m, DirectMessage) and m.user.name == "amina"]
    assert notice.text.startswith("Vous êtes en sourdine dans le groupe jusqu'au jeu. 26 nov. 14:00 EAT. Raison : hors sujet.")
    assert "/recours 1" in notice.text


async def test_a_kick_waits_for_its_notice_at_most_two_minutes(mod_bot):
    """A member whose DMs are held by the platform (rate limit, outage) is still removed on time; when
    the notice finally goes, the member is not removed a second time."""
    bot, _ = await mod_bot("telegram")
    await bot.send("hello", user="amina")
    held = DeliveryError("too many requests", retry_after=3)
    bot.adapter.failing = lambda action: held if isinstance(action, DirectMessage) else None
    quiesce, bot.clock.quiesce = bot.clock.quiesce, None  # the held DM lane never becomes idle meanwhile
    trainer = bot.user("trainer")
    await bot.runtime.deliver(MessageEvent(id="kick1", chat=bot.group, author=trainer, text="/kick @amina spam",
                                           timestamp=bot.clock.now()))
    await bot.runtime.dispatcher.join()
    await bot.clock.advance(minutes=1, seconds=50)
    assert not bot.actions(Kick)
    await bot.clock.advance(seconds=15)
    for _ in range(100):  # the group's lane sends the kick while the member's DM lane is still held
        if bot.actions(Kick):
            break
        await asyncio.sleep(0.01)
    assert [a.user.id for a in bot.actions(Kick)] == ["amina"]
    assert not [a for a in bot.actions(DirectMessage) if a.user.id == "amina"]

    bot.adapter.failing = None
    bot.clock.quiesce = quiesce
    await bot.advance(seconds=5)  # the notice goes out at last
    assert any(a.user.id == "amina" and "removed from the group" in a.text for a in bot.actions(DirectMessage))
    assert len(bot.actions(Kick)) == 1


async def test_a_delivered_kick_notice_removes_the_member_once(mod_bot):
    bot, _ = await mod_bot("telegram")
    await bot.send("hello", user="amina")
    await bot.send("/kick @amina spam", user="trainer")
    assert [a.user.id for a in bot.actions(Kick)] == ["amina"]
    await bot.advance(minutes=5)  # the fallback job was cancelled by the delivery
    assert len(bot.actions(Kick)) == 1


@pytest.mark.parametrize("platform", ["telegram", "discord"])
async def test_a_report_is_settled_when_a_moderator_acts_on_the_message_in_chat(mod_bot, platform):
    bot, _ = await mod_bot(platform, community={"log_chat": f"{platform}:log"})
    message = await bot.send("buy my cream", user="amina")
    await bot.send("/report advertising", user="bekele", reply_to=message)
    other = await bot.send("and my soap", user="amina")
    await bot.send("/report soap", user="chala", reply_to=other)
    bot.new_messages()
    await bot.send("/warn no advertising", user="trainer", reply_to=message)
    log = [m.text for m in bot.new_messages() if isinstance(m, Reply) and m.chat.key == f"{platform}:log"]
    assert any("Case #1: report handled by @trainer with case #3" in text for text in log)
    await bot.send("/case 1", user="trainer")
    assert "(handled)" in bot.next_reply().text
    await bot.send("/case 2", user="trainer")  # the report about another message stays open
    second = bot.next_reply().text
    assert "and my soap" in second and "(handled)" not in second
