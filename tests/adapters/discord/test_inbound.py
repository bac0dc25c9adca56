"""Gateway events from a (fake) Discord arrive at the core as normalized events."""

from __future__ import annotations

import asyncio

import pytest

from core.events import (ButtonPressed, MemberJoined, MemberLeft, MessageEdited, MessageEvent, PollVote,
                         ReactionAdded)
from tests.adapters.discord.fakediscord import (ALICE, ALICE_ID, BOT, DM_ID, FORUM_ID, GENERAL_ID, GUILD_ID, THREAD_ID,
                                                interaction, member, message, now_iso, user)


async def test_guild_message_becomes_message_event(adapter, fake, host):
    data = message("thanks <@1100000000000000022> for the slides", mentions=[user(1100000000000000022, "moses")])
    await fake.dispatch("MESSAGE_CREATE", data)
    event = await host.next()
    assert isinstance(event, MessageEvent)
    assert event.id == data["id"] and event.text == "thanks <@1100000000000000022> for the slides"
    assert (event.chat.platform, event.chat.id, event.chat.kind, event.chat.title) == ("discord", str(GENERAL_ID), "group", "#general")
    assert event.chat.thread_id is None
    assert (event.author.uid, event.author.name, event.author.handle) == (f"discord:{ALICE_ID}", "Alice A.", "alice")
    assert [m.handle for m in event.mentions] == ["moses"]
    assert event.timestamp.tzinfo is not None


async def test_direct_message(adapter, fake, host):
    await fake.dispatch("MESSAGE_CREATE", message("/help", channel_id=DM_ID, guild_id=None))
    event = await host.next()
    assert event.chat.kind == "direct" and event.chat.id == str(DM_ID) and event.text == "/help"


async def test_forum_post_maps_to_parent_channel_with_thread_id(adapter, fake, host):
    await fake.dispatch("MESSAGE_CREATE", message("my homework", channel_id=THREAD_ID))
    event = await host.next()
    assert (event.chat.id, event.chat.thread_id, event.chat.key) == (str(FORUM_ID), str(THREAD_ID), f"discord:{FORUM_ID}")


async def test_attachments_and_reply(adapter, fake, host):
    original = message("which week?", author=user(1100000000000000022, "moses"))
    data = message("here", type=19, message_reference={"message_id": original["id"], "channel_id": str(GENERAL_ID),
                                                       "guild_id": str(GUILD_ID)},
                   referenced_message=original, attachments=[
                       {"id": "1300000000000000010", "filename": "partograph.png", "size": 2048, "url": "https://cdn/p.png",
                        "proxy_url": "https://cdn/p.png", "content_type": "image/png", "width": 10, "height": 10},
                       {"id": "1300000000000000011", "filename": "notes.pdf", "size": 4096, "url": "https://cdn/n.pdf",
                        "proxy_url": "https://cdn/n.pdf", "content_type": "application/pdf"},
                       {"id": "1300000000000000012", "filename": "voice-message.ogg", "size": 900, "url": "https://cdn/v.ogg",
                        "proxy_url": "https://cdn/v.ogg", "content_type": "audio/ogg", "duration_secs": 3.0,
                        "waveform": "AAAA"}], flags=1 << 13)
    await fake.dispatch("MESSAGE_CREATE", data)
    event = await host.next()
    assert [a.kind for a in event.attachments] == ["photo", "document", "voice"]
    photo = event.attachments[0]
    assert (photo.name, photo.size, photo.mime) == ("partograph.png", 2048, "image/png")
    assert photo.file_ref == f"{GENERAL_ID}/{data['id']}/1300000000000000010"
    assert event.reply_to.message_id == original["id"]
    assert event.reply_to.text == "which week?" and event.reply_to.author.handle == "moses"


async def test_own_and_system_messages_are_ignored(adapter, fake, host):
    await fake.dispatch("MESSAGE_CREATE", message("I am the bot", author=BOT))
    await fake.dispatch("MESSAGE_CREATE", message("", type=6))  # "pinned a message" notice
    await fake.dispatch("MESSAGE_CREATE", message("after"))
    assert (await host.next()).text == "after"
    assert host.events.empty()


async def test_edited_message(adapter, fake, host):
    data = message("fixed typo", edited_timestamp=now_iso())
    await fake.dispatch("MESSAGE_UPDATE", data)
    event = await host.next()
    assert isinstance(event, MessageEdited) and event.message.id == data["id"] and event.message.text == "fixed typo"


async def test_link_preview_update_is_not_an_edit(adapter, fake, host):
    await fake.dispatch("MESSAGE_UPDATE", message("see https://who.int"))  # no edited_timestamp
    await fake.dispatch("MESSAGE_CREATE", message("next"))
    assert (await host.next()).text == "next"


async def test_member_join_and_leave(adapter, fake, host):
    newcomer = user(1100000000000000099, "nadia", global_name="Nadia")
    await fake.dispatch("GUILD_MEMBER_ADD", {**member(newcomer), "guild_id": str(GUILD_ID)})
    joined = await host.next()
    assert isinstance(joined, MemberJoined) and joined.member.name == "Nadia"
    assert joined.chat.id == str(GENERAL_ID)  # the server's system messages channel
    await fake.dispatch("GUILD_MEMBER_REMOVE", {"guild_id": str(GUILD_ID), "user": newcomer})
    left = await host.next()
    assert isinstance(left, MemberLeft) and left.member.id == newcomer["id"] and left.chat.id == str(GENERAL_ID)


async def test_reaction(adapter, fake, host):
    await fake.dispatch("MESSAGE_REACTION_ADD", {
        "user_id": str(ALICE_ID), "channel_id": str(GENERAL_ID), "message_id": "1200000000000009999",
        "guild_id": str(GUILD_ID), "emoji": {"id": None, "name": "👍"}, "member": member(ALICE), "burst": False,
        "type": 0})
    event = await host.next()
    assert isinstance(event, ReactionAdded)
    assert (event.emoji, event.message_id, event.user.handle, event.chat.id) == ("👍", "1200000000000009999", "alice", str(GENERAL_ID))


@pytest.mark.parametrize(("event_name", "mode"), [("MESSAGE_POLL_VOTE_ADD", "add"), ("MESSAGE_POLL_VOTE_REMOVE", "remove")])
async def test_poll_votes(adapter, fake, host, event_name, mode):
    await fake.dispatch(event_name, {"user_id": str(ALICE_ID), "channel_id": str(GENERAL_ID),
                                     "message_id": "1200000000000008888", "guild_id": str(GUILD_ID), "answer_id": 3})
    vote = await host.next()
    assert isinstance(vote, PollVote)
    assert (vote.poll_ref, vote.option_ids, vote.mode) == ("1200000000000008888", (2,), mode)
    assert vote.user.id == str(ALICE_ID) and vote.chat.id == str(GENERAL_ID)


async def test_button_press_is_acknowledged_then_delivered(adapter, fake, host):
    shown = message("Did you submit?", author=BOT)
    data = interaction(3, {"custom_id": "hw:done:7", "component_type": 2}, message_data=shown)
    await fake.dispatch("INTERACTION_CREATE", data)
    pressed = await host.next()
    callback = fake.find("POST", rf"/interactions/{data['id']}/.+/callback")
    assert callback and callback[0].json["type"] == 6  # deferred update: no "interaction failed"
    assert isinstance(pressed, ButtonPressed)
    assert (pressed.data, pressed.message_id, pressed.interaction_id) == ("hw:done:7", shown["id"], data["id"])
    assert pressed.user.handle == "alice" and pressed.chat.id == str(GENERAL_ID)


async def test_slash_command_is_deferred_and_becomes_prefixed_text(adapter, fake, host):
    data = interaction(2, {"id": "1", "name": "points", "type": 1,
                           "options": [{"name": "arguments", "type": 3, "value": " week 2 "}]})
    await fake.dispatch("INTERACTION_CREATE", data)
    event = await host.next()
    callback = fake.find("POST", rf"/interactions/{data['id']}/.+/callback")[0]
    assert callback.json["type"] == 5 and callback.json["data"]["flags"] == 64  # private "thinking..."
    assert isinstance(event, MessageEvent)
    assert (event.id, event.text, event.chat.id) == (data["id"], "/points week 2", str(GENERAL_ID))


async def test_slash_command_without_arguments(adapter, fake, host):
    await fake.dispatch("INTERACTION_CREATE", interaction(2, {"id": "1", "name": "help", "type": 1}))
    assert (await host.next()).text == "/help"


async def test_malformed_payloads_do_not_break_the_connection(adapter, fake, host):
    await fake.dispatch("MESSAGE_CREATE", {"content": "no id, no author"})
    await fake.dispatch("MESSAGE_REACTION_ADD", {"emoji": None})
    await fake.dispatch("INTERACTION_CREATE", {"type": 3, "id": "x"})
    await fake.dispatch("MESSAGE_POLL_VOTE_ADD", {"answer_id": "one"})
    await fake.dispatch("MESSAGE_CREATE", message("still here"))
    assert (await host.next()).text == "still here"
    assert not adapter.client.is_closed()
    await asyncio.sleep(0.05)
    assert host.events.empty()
