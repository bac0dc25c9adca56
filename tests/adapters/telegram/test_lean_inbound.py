"""Plain text messages are converted straight from the Bot API JSON (no PTB objects), into exactly the
events python-telegram-bot's own parsing gives; anything else is left to PTB."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Update

from adapters.telegram.convert import lean_update, update_to_events
from tests.adapters.telegram.payloads import ALICE, BOB, group, message, private

TOPIC_START = {**message(None, chat=group(forum=True), forum_topic_created={"name": "Homework", "icon_color": 1}),
               "message_id": 77}

# Shapes members send all day: each must take the fast path.
COMMON: dict[str, dict[str, Any]] = {
    "group text": message("Where is the partograph module?"),
    "direct text": message("hi bot", chat=private(ALICE)),
    "command": message("/help@practica_test_bot polls", entities=[{"type": "bot_command", "offset": 0, "length": 23}]),
    "reply": message("I agree", reply_to_message=message("x" * 500, sender=BOB)),
    "reply without author": message("yes", reply_to_message={k: v for k, v in message("channel post").items() if k != "from"}),
    "no last name, no handle": message("hello", sender=BOB),
    "bot author": message("beep", sender={"id": 9, "is_bot": True, "first_name": "Helper", "username": "helper_bot"}),
    "text mention": message("thanks Bob", entities=[{"type": "text_mention", "offset": 7, "length": 3, "user": BOB}]),
    "link": message("see https://who.int/x", entities=[{"type": "url", "offset": 4, "length": 17}],
                    link_preview_options={"is_disabled": True}),
    "forum topic": message("my homework", chat=group(forum=True), message_thread_id=77, is_topic_message=True,
                           reply_to_message=TOPIC_START),
    "reply in a topic": message("agreed", chat=group(forum=True), message_thread_id=77, is_topic_message=True,
                                reply_to_message=message("deadline?", chat=group(forum=True), message_thread_id=77,
                                                         is_topic_message=True)),
}

# Shapes left to PTB (files, service messages, edits, forwards, malformed fields).
OTHERS: dict[str, dict[str, Any]] = {
    "document": message(None, caption="Week 2 slides", document={"file_id": "D", "file_unique_id": "d1"}),
    "photo reply": message("nice", reply_to_message=message(None, photo=[
        {"file_id": "P", "file_unique_id": "p", "width": 9, "height": 9}])),
    "new member": message(None, new_chat_members=[BOB]),
    "forwarded": message("fwd", forward_origin={"type": "hidden_user", "date": 1, "sender_user_name": "X"}),
    "quote": message("this", quote={"text": "x", "position": 0}),
    "no author": {k: v for k, v in message("anonymous").items() if k != "from"},
    "string id": message("hi", sender={**ALICE, "id": "111"}),
    "malformed entity": message("hi", entities=[{"type": "bold"}]),
}


def _update(update_id: int, body: dict[str, Any], kind: str = "message") -> dict[str, Any]:
    return {"update_id": update_id, kind: body}


def _ptb_events(data: dict[str, Any]) -> list[Any]:
    return update_to_events(Update.de_json(data, None))


@pytest.mark.parametrize("shape", list(COMMON))
def test_common_messages_take_the_fast_path_and_give_the_same_events_as_ptb(shape: str) -> None:
    data = _update(1000, COMMON[shape])
    lean = lean_update(data)
    assert lean is not None, f"{shape} was left to PTB"
    assert lean.update_id == 1000
    assert list(lean.events) == _ptb_events(data)


@pytest.mark.parametrize("shape", list(OTHERS))
def test_other_messages_are_left_to_ptb(shape: str) -> None:
    assert lean_update(_update(1001, OTHERS[shape])) is None


def test_other_update_kinds_are_left_to_ptb() -> None:
    assert lean_update(_update(1002, message("fixed typo", edit_date=1), "edited_message")) is None
    assert lean_update({"update_id": 1003, "message": message("hi"), "edited_message": message("hi")}) is None
    assert lean_update({"update_id": "1004", "message": message("hi")}) is None
