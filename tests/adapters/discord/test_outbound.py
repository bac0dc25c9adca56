"""Actions performed by the adapter reach (fake) Discord as the right REST calls."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from core.errors import DeliveryError
from core.events import ChatRef, User
from core.replies import (AddRole, ApproveJoin, Ban, Button, DeclineJoin, DeleteMessage, DirectMessage, EditMessage,
                          Kick, PinMessage, PollSpec, RemoveRole, Reply, Restrict, SendFile, SendPoll, StopPoll, Unban,
                          Unrestrict)
from tests.adapters.discord.fakediscord import (ALICE_ID, BOT, DM_ID, FORUM_ID, GENERAL_ID, GUILD_ID, HELPER_ROLE_ID,
                                                THREAD_ID, VERIFIED_ROLE_ID, interaction, message)

GENERAL = ChatRef("discord", str(GENERAL_ID), "group")
ALICE = User("discord", str(ALICE_ID), "Alice")
MESSAGES = rf"^/channels/{GENERAL_ID}/messages$"


async def test_reply_never_pings_anyone(adapter, fake):
    sent = await adapter.perform(Reply(chat=GENERAL, text="@everyone look <@&1> <@2>", reply_to="1200000000000000555"))
    call = fake.find("POST", MESSAGES)[-1]
    assert call.json["content"] == "@everyone look <@&1> <@2>"
    assert call.json["allowed_mentions"]["parse"] == []  # no @everyone, roles or users
    assert not call.json["allowed_mentions"].get("replied_user")  # Discord's default: no ping
    assert int(call.json["message_reference"]["message_id"]) == 1200000000000000555
    assert call.json["message_reference"]["fail_if_not_exists"] is False
    assert sent.message_id and sent.message_id.isdigit()


async def test_reply_in_thread_goes_to_the_thread(adapter, fake):
    await adapter.perform(Reply(chat=ChatRef("discord", str(FORUM_ID), "group", thread_id=str(THREAD_ID)), text="well done"))
    assert fake.find("POST", rf"^/channels/{THREAD_ID}/messages$")


async def test_silent_reply_with_buttons(adapter, fake):
    rows = ((Button("Yes", "poll:1:y"), Button("No", "poll:1:n")), (Button("Later", "poll:1:later"),))
    await adapter.perform(Reply(chat=GENERAL, text="Coming?", buttons=rows, silent=True))
    call = fake.find("POST", MESSAGES)[-1]
    assert call.json["flags"] & (1 << 12)  # SUPPRESS_NOTIFICATIONS
    ids = [[c["custom_id"] for c in row["components"]] for row in call.json["components"]]
    labels = [c["label"] for row in call.json["components"] for c in row["components"]]
    assert ids == [["poll:1:y", "poll:1:n"], ["poll:1:later"]] and labels == ["Yes", "No", "Later"]


async def test_direct_message_opens_the_dm(adapter, fake):
    sent = await adapter.perform(DirectMessage(user=ALICE, text="Your homework is due @everyone"))
    assert fake.find("POST", r"^/users/@me/channels$")[-1].json == {"recipient_id": ALICE_ID}
    call = fake.find("POST", rf"^/channels/{DM_ID}/messages$")[-1]
    assert call.json["allowed_mentions"]["parse"] == [] and sent.message_id


async def test_edit_delete_pin(adapter, fake):
    await adapter.perform(EditMessage(chat=GENERAL, message_id="1200000000000000777", text="Leaderboard v2"))
    edit = fake.find("PATCH", rf"^/channels/{GENERAL_ID}/messages/1200000000000000777$")[-1]
    assert edit.json["content"] == "Leaderboard v2" and edit.json["allowed_mentions"]["parse"] == []
    await adapter.perform(DeleteMessage(chat=GENERAL, message_id="1200000000000000777"))
    assert fake.find("DELETE", rf"^/channels/{GENERAL_ID}/messages/1200000000000000777$")
    await adapter.perform(PinMessage(chat=GENERAL, message_id="1200000000000000777"))
    assert fake.find("PUT", rf"^/channels/{GENERAL_ID}/messages/pins/1200000000000000777$")


async def test_send_file_reuploads_the_original_attachment(adapter, fake):
    ref = f"{GENERAL_ID}/1200000000000000444/1300000000000000001"
    sent = await adapter.perform(SendFile(chat=GENERAL, file_ref=ref, caption="Week 1 handout"))
    assert fake.find("GET", rf"^/channels/{GENERAL_ID}/messages/1200000000000000444$")
    upload = fake.find("POST", MESSAGES)[-1]
    assert upload.json["content"] == "Week 1 handout"
    assert b"week 1 handout" in [v for k, v in upload.form.items() if k.startswith("files")]
    assert sent.message_id


async def test_send_file_by_url_posts_the_link(adapter, fake):
    await adapter.perform(SendFile(chat=GENERAL, file_ref="https://example.org/guide.pdf", caption="Guide"))
    assert fake.find("POST", MESSAGES)[-1].json["content"] == "Guide\nhttps://example.org/guide.pdf"


async def test_native_poll(adapter, fake):
    close_at = datetime.now(timezone.utc) + timedelta(hours=47, minutes=10)
    sent = await adapter.perform(SendPoll(chat=GENERAL, poll=PollSpec("Best day for the review?", ("Mon", "Wed", "Fri"),
                                                                      multiple=True, close_at=close_at)))
    poll = fake.find("POST", MESSAGES)[-1].json["poll"]
    assert poll["question"] == {"text": "Best day for the review?"}
    assert [a["poll_media"]["text"] for a in poll["answers"]] == ["Mon", "Wed", "Fri"]
    assert poll["duration"] == 48 and poll["allow_multiselect"] is True
    assert sent.poll_ref == sent.message_id


@pytest.mark.parametrize(("delta", "hours"), [(timedelta(days=90), 768), (timedelta(minutes=5), 1), (None, 24)])
async def test_poll_duration_is_clamped(adapter, fake, delta, hours):
    close_at = datetime.now(timezone.utc) + delta if delta else None
    await adapter.perform(SendPoll(chat=GENERAL, poll=PollSpec("Q?", ("a", "b"), close_at=close_at)))
    assert fake.find("POST", MESSAGES)[-1].json["poll"]["duration"] == hours


@pytest.mark.parametrize("spec", [
    PollSpec("2+2?", ("3", "4"), correct_option=1),  # quiz: plugins fall back to text
    PollSpec("Q?", tuple(str(i) for i in range(11))),
    PollSpec("Q?", ("x" * 56, "b")),
    PollSpec("Q" * 301, ("a", "b")),
])
async def test_polls_discord_cannot_show_are_refused(adapter, fake, spec):
    with pytest.raises(DeliveryError) as caught:
        await adapter.perform(SendPoll(chat=GENERAL, poll=spec))
    assert caught.value.permanent
    assert not fake.find("POST", MESSAGES)


async def test_stop_poll(adapter, fake):
    await adapter.perform(StopPoll(chat=GENERAL, message_id="1200000000000000333"))
    assert fake.find("POST", rf"^/channels/{GENERAL_ID}/polls/1200000000000000333/expire$")


MEMBER_PATH = rf"^/guilds/{GUILD_ID}/members/{ALICE_ID}$"


async def test_restrict_is_a_timeout_of_at_most_28_days(adapter, fake):
    until = datetime.now(timezone.utc) + timedelta(hours=2)
    await adapter.perform(Restrict(chat=GENERAL, user=ALICE, until=until, reason="flooding"))
    call = fake.find("PATCH", MEMBER_PATH)[-1]
    assert datetime.fromisoformat(call.json["communication_disabled_until"]) == until
    assert call.headers["X-Audit-Log-Reason"] == "flooding"
    await adapter.perform(Restrict(chat=GENERAL, user=ALICE, until=datetime.now(timezone.utc) + timedelta(days=60)))
    longest = datetime.fromisoformat(fake.find("PATCH", MEMBER_PATH)[-1].json["communication_disabled_until"])
    assert timedelta(days=27, hours=23) < longest - datetime.now(timezone.utc) <= timedelta(days=28)
    await adapter.perform(Unrestrict(chat=GENERAL, user=ALICE))
    assert fake.find("PATCH", MEMBER_PATH)[-1].json == {"communication_disabled_until": None}


async def test_kick_ban_unban(adapter, fake):
    await adapter.perform(Kick(chat=GENERAL, user=ALICE))
    assert fake.find("DELETE", MEMBER_PATH)
    await adapter.perform(Ban(chat=GENERAL, user=ALICE, reason="spam"))
    ban = fake.find("PUT", rf"^/guilds/{GUILD_ID}/bans/{ALICE_ID}$")[-1]
    assert ban.query["delete_message_seconds"] == "0"
    await adapter.perform(Unban(chat=GENERAL, user=ALICE))
    assert fake.find("DELETE", rf"^/guilds/{GUILD_ID}/bans/{ALICE_ID}$")


async def test_roles_by_name_or_id_and_join_approval(adapter, fake):
    await adapter.perform(AddRole(chat=GENERAL, user=ALICE, role="helpers"))
    assert fake.find("PUT", rf"^/guilds/{GUILD_ID}/members/{ALICE_ID}/roles/{HELPER_ROLE_ID}$")
    await adapter.perform(RemoveRole(chat=GENERAL, user=ALICE, role=str(HELPER_ROLE_ID)))
    assert fake.find("DELETE", rf"^/guilds/{GUILD_ID}/members/{ALICE_ID}/roles/{HELPER_ROLE_ID}$")
    await adapter.perform(ApproveJoin(chat=GENERAL, user=ALICE))
    assert fake.find("PUT", rf"^/guilds/{GUILD_ID}/members/{ALICE_ID}/roles/{VERIFIED_ROLE_ID}$")
    await adapter.perform(DeclineJoin(chat=GENERAL, user=ALICE))
    assert fake.find("DELETE", MEMBER_PATH)
    with pytest.raises(DeliveryError, match="no role 'Trainers'") as caught:
        await adapter.perform(AddRole(chat=GENERAL, user=ALICE, role="Trainers"))
    assert caught.value.permanent


async def test_member_actions_need_a_server(adapter, fake):
    with pytest.raises(DeliveryError) as caught:
        await adapter.perform(Kick(chat=ChatRef("discord", str(DM_ID), "direct"), user=ALICE))
    assert caught.value.permanent


async def test_forbidden_and_missing_are_permanent(adapter, fake):
    fake.fail("POST", MESSAGES, 403, {"message": "Missing Permissions", "code": 50013})
    with pytest.raises(DeliveryError, match="403") as caught:
        await adapter.perform(Reply(chat=GENERAL, text="hi"))
    assert caught.value.permanent and isinstance(caught.value.__cause__, Exception)
    fake.fail("DELETE", r"/messages/", 404, {"message": "Unknown Message", "code": 10008})
    with pytest.raises(DeliveryError) as caught:
        await adapter.perform(DeleteMessage(chat=GENERAL, message_id="1200000000000000001"))
    assert caught.value.permanent


async def test_short_rate_limit_is_waited_out(adapter, fake):
    fake.fail("POST", MESSAGES, 429, {"message": "You are being rate limited.", "retry_after": 0.2, "global": False},
              {"Via": "1.1 google", "Retry-After": "1"})
    started = time.monotonic()
    sent = await adapter.perform(Reply(chat=GENERAL, text="arrives anyway"))
    assert time.monotonic() - started >= 0.2
    assert sent.message_id and [c.json["content"] for c in fake.find("POST", MESSAGES)] == ["arrives anyway"] * 2


async def test_long_rate_limit_is_handed_to_the_outbox(adapter, fake):
    fake.fail("POST", MESSAGES, 429, {"message": "You are being rate limited.", "retry_after": 60.0, "global": False},
              {"Via": "1.1 google", "Retry-After": "60"})
    with pytest.raises(DeliveryError) as caught:
        await adapter.perform(Reply(chat=GENERAL, text="later"))
    assert caught.value.retry_after == 60.0 and not caught.value.permanent


async def test_bad_request_is_permanent_server_error_transient(adapter, fake):
    fake.fail("POST", MESSAGES, 400, {"message": "Invalid Form Body", "code": 50035})
    with pytest.raises(DeliveryError) as caught:
        await adapter.perform(Reply(chat=GENERAL, text="x"))
    assert caught.value.permanent  # a malformed request never succeeds on retry
    fake.fail("GET", r"^/channels/\d+/messages/\d+$", 503, {"message": "unavailable"})
    with pytest.raises(DeliveryError) as caught:  # 503 is not retried by discord.py
        await adapter.perform(SendFile(chat=GENERAL, file_ref=f"{GENERAL_ID}/1/2"))
    assert not caught.value.permanent and caught.value.retry_after is None


async def test_too_long_text_is_refused(adapter, fake):
    with pytest.raises(DeliveryError) as caught:
        await adapter.perform(Reply(chat=GENERAL, text="x" * 2001))
    assert caught.value.permanent


async def _slash(fake, host, name="points"):
    data = interaction(2, {"id": "1", "name": name, "type": 1})
    await fake.dispatch("INTERACTION_CREATE", data)
    return data, await host.next()


async def test_ephemeral_answer_to_slash_command_is_a_private_followup(adapter, fake, host):
    data, event = await _slash(fake, host)
    sent = await adapter.perform(Reply(chat=event.chat, text="You have 12 points @everyone", reply_to=event.id,
                                       ephemeral_to=event.author))
    followup = fake.find("POST", rf"^/webhooks/\d+/{data['token']}$")[-1]
    assert followup.json["content"] == "You have 12 points @everyone"
    assert followup.json["flags"] & 64 and followup.json["allowed_mentions"]["parse"] == []
    assert not fake.find("POST", MESSAGES) and sent.message_id


async def test_public_answer_to_slash_command_is_posted_in_the_channel(adapter, fake, host):
    data, event = await _slash(fake, host, "leaderboard")
    await adapter.perform(Reply(chat=event.chat, text="1. Alice 12", reply_to=event.id))
    assert fake.find("POST", MESSAGES)[-1].json["content"] == "1. Alice 12"
    assert fake.find("DELETE", rf"^/webhooks/\d+/{data['token']}/messages/@original$")  # private "thinking" removed


async def test_ephemeral_after_button_press_uses_the_interaction(adapter, fake, host):
    data = interaction(3, {"custom_id": "hw:done", "component_type": 2}, message_data=message("Done?", author=BOT))
    await fake.dispatch("INTERACTION_CREATE", data)
    pressed = await host.next()
    await adapter.perform(Reply(chat=pressed.chat, text="Recorded", reply_to=pressed.interaction_id, ephemeral_to=pressed.user))
    assert fake.find("POST", rf"^/webhooks/\d+/{data['token']}$")[-1].json["flags"] & 64


async def test_ephemeral_without_interaction_falls_back_to_direct_message(adapter, fake):
    await adapter.perform(Reply(chat=GENERAL, text="only for you", ephemeral_to=ALICE))
    assert fake.find("POST", rf"^/channels/{DM_ID}/messages$")[-1].json["content"] == "only for you"
    assert not fake.find("POST", MESSAGES)
