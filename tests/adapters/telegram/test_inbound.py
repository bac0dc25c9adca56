"""Updates from Telegram become core events (real python-telegram-bot, fake Bot API over HTTP)."""

from __future__ import annotations

import asyncio

from core.events import (
    ButtonPressed, JoinRequest, MemberJoined, MemberLeft, MessageEdited, MessageEvent, PollUpdated, PollVote,
    ReactionAdded,
)
from tests.adapters.telegram.fake_bot_api import BOT_USERNAME, FakeBotApi
from tests.adapters.telegram.payloads import ALICE, BOB, GROUP_ID, group, member_update, message, private


async def test_group_text_message_becomes_message_event(api: FakeBotApi, host, adapter) -> None:
    api.push_update(message=message("Where is the partograph module?"))
    event = await host.next()
    assert isinstance(event, MessageEvent)
    assert event.text == "Where is the partograph module?"
    assert event.chat.key == f"telegram:{GROUP_ID}"
    assert event.chat.kind == "group" and event.chat.title == "Midwives cohort 3" and event.chat.thread_id is None
    assert event.author.uid == "telegram:111"
    assert (event.author.name, event.author.handle, event.author.is_bot) == ("Alice Mwangi", "alice_mw", False)
    assert event.timestamp.tzinfo is not None


async def test_direct_chat_is_marked_direct(api: FakeBotApi, host, adapter) -> None:
    api.push_update(message=message("hi bot", chat=private(ALICE)))
    event = await host.next()
    assert event.chat.kind == "direct" and event.chat.is_direct and event.chat.id == "111"


async def test_command_for_this_bot_keeps_its_text_and_bot_handle_is_known(api: FakeBotApi, host, adapter) -> None:
    assert adapter.bot_handle == BOT_USERNAME
    api.push_update(message=message(f"/help@{BOT_USERNAME} polls",
                                    entities=[{"type": "bot_command", "offset": 0, "length": 23}]))
    event = await host.next()
    assert event.text == f"/help@{BOT_USERNAME} polls"


async def test_document_with_caption(api: FakeBotApi, host, adapter) -> None:
    api.push_update(message=message(None, caption="Week 2 slides", document={
        "file_id": "DOC-FILE-ID", "file_unique_id": "d1", "file_name": "week2.pdf", "mime_type": "application/pdf",
        "file_size": 48213}))
    event = await host.next()
    assert event.text == "Week 2 slides"
    (doc,) = event.attachments
    assert (doc.kind, doc.file_ref, doc.name, doc.mime, doc.size) == (
        "document", "DOC-FILE-ID", "week2.pdf", "application/pdf", 48213)


async def test_photo_keeps_the_largest_size(api: FakeBotApi, host, adapter) -> None:
    sizes = [{"file_id": f"PHOTO-{w}", "file_unique_id": f"p{w}", "width": w, "height": w, "file_size": w * 10}
             for w in (90, 1280, 320)]
    api.push_update(message=message(None, photo=sizes))
    event = await host.next()
    assert event.text == ""
    assert [(a.kind, a.file_ref, a.size) for a in event.attachments] == [("photo", "PHOTO-1280", 12800)]


async def test_voice_note(api: FakeBotApi, host, adapter) -> None:
    api.push_update(message=message(None, voice={"file_id": "VOICE-1", "file_unique_id": "v1", "duration": 7,
                                                 "mime_type": "audio/ogg", "file_size": 9000}))
    event = await host.next()
    assert [(a.kind, a.file_ref, a.mime, a.size) for a in event.attachments] == [("voice", "VOICE-1", "audio/ogg", 9000)]


async def test_edited_message(api: FakeBotApi, host, adapter) -> None:
    edited = message("fixed typo")
    edited["edit_date"] = edited["date"] + 30
    api.push_update(edited_message=edited)
    event = await host.next()
    assert isinstance(event, MessageEdited)
    assert event.message.text == "fixed typo" and event.message.id == str(edited["message_id"])
    assert event.message.timestamp.timestamp() == edited["edit_date"]


async def test_reply_carries_a_short_excerpt(api: FakeBotApi, host, adapter) -> None:
    original = message("x" * 500, sender=BOB)
    api.push_update(message=message("I agree", reply_to_message=original))
    event = await host.next()
    assert event.reply_to is not None
    assert event.reply_to.message_id == str(original["message_id"])
    assert event.reply_to.author is not None and event.reply_to.author.uid == "telegram:222"
    assert event.reply_to.text == "x" * 200


async def test_forum_topic_message_has_thread_id_and_is_not_a_reply(api: FakeBotApi, host, adapter) -> None:
    topic_start = message(None, chat=group(forum=True), forum_topic_created={"name": "Homework", "icon_color": 1})
    topic_start["message_id"] = 77
    api.push_update(message=message("my homework", chat=group(forum=True), message_thread_id=77,
                                    is_topic_message=True, reply_to_message=topic_start))
    event = await host.next()
    assert event.chat.thread_id == "77" and event.chat.key == f"telegram:{GROUP_ID}"
    assert event.reply_to is None


async def test_new_member_is_reported_once_even_with_chat_member_update(api: FakeBotApi, host, adapter) -> None:
    api.push_update(message=message(None, new_chat_members=[BOB]))
    api.push_update(chat_member=member_update(BOB, "left", "member"))
    event = await host.next()
    assert isinstance(event, MemberJoined) and event.member.uid == "telegram:222"
    await host.nothing_more()


async def test_chat_member_updates_report_joins_via_request_and_leaves(api: FakeBotApi, host, adapter) -> None:
    api.push_update(chat_member=member_update(ALICE, "left", "member", via_join_request=True))
    joined = await host.next()
    assert isinstance(joined, MemberJoined) and joined.via_join_request and joined.member.handle == "alice_mw"
    api.push_update(chat_member=member_update(ALICE, "member", "administrator"))  # a promotion: no event
    api.push_update(message=message(None, left_chat_member=BOB))
    left = await host.next()
    assert isinstance(left, MemberLeft) and left.member.uid == "telegram:222"
    await host.nothing_more()


async def test_join_request(api: FakeBotApi, host, adapter) -> None:
    api.push_update(chat_join_request={"chat": group(), "from": BOB, "user_chat_id": 222, "date": 1700000000,
                                       "bio": "Nurse in Kisumu"})
    event = await host.next()
    assert isinstance(event, JoinRequest)
    assert (event.member.uid, event.chat.id, event.bio) == ("telegram:222", str(GROUP_ID), "Nurse in Kisumu")


async def test_button_press_is_delivered_and_answered_at_once(api: FakeBotApi, host, adapter) -> None:
    bot_message = message("Pick one", sender={"id": 4242, "is_bot": True, "first_name": "Practica"})
    api.push_update(callback_query={"id": "cbq-1", "from": ALICE, "chat_instance": "ci", "data": "poll:3:1",
                                    "message": bot_message})
    event = await host.next()
    assert isinstance(event, ButtonPressed)
    assert (event.data, event.message_id, event.user.uid, event.interaction_id) == (
        "poll:3:1", str(bot_message["message_id"]), "telegram:111", "cbq-1")
    assert await api.wait_for_call("answerCallbackQuery", timeout=2) == [{"callback_query_id": "cbq-1"}]


async def test_poll_answer_and_poll_update(api: FakeBotApi, host, adapter) -> None:
    api.push_update(poll_answer={"poll_id": "P1", "user": ALICE, "option_ids": [0, 2],
                                 "option_persistent_ids": ["0", "2"]})
    vote = await host.next()
    assert isinstance(vote, PollVote)
    assert (vote.poll_ref, vote.option_ids, vote.mode, vote.chat, vote.user.uid) == (
        "P1", (0, 2), "set", None, "telegram:111")
    api.push_update(poll={"id": "P1", "question": "Best?", "total_voter_count": 3, "is_closed": True,
                          "is_anonymous": False, "type": "regular", "allows_multiple_answers": True, "allows_revoting": True, "members_only": False,
                          "options": [{"text": "a", "voter_count": 2, "persistent_id": "0"},
                                      {"text": "b", "voter_count": 1, "persistent_id": "1"}]})
    update = await host.next()
    assert isinstance(update, PollUpdated)
    assert (update.poll_ref, update.counts, update.closed) == ("P1", (2, 1), True)


async def test_reaction_added(api: FakeBotApi, host, adapter) -> None:
    api.push_update(message_reaction={"chat": group(), "message_id": 9, "user": BOB, "date": 1700000000,
                                      "old_reaction": [{"type": "emoji", "emoji": "👍"}],
                                      "new_reaction": [{"type": "emoji", "emoji": "👍"}, {"type": "emoji", "emoji": "🙏"}]})
    event = await host.next()
    assert isinstance(event, ReactionAdded) and (event.emoji, event.message_id) == ("🙏", "9")


async def test_other_kinds_are_ignored_quietly(api: FakeBotApi, host, adapter) -> None:
    api.push_update(message=message(None, sticker={"file_id": "S", "file_unique_id": "s", "type": "regular",
                                                   "width": 1, "height": 1, "is_animated": False, "is_video": False}))
    api.push_update(my_chat_member=member_update({"id": 4242, "is_bot": True, "first_name": "P"}, "member",
                                                 "administrator"))
    api.push_update(channel_post=message("news", chat={"id": -100555, "type": "channel", "title": "News"}))
    api.push_update(message=message("still here"))
    event = await host.next()
    assert isinstance(event, MessageEvent) and event.text == "still here"
    await host.nothing_more()


async def test_malformed_updates_are_skipped_and_later_updates_still_arrive(api: FakeBotApi, host, adapter,
                                                                            caplog) -> None:
    api.push_update(message={"text": "secret patient details", "chat": group()})  # no message_id, date, from
    api.push_update(message="garbage")
    api.push_raw({"no_update_id": True})
    api.push_raw("not even an object")
    api.push_update(message=message("after the garbage"))
    last_bad = api.push_update(edited_message={"text": "secret patient details"})
    event = await host.next()
    assert isinstance(event, MessageEvent) and event.text == "after the garbage"
    # the unreadable updates are confirmed (the offset moves past them), not fetched again and again
    for _ in range(100):
        if any((c.get("offset") or 0) > last_bad for c in api.calls_of("getUpdates")):
            break
        await asyncio.sleep(0.02)
    else:
        raise AssertionError("getUpdates never confirmed the last malformed update")
    api.push_update(message=message("and later"))
    assert (await host.next()).text == "and later"
    await host.nothing_more(0.1)
    assert "secret patient details" not in caplog.text
    assert caplog.text.count("could not be read (update 1,") == 1
