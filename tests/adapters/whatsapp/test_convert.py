"""Pure translation: Meta's webhook bodies -> core events; core actions -> /messages payloads."""

from __future__ import annotations

import pytest

from adapters.whatsapp.convert import read_webhook
from adapters.whatsapp.outbound import plan, template_message
from core.errors import DeliveryError
from core.events import ButtonPressed, ChatRef, JoinRequest, MemberJoined, MemberLeft, MessageEvent, ReactionAdded, User
from core.replies import Button, DeleteMessage, DirectMessage, EditMessage, Reply, SendFile
from tests.adapters.whatsapp.payloads import DISPLAY_NUMBER, button_reply, envelope, inbound, join_request, list_reply, status, text

ALICE = "16505551234"
GROUP = "Y2FwaV9ncm91cDoxNzA1NTU1MDEzOToxMjAzNjM0MDQ2OTQyMzM4MjAZD"  # a Groups API id, as Meta documents them
DM = ChatRef("whatsapp", ALICE, kind="direct")


def only_event(payload):
    hook = read_webhook(payload)
    assert len(hook.events) == 1
    return hook.events[0]


def test_a_text_message_is_from_a_whatsapp_member_in_a_direct_chat():
    source, event = only_event(text(ALICE, "Alice", "/homework", message_id="wamid.ABC"))
    assert source == "whatsapp:wamid.ABC"
    assert isinstance(event, MessageEvent) and event.text == "/homework" and event.id == "wamid.ABC"
    assert event.author == User("whatsapp", ALICE, "Alice") and event.author.uid == f"whatsapp:{ALICE}"
    assert event.chat == DM
    assert read_webhook(text(ALICE, "Alice", "hi")).writers.keys() == {ALICE}


def test_a_reply_names_the_quoted_message():
    _, event = only_event(text(ALICE, "Alice", "2", context={"from": DISPLAY_NUMBER, "id": "wamid.POLL"}))
    assert event.reply_to.message_id == "wamid.POLL" and event.reply_to.author.id == DISPLAY_NUMBER


def test_button_and_list_replies_are_button_presses():
    _, pressed = only_event(button_reply(ALICE, "Alice", "essentials:forget:cancel", "Cancel", "wamid.Q"))
    assert isinstance(pressed, ButtonPressed)
    assert (pressed.data, pressed.message_id, pressed.chat, pressed.user.id) == ("essentials:forget:cancel", "wamid.Q", DM, ALICE)
    _, picked = only_event(list_reply(ALICE, "Alice", "polls:pick:1:2", "Newborn care", "wamid.L"))
    assert isinstance(picked, ButtonPressed) and picked.data == "polls:pick:1:2"


@pytest.mark.parametrize("kind, content, expected", [
    ("document", {"caption": "my homework", "filename": "case.pdf", "mime_type": "application/pdf",
                  "sha256": "abc", "id": "1003383421387256"}, ("document", "1003383421387256", "case.pdf", "my homework")),
    ("image", {"caption": "the chart", "mime_type": "image/jpeg", "sha256": "abc", "id": "1479537139650973"},
     ("photo", "1479537139650973", None, "the chart")),
    ("audio", {"mime_type": "audio/ogg; codecs=opus", "sha256": "abc", "id": "1526396021586487", "voice": True},
     ("voice", "1526396021586487", None, "")),
])
def test_media_are_attachments_with_their_media_id(kind, content, expected):
    _, event = only_event(inbound(ALICE, "Alice", kind, content))
    attachment = event.attachments[0]
    assert (attachment.kind, attachment.file_ref, attachment.name, event.text) == expected


def test_group_messages_and_participant_updates():
    _, event = only_event(text(ALICE, "Alice", "hello", group_id=GROUP))
    assert event.chat == ChatRef("whatsapp", GROUP, kind="group")
    assert read_webhook(text(ALICE, "Alice", "hello", group_id=GROUP)).writers == {}  # a group opens no window
    # Meta's group messaging page: a type groups do not support arrives as "unsupported" with error 130501
    unsupported = inbound(ALICE, "Alice", "unsupported", {}, group_id=GROUP)
    unsupported["entry"][0]["changes"][0]["value"]["messages"][0]["errors"] = [
        {"code": 130501, "message": "Message type is not currently supported", "title": "Unsupported message type",
         "error_data": {"details": "Message type is not currently supported"}}]
    assert read_webhook(unsupported).events == []  # skipped, never raised
    update = envelope({"groups": [{"timestamp": "1749416383", "group_id": GROUP, "type": "group_participants_update",
                                   "added_participants": [{"wa_id": ALICE}], "removed_participants": [{"wa_id": "1555"}]}]},
                      field="group_participants_update")
    events = [e for _, e in read_webhook(update).events]
    assert [type(e) for e in events] == [MemberJoined, MemberLeft]
    assert events[0].member.uid == f"whatsapp:{ALICE}" and events[0].chat.id == GROUP
    (source, asked), = read_webhook(join_request(GROUP, ALICE, "jr1")).events
    assert isinstance(asked, JoinRequest) and asked.member.uid == f"whatsapp:{ALICE}" and asked.chat.id == GROUP
    assert ":jr1:" in source  # the same request sent again is stored once
    assert read_webhook(join_request(GROUP, ALICE, "jr1", revoked=True)).events == []


def test_statuses_and_reactions():
    hook = read_webhook(status("wamid.OUT", ALICE, "failed", code=131026))
    assert hook.events == [] and [(s.message_id, s.status, s.error_codes) for s in hook.statuses] == [("wamid.OUT", "failed", (131026,))]
    assert hook.statuses[0].error == "WhatsApp error 131026 (Message undeliverable)"  # never Meta's details
    (group,) = read_webhook(status("wamid.G", GROUP, "read", group=True)).statuses
    assert (group.message_id, group.status, group.recipient, group.error) == ("wamid.G", "read", GROUP, "")
    _, reaction = only_event(inbound(ALICE, "Alice", "reaction", {"message_id": "wamid.OUT", "emoji": "👍"}))
    assert isinstance(reaction, ReactionAdded) and reaction.emoji == "👍"
    assert read_webhook({"object": "page", "entry": []}).events == []
    assert read_webhook(envelope({"messages": [{"broken": True}]})).events == []  # skipped, never raised


def test_text_reply_and_buttons_in_one_to_one_chats():
    [payload] = plan(Reply(chat=DM, text="*Homework*", reply_to="wamid.IN"))
    assert payload == {"messaging_product": "whatsapp", "recipient_type": "individual", "to": ALICE, "type": "text",
                       "text": {"body": "*Homework*", "preview_url": False}, "context": {"message_id": "wamid.IN"}}
    [buttons] = plan(DirectMessage(user=User("whatsapp", ALICE, "Alice"), text="Sure?",
                                   buttons=((Button("Yes", "y"), Button("No", "n")),)))
    assert buttons["interactive"]["type"] == "button"
    assert [b["reply"] for b in buttons["interactive"]["action"]["buttons"]] == [{"id": "y", "title": "Yes"}, {"id": "n", "title": "No"}]
    many = tuple((Button(f"Option number {i} with a long label", f"d{i}"),) for i in range(12))
    [listing] = plan(Reply(chat=DM, text="Pick", buttons=many))
    rows = listing["interactive"]["action"]["sections"][0]["rows"]
    assert listing["interactive"]["type"] == "list" and len(rows) == 10
    assert all(len(r["title"]) <= 24 for r in rows) and rows[0]["description"] == "Option number 0 with a long label"


def test_groups_get_buttons_as_numbered_text_and_long_texts_keep_their_choice():
    [payload] = plan(Reply(chat=ChatRef("whatsapp", GROUP), text="Sure?", buttons=((Button("Yes", "y"), Button("No", "n")),)))
    assert payload["recipient_type"] == "group" and payload["type"] == "text"
    assert payload["text"]["body"] == "Sure?\n\n1. Yes\n2. No"
    long = plan(Reply(chat=DM, text="x" * 2000, buttons=((Button("Yes", "y"),),)))
    assert [p["type"] for p in long] == ["text", "interactive"] and long[0]["text"]["body"] == "x" * 2000


def test_documents_templates_and_what_whatsapp_cannot_do():
    [by_id] = plan(SendFile(chat=DM, file_ref="1003383421387256", caption="slides"))
    assert by_id["document"] == {"id": "1003383421387256", "caption": "slides"}
    [by_link] = plan(SendFile(chat=DM, file_ref="https://example.org/guide.pdf"))
    assert by_link["document"] == {"link": "https://example.org/guide.pdf"}
    template = template_message(DirectMessage(user=User("whatsapp", ALICE, "A"), text="Reminder:\n\n#1 Case study\tdue"),
                                "homework_reminder", "fr", "Reminder:\n\n#1 Case study\tdue")
    assert template["template"]["name"] == "homework_reminder" and template["template"]["language"] == {"code": "fr"}
    assert template["template"]["components"][0]["parameters"][0]["text"] == "Reminder: · #1 Case study · due"
    for action in (EditMessage(chat=DM, message_id="m", text="x"), DeleteMessage(chat=DM, message_id="m")):
        with pytest.raises(DeliveryError) as caught:
            plan(action)
        assert caught.value.permanent
