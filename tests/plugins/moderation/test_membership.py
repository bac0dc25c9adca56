"""Verified joining and the code of conduct."""

from __future__ import annotations

import dataclasses

import pytest

from core import AddRole, ApproveJoin, DeclineJoin, DeleteMessage, DirectMessage, Kick, Reply

QUESTIONS = ("What is your cadre?", "Which facility?")


@pytest.mark.parametrize("platform", ["telegram", "discord"])
async def test_join_request_questionnaire_then_two_moderators_approve(mod_bot, platform):
    bot, _ = await mod_bot(platform, questions=QUESTIONS, approvals_required=2, verified_role="verified",
                           community={"review_chat": f"{platform}:review"})
    if platform == "telegram":
        await bot.join_request("amina")
    else:
        await bot.join("amina")  # Discord has no join requests: a new unverified member is gated
    intro = bot.next_reply()
    assert isinstance(intro, DirectMessage) and intro.user.uid == f"{platform}:amina"
    assert "(1/2) What is your cadre?" in intro.text

    await bot.send("Midwife", user="amina", chat="dm")
    assert "(2/2) Which facility?" in bot.next_reply().text
    await bot.send("Adama health centre", user="amina", chat="dm")
    assert "moderators will review" in bot.next_reply().text
    review = bot.next_reply()
    assert isinstance(review, Reply) and review.chat.key == f"{platform}:review"
    assert "Midwife" in review.text and "Adama health centre" in review.text and "/approve 1" in review.text
    buttons = bot.buttons(review)

    await bot.press(buttons["Approve"], user="trainer", chat=review.chat)
    assert "second moderator" in bot.next_reply().text
    await bot.press(buttons["Approve"], user="trainer", chat=review.chat)
    assert "another moderator" in bot.next_reply().text
    assert not bot.actions((ApproveJoin, AddRole))

    await bot.send("/approve 1", user="nurse2", chat=review.chat)
    if platform == "telegram":
        assert [a.user.uid for a in bot.actions(ApproveJoin)] == ["telegram:amina"]
    else:
        assert [(a.user.uid, a.role) for a in bot.actions(AddRole)] == [("discord:amina", "verified")]
    texts = [m.text for m in bot.new_messages()]
    assert any("approved" in t and "#1" in t for t in texts)
    assert any("Welcome" in t for t in texts)


async def test_pending_member_on_discord_cannot_post_until_approved(mod_bot):
    bot, probe = await mod_bot("discord", questions=("Cadre?",))
    await bot.join("amina")
    bot.new_messages()
    message = await bot.send("hello all", user="amina")
    assert any(a.message_id == message.id for a in bot.actions(DeleteMessage))
    assert "not approved yet" in bot.next_reply().text
    assert probe.seen == []


async def test_without_review_chat_moderators_get_a_dm_and_deny_works(mod_bot):
    bot, _ = await mod_bot("telegram", questions=("Cadre?",))
    await bot.join_request("amina")
    await bot.send("tourist", user="amina", chat="dm")
    messages = bot.new_messages()
    to_mods = [m for m in messages if isinstance(m, DirectMessage) and m.user.id in ("trainer", "nurse2")]
    assert len(to_mods) == 2 and all("/deny 1" in m.text for m in to_mods)
    await bot.send("/deny 1 not a health worker", user="trainer", chat="dm")
    messages = bot.new_messages()
    assert any("Request #1 from amina denied" in m.text for m in messages)
    assert [a.user.uid for a in bot.actions(DeclineJoin)] == ["telegram:amina"]
    member_note = [m for m in messages if isinstance(m, DirectMessage) and m.user.id == "amina"]
    assert "not accepted" in member_note[0].text and "not a health worker" in member_note[0].text
    await bot.send("/approve 1", user="nurse2", chat="dm")
    assert "already denied" in bot.next_reply().text


async def test_valid_cohort_code_auto_approves(mod_bot):
    bot, _ = await mod_bot("console", questions=("Cadre?", "Cohort code?"), cohort_codes=("ADM-2026",))
    await bot.join_request("amina")
    await bot.send("nurse", user="amina", chat="dm")
    await bot.send("my code is adm-2026", user="amina", chat="dm")
    assert [a.user.uid for a in bot.actions(ApproveJoin)] == ["console:amina"]
    assert any("automatically" in m.text for m in bot.new_messages())


async def test_unhandled_request_is_reannounced_once_then_expires_even_across_restarts(mod_bot):
    bot, _ = await mod_bot("telegram", questions=("Cadre?",), reannounce_after_hours=12, expire_after_hours=48,
                           community={"review_chat": "telegram:review"})
    await bot.join_request("amina")
    await bot.send("midwife", user="amina", chat="dm")
    bot.new_messages()
    await bot.restart()
    await bot.join_request("amina")  # the platform resends: no second request, no second job
    assert bot.new_messages() == []
    await bot.advance(hours=12)
    reminders = [m for m in bot.new_messages() if "still waiting" in m.text]
    assert len(reminders) == 1
    await bot.advance(hours=36)
    assert [a.user.uid for a in bot.actions(DeclineJoin)] == ["telegram:amina"]
    assert any("expired" in m.text for m in bot.new_messages())
    await bot.send("/approve 1", user="trainer", chat=bot.group)
    assert "already expired" in bot.next_reply().text


async def test_expired_request_on_discord_removes_the_unverified_member(mod_bot):
    bot, _ = await mod_bot("discord", questions=("Cadre?",), reannounce_after_hours=1, expire_after_hours=2)
    await bot.join("amina")
    await bot.advance(hours=2)
    assert [a.user.uid for a in bot.actions(Kick)] == ["discord:amina"]


RULES = {"rules": "Be kind. No patient names.", "rules_version": "1", "welcome": "Welcome {name}!"}


@pytest.mark.parametrize("platform", ["telegram", "discord", "console"])
async def test_member_must_accept_code_of_conduct_before_posting(mod_bot, platform):
    bot, probe = await mod_bot(platform, **RULES)
    first = await bot.send("hello everyone", user="amina")
    assert [a.message_id for a in bot.actions(DeleteMessage)] == [first.id]
    reminder = bot.next_reply()
    assert isinstance(reminder, DirectMessage) and "/rules" in reminder.text and "/accept" in reminder.text
    await bot.send("anyone there?", user="amina")
    assert len(bot.actions(DeleteMessage)) == 2
    bot.assert_no_replies()  # at most one reminder per hour
    assert probe.seen == []

    await bot.send("/rules", user="amina")
    rules = bot.next_reply()
    assert "Be kind" in rules.text and "I accept" in bot.buttons(rules)
    await bot.send("/accept", user="amina")
    texts = [m.text for m in bot.new_messages()]
    assert any("You can post now" in t for t in texts) and "Welcome @amina!" in texts
    await bot.send("hello again", user="amina")
    assert probe.seen == ["hello again"]
    assert len(bot.actions(DeleteMessage)) == 2


async def test_accept_button_and_new_version_asks_again(mod_bot):
    bot, probe = await mod_bot("telegram", **RULES)
    await bot.send("/rules", user="amina")
    await bot.press(bot.buttons(bot.next_reply())["I accept"], user="amina")
    assert "You can post now" in bot.next_reply().text
    await bot.send("hi", user="amina")
    assert probe.seen == ["hi"]
    bot.new_messages()

    info = bot.runtime.loaded.infos["moderation"]  # the operator publishes version 2 of the rules
    info.config = dataclasses.replace(info.config, rules_version="2", rules="Be kind. No patient names. No ads.")
    await bot.send("still here", user="amina")
    assert probe.seen == ["hi"] and len(bot.actions(DeleteMessage)) == 1
    assert "/accept" in bot.next_reply().text
    await bot.send("/accept", user="amina")
    texts = [m.text for m in bot.new_messages()]
    assert any("version 2" in t for t in texts) and not any("Welcome" in t for t in texts)  # no second welcome
    await bot.send("ok", user="amina")
    assert probe.seen == ["hi", "ok"]


async def test_acceptance_survives_restart_and_moderators_are_not_gated(mod_bot):
    bot, probe = await mod_bot("telegram", **RULES)
    await bot.send("/accept", user="amina")
    await bot.restart()
    await bot.send("after restart", user="amina")
    await bot.send("moderator here", user="trainer")
    assert not bot.actions(DeleteMessage)
