"""What a platform reports after the send (WhatsApp's statuses) reaches the delivery record: a message
that could not be delivered after all is a failed delivery the plugin hears about; delivered and read
are recorded and never go back."""

from __future__ import annotations

from core import DirectMessage, Reply
from tests.engines import practica_engine  # noqa: F401 - every test on SQLite and PostgreSQL


async def _bot_with_a_reminder(make_bot):  # type: ignore[no-untyped-def]
    bot = await make_bot(platform="telegram", plugins={"homework"}, moderators=["trainer"],
                         config={"plugins": {"homework": {"digest": "", "remind_before": ["2h"]}}})
    for name in ("amina", "trainer"):
        await bot.send("hello", user=name)
    await bot.send("/homework add Read the protocol | due in 1 day", user="trainer")
    bot.new_messages()
    await bot.advance(hours=22)
    (reminder,) = [m for m in bot.new_messages() if isinstance(m, DirectMessage)]
    message_id = f"m{bot.adapter.sent.index(reminder) + 1}"  # the fake platform's id for it
    return bot, message_id


async def _receipt(bot, message_id: str):  # type: ignore[no-untyped-def]
    return await bot.runtime.storage.fetchone(
        "SELECT status, receipt FROM practica_outbox WHERE platform = 'telegram' AND message_id = ?", (message_id,))


async def test_a_reminder_that_failed_after_the_send_falls_back_to_the_group_post(make_bot):
    bot, message_id = await _bot_with_a_reminder(make_bot)
    assert await bot.runtime.delivery_status("telegram", message_id, "failed", error="WhatsApp error 131026 (Undeliverable)")
    await bot.runtime.idle()
    group = [m.text for m in bot.new_messages() if isinstance(m, Reply) and m.chat.kind == "group"]
    assert len(group) == 1 and group[0].startswith("Reminder")  # the anonymous reminder in the group instead
    row = await _receipt(bot, message_id)
    assert (row["status"], row["receipt"]) == ("failed", "failed")
    # Meta sends a webhook again when it is not confirmed in time: the plugin is not told twice
    assert await bot.runtime.delivery_status("telegram", message_id, "failed")
    await bot.runtime.idle()
    assert [m for m in bot.new_messages() if isinstance(m, Reply)] == []


async def test_delivered_and_read_are_recorded_and_never_go_back(make_bot):
    bot, message_id = await _bot_with_a_reminder(make_bot)
    for status, expected in (("sent", "sent"), ("read", "read"), ("delivered", "read")):
        assert await bot.runtime.delivery_status("telegram", message_id, status)
        assert (await _receipt(bot, message_id))["receipt"] == expected
    assert (await _receipt(bot, message_id))["status"] == "sent"
    await bot.runtime.idle()
    assert bot.new_messages() == []  # nothing for anyone to read
    assert not await bot.runtime.delivery_status("telegram", "m-not-ours", "read")  # sent from elsewhere


async def test_a_poll_reported_failed_after_it_was_posted_keeps_its_votes(make_bot):
    """A platform that says later that a posted poll did not reach someone must not take the poll (and
    the votes already cast) away from everyone else."""
    bot = await make_bot(platform="console", plugins={"polls"}, moderators=["trainer"], members=["amina"])
    await bot.send("/poll Training day? | Tue | Thu", user="trainer")
    (post,) = [m for m in bot.new_messages() if isinstance(m, Reply) and "Training day?" in m.text]
    message_id = f"m{bot.adapter.sent.index(post) + 1}"
    await bot.send("/vote 1 2", user="amina")
    bot.new_messages()
    assert await bot.runtime.delivery_status("console", message_id, "failed", error="could not reach one member")
    await bot.runtime.idle()
    await bot.send("/results 1", user="amina")
    results = bot.next_reply().text
    assert "Training day?" in results and "Thu" in results and "1" in results
