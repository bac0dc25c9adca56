"""Automatic rules in the filter: blocklist, links, flood, mentions, privacy guard; members' data."""

from __future__ import annotations

import pytest

from core import DeleteMessage, DirectMessage, Reply, Restrict, Unrestrict
from plugins.moderation import logic
from tests.exports import exported

BLOCK = {"blocklist": [{"pattern": "spam"}, {"pattern": "miracle cure", "action": "warn"}]}


@pytest.mark.parametrize("platform", ["telegram", "discord", "console"])
async def test_blocklisted_word_is_removed_with_a_case_and_reaches_no_listener(mod_bot, platform):
    bot, probe = await mod_bot(platform, **BLOCK)
    await bot.send("good morning", user="amina")
    message = await bot.send("Buy my S p 4 m now", user="amina")
    assert [a.message_id for a in bot.actions(DeleteMessage)] == [message.id]
    assert probe.seen == ["good morning"]  # the removed message never reached on_message listeners
    notice = bot.next_reply()
    assert isinstance(notice, DirectMessage) and "blocked word" in notice.text and "case #1" in notice.text
    await bot.send("/cases @amina", user="trainer")
    listing = bot.next_reply().text
    assert "message removed" in listing and "1 case, 0 active warning points." in listing


async def test_blocklist_warn_action_counts_on_the_ladder_and_trusted_members_are_exempt(mod_bot):
    bot, probe = await mod_bot("telegram", ladder={"2": "mute 1h"}, **BLOCK)
    await bot.send("try this MIRACLE cüre", user="amina")
    await bot.send("a m1racle cure again", user="amina")
    assert len(bot.actions(DeleteMessage)) == 2 and len(bot.actions(Restrict)) == 1
    await bot.send("spam is a word I can discuss", user="senior")
    await bot.send("spam spam", user="trainer")
    assert len(bot.actions(DeleteMessage)) == 2
    assert probe.seen == ["spam is a word I can discuss", "spam spam"]


async def test_untrusted_links_are_held_for_review_and_trusted_domains_pass(mod_bot):
    bot, probe = await mod_bot("telegram", link_policy="review", trusted_domains=("who.int",),
                               community={"review_chat": "telegram:review"})
    await bot.send("guideline: https://www.who.int/publications/i/item/9789240020306", user="amina")
    await bot.send("see http://who.int.example.com/x", user="amina")
    assert probe.seen == ["guideline: https://www.who.int/publications/i/item/9789240020306"]
    assert len(bot.actions(DeleteMessage)) == 1
    messages = bot.new_messages()
    review = [m for m in messages if isinstance(m, Reply) and m.chat.key == "telegram:review"]
    assert "Held for review #1 (case #1)" in review[0].text and "who.int.example.com" in review[0].text


async def test_links_removed_when_policy_is_remove(mod_bot):
    bot, probe = await mod_bot("discord", link_policy="remove", trusted_domains=("who.int",))
    await bot.send("www.example.org/offer", user="amina")
    assert len(bot.actions(DeleteMessage)) == 1 and probe.seen == []


@pytest.mark.parametrize("platform", ["telegram", "discord"])
async def test_flood_mutes_with_a_case(mod_bot, platform):
    bot, probe = await mod_bot(platform, flood_messages=3, flood_seconds=10, flood_mute="15m")
    for i in range(3):
        await bot.send(f"message {i}", user="amina")
        await bot.advance(seconds=1)
    assert not bot.actions(Restrict)
    await bot.send("message 3", user="amina")
    [mute] = bot.actions(Restrict)
    assert mute.user.id == "amina" and (mute.until - bot.clock.now()).total_seconds() == 15 * 60
    assert probe.seen == ["message 0", "message 1", "message 2"]
    await bot.send("still muted", user="amina")  # removed while the mute runs
    assert len(bot.actions(DeleteMessage)) == 2
    await bot.advance(minutes=15)
    assert [a.user.id for a in bot.actions(Unrestrict)] == ["amina"]
    await bot.send("back", user="amina")
    assert probe.seen[-1] == "back"
    bot.new_messages()
    await bot.send("/case 1", user="trainer")
    assert "flood" in bot.next_reply().text


async def test_slow_messages_are_not_a_flood(mod_bot):
    bot, _ = await mod_bot("telegram", flood_messages=3, flood_seconds=10)
    for i in range(6):
        await bot.send(f"message {i}", user="amina")
        await bot.advance(seconds=4)
    assert not bot.actions(Restrict)


async def test_mass_mentions_are_removed(mod_bot):
    bot, probe = await mod_bot("telegram", max_mentions=3)
    await bot.send("@a @b @c please read", user="amina")
    await bot.send("@a @b @c @d please read", user="amina")
    assert len(bot.actions(DeleteMessage)) == 1 and probe.seen == ["@a @b @c please read"]


@pytest.mark.parametrize("platform", ["telegram", "console"])
async def test_privacy_guard_flags_privately_and_remove_and_remind_button(mod_bot, platform):
    bot, probe = await mod_bot(platform, community={"review_chat": f"{platform}:review"})
    message = await bot.send("Patient name is Hawa Bello, call +251 911 234 567", user="amina")
    assert probe.seen == [message.text]  # not removed: the message continues
    assert not bot.actions(DeleteMessage)
    flag = bot.next_reply()
    assert flag.chat.key == f"{platform}:review" and message.id in flag.text
    assert "Hawa" not in flag.text and "911" not in flag.text  # no copy of the identifiers
    await bot.send("Hello", user="bekele")  # a member (buttons of strangers are ignored)
    await bot.press(bot.buttons(flag)["Remove and remind"], user="bekele", chat=flag.chat)
    assert "Only a moderator" in bot.next_reply().text and not bot.actions(DeleteMessage)
    await bot.press(bot.buttons(flag)["Remove and remind"], user="trainer", chat=flag.chat)
    assert [a.message_id for a in bot.actions(DeleteMessage)] == [message.id]
    messages = bot.new_messages()
    assert any(isinstance(m, DirectMessage) and m.user.id == "amina" and "patient" in m.text for m in messages)
    await bot.send("/redact 1", user="trainer", chat=flag.chat)
    assert "already handled" in bot.next_reply().text


async def test_privacy_guard_ignores_ordinary_clinical_numbers(mod_bot):
    bot, _ = await mod_bot("telegram")
    await bot.send("give 500 mg then 1000 mg, BP 120/80, 37.5 C", user="amina")
    bot.assert_no_replies()


async def test_members_data_export_and_erase_keep_cases_anonymously(mod_bot):
    bot, _ = await mod_bot("telegram", questions=("Cadre?",), rules="Be kind.")
    await bot.join_request("amina")
    await bot.send("midwife", user="amina", chat="dm")
    await bot.send("/accept", user="amina")
    await bot.send("/warn @amina be careful", user="trainer")
    bot.new_messages()
    await bot.send("/mydata", user="amina", chat="dm")
    data = exported(bot)["moderation"]
    assert data["join_requests"][0]["answers"] == ["midwife"]
    assert data["code_of_conduct"][0]["version"] == "1" and data["cases"][0]["action"] == "warn"

    await bot.send("/forgetme confirm", user="amina", chat="dm")
    await bot.send("/forgetme confirm", user="amina", chat="dm")
    bot.new_messages()
    await bot.send("/case 1", user="trainer")
    text = bot.next_reply().text
    assert "erased member" in text and "amina" not in text
    await bot.send("/mydata", user="amina", chat="dm")
    assert "moderation" not in exported(bot)
    await bot.send("hello", user="amina")  # acceptance erased: restricted again
    assert bot.actions(DeleteMessage)


def test_normalization_catches_disguises():
    rules = logic.CompiledRules(__import__("plugins.moderation.config", fromlist=["x"]).ModerationConfig(
        blocklist=(__import__("plugins.moderation.config", fromlist=["x"]).BlockRule(pattern="spam"),)))
    for text in ("SPAM", "Spâm", "s p a m", "s.p.a.m", "$p4m", "5pam!", "buy sp@m"):
        assert rules.blocked(text) is not None, text
    for text in ("spammer? no: a spa, m", "the hospital", "Spain"):
        assert rules.blocked(text) is None, text


def test_ladder_config_is_validated():
    assert logic.parse_ladder({"5": "ban", "3": "mute 1d"})[0].points == 3
    for bad in ({"x": "ban"}, {"3": "mute"}, {"3": "shout"}, {"3": "mute -5d"}):
        with pytest.raises(ValueError):
            logic.parse_ladder(bad)


async def test_french_help_and_answers(mod_bot):
    bot, _ = await mod_bot("telegram", community={"locale": "fr"})
    await bot.send("/help", user="trainer")
    assert "/appeal_accept" in bot.next_reply().text  # moderators see their commands listed
    await bot.send("/help warn", user="trainer")
    assert bot.next_reply().text.startswith("/warn — Avertir un membre")
    await bot.send("/help appeal_accept", user="trainer")
    assert bot.next_reply().text.startswith("/appeal_accept — Accepter un recours")
    await bot.send("bonjour", user="amina")
    await bot.send("/ban @amina -5d spam", user="trainer")
    assert "n'est pas une durée utilisable" in bot.next_reply().text


async def test_ordinary_messages_cost_no_database_statement(mod_bot):
    bot, probe = await mod_bot("telegram", rules="Be kind.", **BLOCK)
    await bot.send("/accept", user="amina")
    statements = []
    storage = bot.runtime.storage
    original = storage.execute, storage.fetchone, storage.fetchall

    for name in ("execute", "fetchone", "fetchall"):
        async def wrapper(*args, _name=name, **kwargs):  # type: ignore[no-untyped-def]
            statements.append(args[0])
            return await {"execute": original[0], "fetchone": original[1], "fetchall": original[2]}[_name](*args, **kwargs)
        setattr(storage, name, wrapper)
    for i in range(5):
        await bot.advance(seconds=3)
        await bot.send(f"ordinary message {i}", user="amina")
    assert [s for s in statements if "moderation_" in s] == []
    assert len(probe.seen) == 5
