"""Core actions become Bot API calls (asserted on what the fake server received)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from core.errors import DeliveryError
from core.events import ChatRef, User
from core.replies import (
    AddRole, ApproveJoin, Ban, Button, DeclineJoin, DeleteMessage, DirectMessage, EditMessage, Kick, PinMessage,
    PollSpec, RemoveRole, Reply, Restrict, SendFile, SendPoll, Sent, StopPoll, Unban, Unrestrict,
)
from tests.adapters.telegram.fake_bot_api import FakeBotApi
from tests.adapters.telegram.payloads import GROUP_ID

GROUP = ChatRef("telegram", str(GROUP_ID), "group", "Cohort")
ALICE = User("telegram", "111", "Alice", "alice_mw")


async def test_reply_is_html_with_escaped_user_text_and_no_link_preview(api: FakeBotApi, adapter) -> None:
    sent = await adapter.perform(Reply(GROUP, "Alice wrote <b>bold</b> & more: https://example.org"))
    (params,) = api.calls_of("sendMessage")
    assert params["chat_id"] == GROUP_ID
    assert params["parse_mode"] == "HTML"
    assert params["text"] == "Alice wrote &lt;b&gt;bold&lt;/b&gt; &amp; more: https://example.org"
    assert params["link_preview_options"] == {"is_disabled": True}
    assert "reply_markup" not in params and "disable_notification" not in params
    assert sent.message_id is not None and sent.message_id.isdigit()


async def test_reply_to_message_in_topic_with_buttons_silently(api: FakeBotApi, adapter) -> None:
    topic = ChatRef("telegram", str(GROUP_ID), "group", thread_id="77")
    buttons = ((Button("Yes", "vote:1"), Button("No", "vote:0")), (Button("Results", "results"),))
    await adapter.perform(Reply(topic, "Ready?", reply_to="42", buttons=buttons, silent=True))
    (params,) = api.calls_of("sendMessage")
    assert params["message_thread_id"] == 77
    assert params["reply_parameters"] == {"message_id": 42, "allow_sending_without_reply": True}
    assert params["disable_notification"] is True
    assert params["reply_markup"] == {"inline_keyboard": [
        [{"text": "Yes", "callback_data": "vote:1"}, {"text": "No", "callback_data": "vote:0"}],
        [{"text": "Results", "callback_data": "results"}]]}


async def test_ephemeral_reply_becomes_a_direct_message(api: FakeBotApi, adapter) -> None:
    await adapter.perform(Reply(GROUP, "Only you can see this", reply_to="42", ephemeral_to=ALICE))
    (params,) = api.calls_of("sendMessage")
    assert params["chat_id"] == 111
    assert "reply_parameters" not in params
    assert params["text"] == "Only you can see this"


async def test_button_data_too_long_for_telegram_fails_clearly(api: FakeBotApi, adapter) -> None:
    with pytest.raises(DeliveryError, match="64 bytes") as info:
        await adapter.perform(Reply(GROUP, "x", buttons=((Button("Long", "d" * 65),),)))
    assert info.value.permanent and api.calls_of("sendMessage") == []


async def test_direct_message_and_edit(api: FakeBotApi, adapter) -> None:
    await adapter.perform(DirectMessage(ALICE, "Your homework is due <tomorrow>"))
    assert api.calls_of("sendMessage")[0]["chat_id"] == 111
    assert api.calls_of("sendMessage")[0]["text"] == "Your homework is due &lt;tomorrow&gt;"
    sent = await adapter.perform(EditMessage(GROUP, "55", "Leaderboard: 1. Alice", buttons=((Button("↻", "lb"),),)))
    (params,) = api.calls_of("editMessageText")
    assert (params["chat_id"], params["message_id"], params["parse_mode"]) == (GROUP_ID, 55, "HTML")
    assert params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "lb"
    assert sent.message_id == "55"


async def test_edit_to_the_same_text_is_not_an_error(api: FakeBotApi, adapter) -> None:
    api.bad_request_next("editMessageText", "message is not modified: specified new message content and reply "
                                            "markup are exactly the same")
    assert await adapter.perform(EditMessage(GROUP, "55", "same")) == Sent(message_id="55")


async def test_delete_and_pin(api: FakeBotApi, adapter) -> None:
    await adapter.perform(DeleteMessage(GROUP, "9"))
    await adapter.perform(PinMessage(GROUP, "10"))
    assert api.calls_of("deleteMessage") == [{"chat_id": GROUP_ID, "message_id": 9}]
    assert api.calls_of("pinChatMessage") == [{"chat_id": GROUP_ID, "message_id": 10, "disable_notification": True}]


async def test_send_file_by_file_id(api: FakeBotApi, adapter) -> None:
    sent = await adapter.perform(SendFile(GROUP, "DOC-FILE-ID", caption="Slides <week 2>", reply_to="12"))
    (params,) = api.calls_of("sendDocument")
    assert params["document"] == "DOC-FILE-ID"
    assert (params["caption"], params["parse_mode"]) == ("Slides &lt;week 2&gt;", "HTML")
    assert params["reply_parameters"]["message_id"] == 12
    assert sent.message_id is not None


async def test_quiz_poll_and_stop(api: FakeBotApi, adapter) -> None:
    close_at = datetime(2030, 1, 1, 12, 0, tzinfo=timezone.utc)
    spec = PollSpec("Normal fetal heart rate?", ("60-100", "110-160", "180-220"), correct_option=1,
                    explanation="110-160 bpm", close_at=close_at, anonymous=False)
    sent = await adapter.perform(SendPoll(GROUP, spec))
    (params,) = api.calls_of("sendPoll")
    assert params["question"] == "Normal fetal heart rate?"
    assert [o["text"] for o in params["options"]] == ["60-100", "110-160", "180-220"]
    assert (params["type"], params["correct_option_ids"], params["explanation"]) == ("quiz", [1], "110-160 bpm")
    assert (params["is_anonymous"], params["allows_multiple_answers"]) == (False, False)
    assert params["close_date"] == int(close_at.timestamp())
    assert sent.poll_ref and sent.poll_ref.startswith("poll-") and sent.message_id
    stopped = await adapter.perform(StopPoll(GROUP, sent.message_id))
    assert api.calls_of("stopPoll") == [{"chat_id": GROUP_ID, "message_id": int(sent.message_id)}]
    assert stopped.poll_ref == f"poll-{sent.message_id}"


async def test_regular_multiple_choice_poll(api: FakeBotApi, adapter) -> None:
    await adapter.perform(SendPoll(GROUP, PollSpec("Which days?", ("Mon", "Wed"), multiple=True, anonymous=True)))
    (params,) = api.calls_of("sendPoll")
    assert (params["type"], params["allows_multiple_answers"], params["is_anonymous"]) == ("regular", True, True)
    assert "correct_option_ids" not in params


async def test_restrict_until_and_unrestrict(api: FakeBotApi, adapter) -> None:
    until = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(hours=1)
    await adapter.perform(Restrict(GROUP, ALICE, reason="flood", until=until))
    await adapter.perform(Unrestrict(GROUP, ALICE))
    muted, restored = api.calls_of("restrictChatMember")
    assert (muted["chat_id"], muted["user_id"], muted["until_date"]) == (GROUP_ID, 111, int(until.timestamp()))
    assert muted["permissions"]["can_send_messages"] is False
    assert not any(muted["permissions"].values())
    assert all(restored["permissions"].values()) and restored["permissions"]["can_send_messages"] is True
    assert "until_date" not in restored


async def test_kick_is_ban_then_unban(api: FakeBotApi, adapter) -> None:
    await adapter.perform(Kick(GROUP, ALICE))
    assert [c.method for c in api.calls if c.method.endswith("ChatMember")] == ["banChatMember", "unbanChatMember"]
    assert api.calls_of("unbanChatMember") == [{"chat_id": GROUP_ID, "user_id": 111, "only_if_banned": True}]


async def test_ban_unban_and_join_requests(api: FakeBotApi, adapter) -> None:
    until = datetime(2030, 1, 1, tzinfo=timezone.utc)
    await adapter.perform(Ban(GROUP, ALICE, until=until))
    await adapter.perform(Unban(GROUP, ALICE))
    await adapter.perform(ApproveJoin(GROUP, ALICE))
    await adapter.perform(DeclineJoin(GROUP, User("telegram", "222", "Bob")))
    assert api.calls_of("banChatMember") == [{"chat_id": GROUP_ID, "user_id": 111, "until_date": int(until.timestamp())}]
    assert api.calls_of("unbanChatMember") == [{"chat_id": GROUP_ID, "user_id": 111, "only_if_banned": True}]
    assert api.calls_of("approveChatJoinRequest") == [{"chat_id": GROUP_ID, "user_id": 111}]
    assert api.calls_of("declineChatJoinRequest") == [{"chat_id": GROUP_ID, "user_id": 222}]


@pytest.mark.parametrize("action", [AddRole(GROUP, ALICE, role="mentor"), RemoveRole(GROUP, ALICE, role="mentor")])
async def test_roles_are_not_supported(api: FakeBotApi, adapter, action) -> None:
    assert adapter.capabilities.roles is False
    with pytest.raises(DeliveryError, match="no roles") as info:
        await adapter.perform(action)
    assert info.value.permanent
    assert [c.method for c in api.calls if c.method not in ("getMe", "deleteWebhook", "getUpdates")] == []


async def test_non_numeric_chat_id_is_a_permanent_error(adapter) -> None:
    with pytest.raises(DeliveryError, match="not a Telegram id") as info:
        await adapter.perform(Reply(ChatRef("telegram", "console-chat"), "hi"))
    assert info.value.permanent


# ------------------------------------------------------------------------------------- errors


async def test_rate_limit_surfaces_retry_after(api: FakeBotApi, adapter) -> None:
    api.rate_limit_next("sendMessage", seconds=3)
    with pytest.raises(DeliveryError) as info:
        await adapter.perform(Reply(GROUP, "hi"))
    assert info.value.retry_after == 3 and not info.value.permanent
    assert isinstance(info.value.__cause__, Exception) and type(info.value.__cause__).__name__ == "RetryAfter"
    assert (await adapter.perform(Reply(GROUP, "hi again"))).message_id  # the next call goes through


@pytest.mark.parametrize(("method", "action", "payload"), [
    ("sendMessage", Reply(GROUP, "hi"), {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}),
    ("deleteMessage", DeleteMessage(GROUP, "9"),
     {"ok": False, "error_code": 400, "description": "Bad Request: message to delete not found"}),
    ("sendMessage", DirectMessage(ALICE, "hi"),
     {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}),
])
async def test_errors_that_retrying_cannot_fix_are_permanent(api: FakeBotApi, adapter, method, action, payload) -> None:
    api.fail_next(method, status=payload["error_code"], payload=payload)
    with pytest.raises(DeliveryError) as info:
        await adapter.perform(action)
    assert info.value.permanent and info.value.retry_after is None
    assert payload["description"].split(": ", 1)[1].lower() in str(info.value).lower()


async def test_network_failure_is_transient(api: FakeBotApi, adapter) -> None:
    api.fail_next("sendMessage", drop=True)
    with pytest.raises(DeliveryError) as info:
        await adapter.perform(Reply(GROUP, "hi"))
    assert not info.value.permanent and info.value.retry_after is None
    assert "network" in str(info.value)


async def test_perform_before_start_is_a_delivery_error(api: FakeBotApi, host) -> None:
    from adapters.telegram.adapter import TelegramAdapter
    from adapters.telegram.config import TelegramConfig
    from core.schema import Secret

    adapter = TelegramAdapter(TelegramConfig(token=Secret("1:x")), host)
    with pytest.raises(DeliveryError, match="not running"):
        await adapter.perform(Reply(GROUP, "hi"))
