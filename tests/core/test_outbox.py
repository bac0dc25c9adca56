"""The outbound pipeline through a running bot: platform holds, retries, permanent errors, long texts,
priorities, Telegram's budgets, and plain text for mentions. Time is the kit's fake clock."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

import pytest

from core import ChatRef, Context, DeleteMessage, DeliveryError, DirectMessage, Priority, Reply, Restrict, Text, command, hookimpl
from core.adapter import load_adapter_class
from core.text import utf16_len
from tests.engines import practica_engine  # noqa: F401 - every test on SQLite and PostgreSQL


def texts(bot: Any) -> list[str]:
    return [a.text for a in bot.actions((Reply, DirectMessage))]


def telegram_budget() -> dict[str, Any]:
    """The sending limits the Telegram adapter declares (the kit's fake adapters send without limits)."""
    return {"telegram": load_adapter_class("telegram").budget}


def record_times(bot: Any) -> list[float]:
    """Wrap the fake adapter so each delivery's fake-clock time is recorded."""
    times: list[float] = []
    perform = bot.adapter.perform

    async def timed(action: Any) -> Any:
        sent = await perform(action)
        times.append(bot.clock.monotonic())
        return sent

    bot.adapter.perform = timed
    return times


async def test_retry_after_holds_only_that_chat_then_delivers_everything_in_order(make_bot):
    bot = await make_bot(platform="telegram")
    other = ChatRef(platform="telegram", id="g2", kind="group", title="Other group")
    bot.adapter.failures.append(DeliveryError("Too Many Requests", retry_after=3))
    futures = [bot.runtime.outbox.submit(Reply(chat=bot.group, text=f"a{i}")) for i in range(4)]
    bot.runtime.outbox.submit(Reply(chat=other, text="b0"))
    await bot.runtime.idle()
    assert texts(bot) == ["b0"]  # the other chat is not delayed

    await bot.advance(seconds=2.9)
    assert texts(bot) == ["b0"]  # nothing before 3 s
    await bot.advance(seconds=0.2)
    assert texts(bot) == ["b0", "a0", "a1", "a2", "a3"]  # nothing lost, nothing reordered
    assert all(f.done() and f.result() is not None for f in futures)


async def test_a_moderation_action_queued_behind_held_replies_goes_first(make_bot):
    bot = await make_bot(platform="telegram")
    member = bot.user("spammer")
    bot.adapter.failures.append(DeliveryError("Too Many Requests", retry_after=5))
    outbox = bot.runtime.outbox
    outbox.submit(Reply(chat=bot.group, text="reply 1"))
    await bot.runtime.idle()  # reply 1 was refused: the chat is held for 5 s
    outbox.submit(Reply(chat=bot.group, text="announcement"), Priority.ANNOUNCEMENT)
    outbox.submit(Reply(chat=bot.group, text="reminder"), Priority.REMINDER)
    outbox.submit(Reply(chat=bot.group, text="reply 2"))
    outbox.submit(Restrict(chat=bot.group, user=member, until=None))
    outbox.submit(DeleteMessage(chat=bot.group, message_id="m9"))
    await bot.advance(seconds=5)
    kinds = [type(a).__name__ if not isinstance(a, Reply) else a.text for a in bot.actions()]
    assert kinds == ["Restrict", "DeleteMessage", "reply 1", "reply 2", "reminder", "announcement"]


@pytest.mark.parametrize("platform, limit", [("telegram", 4096), ("discord", 2000)])
async def test_a_long_reply_arrives_as_ordered_parts_under_the_limit(make_bot, platform, limit):
    bot = await make_bot(platform=platform)
    words = [f"word{i}" for i in range(1700)]
    lines = [" ".join(words[i:i + 13]) for i in range(0, len(words), 13)]
    original = "\n".join(lines)[:10_000]
    assert len(original) == 10_000
    event = await bot.send("hello")
    bot.new_messages()
    future = bot.runtime.outbox.submit(Reply(chat=bot.group, text=original, reply_to=event.id))
    await bot.runtime.idle()
    parts = bot.new_messages()
    assert len(parts) >= -(-10_000 // limit)
    assert all(0 < utf16_len(p.text) <= limit for p in parts)
    assert re.sub(r"\s+", "", "".join(p.text for p in parts)) == re.sub(r"\s+", "", original)
    assert " ".join(" ".join(p.text.split()) for p in parts) == " ".join(original.split())  # cut between words
    assert [p.reply_to for p in parts] == [event.id] + [None] * (len(parts) - 1)
    assert future.result() is not None


async def test_a_permanent_error_is_not_retried_and_is_logged_once(make_bot, caplog):
    bot = await make_bot(platform="telegram")
    removed = DeliveryError("Forbidden: bot was kicked from the group chat", permanent=True)
    bot.adapter.failures.extend([removed, removed, removed])
    caplog.set_level(logging.WARNING, logger="practica.outbox")
    first = bot.runtime.outbox.submit(Reply(chat=bot.group, text="one"))
    second = bot.runtime.outbox.submit(Reply(chat=bot.group, text="two"))
    await bot.advance(minutes=30)
    assert texts(bot) == []
    assert len(bot.adapter.failures) == 1  # each message was tried exactly once
    for future in (first, second):
        with pytest.raises(DeliveryError):
            future.result()
    warnings = [r for r in caplog.records if "cannot deliver" in r.getMessage()]
    assert len(warnings) == 1 and "kicked" in warnings[0].getMessage()


async def test_transient_errors_are_retried_with_backoff_then_delivered(make_bot):
    bot = await make_bot(platform="telegram")
    times = record_times(bot)
    bot.adapter.failures.extend([DeliveryError("network is unreachable"), DeliveryError("timed out")])
    bot.runtime.outbox.submit(Reply(chat=bot.group, text="first"))
    bot.runtime.outbox.submit(Reply(chat=bot.group, text="second"))
    await bot.runtime.idle()
    assert texts(bot) == []
    await bot.advance(seconds=2.5)  # retried after 1 s (fails), next retry 2 s later
    assert texts(bot) == []
    await bot.advance(seconds=1)
    assert texts(bot) == ["first", "second"]
    assert times[0] == pytest.approx(3.0)


async def test_a_long_outage_loses_nothing_and_keeps_the_order(make_bot):
    bot = await make_bot(platform="telegram")
    bot.adapter.failures.extend([DeliveryError("bad gateway")] * 40)  # ~35 minutes of 5xx at a 60 s backoff cap
    bot.runtime.outbox.submit(Reply(chat=bot.group, text="first"))
    bot.runtime.outbox.submit(Reply(chat=bot.group, text="second"))
    await bot.advance(minutes=20)
    assert texts(bot) == []
    await bot.advance(minutes=30)
    assert texts(bot) == ["first", "second"]


class Announcer:
    """Posts with a delivery callback and records what it was told."""

    def __init__(self) -> None:
        self.told: list[tuple[str, dict, bool, str | None]] = []

    @command("announce", help="Post an announcement.")
    async def announce(ctx: Context, words: Text) -> None:
        await ctx.send(ctx.chat, words, notify="posted", data={"words": words})

    @hookimpl
    def practica_register_commands(self):
        return [Announcer.announce]

    @hookimpl
    async def practica_on_delivered(self, delivery, ctx: Context) -> None:
        self.told.append((delivery.tag, delivery.data, delivery.failed,
                          delivery.sent.message_id if delivery.sent else None))


async def test_the_sender_learns_the_message_id_after_delivery(make_bot):
    announcer = Announcer()
    bot = await make_bot(platform="telegram", plugins=set(), extra_plugins={"announcer": announcer})
    await bot.send("/announce Clinic day moved to Friday")
    assert texts(bot) == ["Clinic day moved to Friday"]
    assert announcer.told == [("posted", {"words": "Clinic day moved to Friday"}, False, "m1")]


async def test_a_delivery_failing_for_the_whole_retry_window_is_given_up_and_reported(make_bot, caplog):
    announcer = Announcer()
    bot = await make_bot(platform="telegram", plugins=set(), extra_plugins={"announcer": announcer},
                         config={"practica": {"delivery_retry_window": 120}})
    bot.adapter.failures.extend([DeliveryError("bad gateway")] * 8)  # 1+2+4+8+16+32+60 s > the 120 s window
    await bot.send("/announce doomed")
    await bot.send("/announce next")
    await bot.advance(minutes=5)
    assert texts(bot) == ["next"]
    assert [(tag, data["words"], failed) for tag, data, failed, _ in announcer.told] == [
        ("posted", "doomed", True), ("posted", "next", False)]
    assert "giving up" in caplog.text


async def test_telegram_budget_at_most_20_messages_per_minute_in_a_group(make_bot):
    bot = await make_bot(platform="telegram")
    bot.runtime.outbox.budgets = telegram_budget()  # the kit turns budgets off
    times = record_times(bot)
    for i in range(25):
        bot.runtime.outbox.submit(Reply(chat=bot.group, text=f"n{i}"))
    await bot.runtime.idle()
    await bot.advance(minutes=3)
    assert texts(bot) == [f"n{i}" for i in range(25)]
    assert all(later - earlier >= 1.0 - 1e-9 for earlier, later in zip(times, times[1:]))  # ~1 message/s per chat
    assert max(sum(1 for t in times if start <= t < start + 60) for start in times) <= 20
    assert times[20] - times[0] >= 60


async def test_budgets_do_not_slow_moderation_down(make_bot):
    bot = await make_bot(platform="telegram")
    bot.runtime.outbox.budgets = telegram_budget()
    times = record_times(bot)
    for i in range(10):
        bot.runtime.outbox.submit(DeleteMessage(chat=bot.group, message_id=f"spam{i}"))
    await bot.runtime.idle()
    assert len(times) == 10 and times[-1] == times[0]  # ten deletions at once, no per-chat gap


async def test_everyone_in_user_text_reaches_the_adapter_as_plain_text(make_bot):
    # The core never rewrites or expands mentions: the text reaches the adapter unchanged, and the
    # adapter makes sure nobody is pinged (Discord sends allowed_mentions with nothing allowed:
    # tests/adapters/discord/test_outbound.py checks the wire format).
    bot = await make_bot(platform="discord")
    await bot.send("/help @everyone")
    reply = bot.next_reply()
    assert "@everyone" in reply.text
    bot.runtime.outbox.submit(Reply(chat=bot.group, text="thanks @everyone <@&1> @here"))
    await bot.runtime.idle()
    assert bot.next_reply().text == "thanks @everyone <@&1> @here"


async def test_closing_fails_what_was_not_delivered(make_bot):
    bot = await make_bot(platform="telegram")
    bot.adapter.failures.append(DeliveryError("Too Many Requests", retry_after=30))
    pending = bot.runtime.outbox.submit(Reply(chat=bot.group, text="late"))
    await bot.runtime.idle()
    await bot.runtime.outbox.close()
    with pytest.raises(DeliveryError, match="stopped"):
        pending.result()


async def test_clock_keeps_time_consistent(make_bot):
    bot = await make_bot()
    before = bot.clock.now()
    await bot.advance(timedelta(seconds=90))
    assert bot.clock.now() - before == timedelta(seconds=90)
    with pytest.raises(ValueError):
        await bot.clock.advance(seconds=-1)
