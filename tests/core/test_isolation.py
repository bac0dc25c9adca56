"""A plugin that raises or hangs must not cost any other plugin its event; order and shutdown hold."""

from __future__ import annotations

import asyncio
import logging

from core import Context, MessageEvent, command, hookimpl
from tests.engines import practica_engine  # noqa: F401 - every test on SQLite and PostgreSQL


class Echo:
    """Replies to every plain message."""

    @hookimpl
    async def practica_on_message(self, event: MessageEvent, ctx: Context) -> None:
        await ctx.reply(f"echo: {event.text}")


class Raises:
    @hookimpl(tryfirst=True)
    async def practica_on_message(self, event: MessageEvent, ctx: Context) -> None:
        raise RuntimeError("secret internal detail")


class Hangs:
    @hookimpl(tryfirst=True)
    async def practica_on_message(self, event: MessageEvent, ctx: Context) -> None:
        await asyncio.sleep(3600)


class Broken:
    @command("boom", help="Always fails.")
    async def boom(ctx: Context) -> None:
        raise ValueError("database password is hunter2")

    @command("slow", help="Never finishes.")
    async def slow(ctx: Context) -> None:
        await asyncio.sleep(3600)

    @hookimpl
    def practica_register_commands(self):
        return [Broken.boom, Broken.slow]


async def test_raising_and_hanging_plugins_leave_other_replies_intact(make_bot, caplog):
    bot = await make_bot(plugins=set(), extra_plugins={"echo": Echo(), "raises": Raises(), "hangs": Hangs()},
                         config={"practica": {"hook_timeout": 0.2}})
    with caplog.at_level(logging.ERROR):
        await bot.send("hello")
        await bot.send("again")
    assert [m.text for m in bot.new_messages()] == ["echo: hello", "echo: again"]
    logged = caplog.text
    assert "plugin raises: hook practica_on_message raised" in logged
    assert "plugin hangs: hook practica_on_message took longer than 0.2 s" in logged


async def test_failing_command_shows_neutral_text_never_the_error(make_bot):
    bot = await make_bot(plugins=set(), extra_plugins={"broken": Broken()}, config={"practica": {"hook_timeout": 0.2}})
    await bot.send("/boom")
    text = bot.next_reply().text
    assert "hunter2" not in text and "Traceback" not in text and "ValueError" not in text
    assert text.startswith("Sorry, something went wrong")
    await bot.send("/slow")
    assert "took too long" in bot.next_reply().text
    await bot.send("/help")  # still running
    assert "/boom" in bot.next_reply().text


class Recorder:
    """Records the order in which each chat's messages are handled, yielding in between."""

    def __init__(self) -> None:
        self.seen: dict[str, list[int]] = {}

    @hookimpl
    async def practica_on_message(self, event: MessageEvent, ctx: Context) -> None:
        await asyncio.sleep(0)
        self.seen.setdefault(event.chat.id, []).append(int(event.text))
        await asyncio.sleep(0)


async def test_thousand_events_over_fifty_chats_keep_per_chat_order(make_bot):
    recorder = Recorder()
    bot = await make_bot(plugins=set(), extra_plugins={"recorder": recorder})
    from core import ChatRef

    events = []
    for i in range(1000):
        chat = ChatRef(platform="console", id=f"chat{i % 50}", kind="group")
        events.append(MessageEvent(id=f"e{i}", chat=chat, author=bot.user(f"m{i % 7}"), text=str(i)))
    for event in events:
        await bot.runtime.deliver(event)
    await bot.runtime.idle()
    assert sum(len(v) for v in recorder.seen.values()) == 1000
    for chat_id, numbers in recorder.seen.items():
        assert numbers == sorted(numbers), chat_id
        assert len(numbers) == 20


class SlowCounter:
    def __init__(self) -> None:
        self.handled: list[str] = []

    @hookimpl
    async def practica_on_message(self, event: MessageEvent, ctx: Context) -> None:
        await asyncio.sleep(0.001)
        self.handled.append(event.id)


async def test_shutdown_during_load_loses_no_accepted_event(make_bot):
    counter = SlowCounter()
    bot = await make_bot(plugins=set(), extra_plugins={"counter": counter})
    from core import ChatRef

    stored = []
    for i in range(300):
        chat = ChatRef(platform="console", id=f"c{i % 10}", kind="group")
        event = MessageEvent(id=f"e{i}", chat=chat, author=bot.user("amina"), text="x")
        stored.append(await bot.runtime.accept(event, source=f"console:e{i}"))
    await asyncio.gather(*stored)
    await bot.runtime.stop()  # while most events are still queued
    handled_before = list(counter.handled)
    assert len(set(handled_before)) == len(handled_before)
    await bot.restart()  # what the stop did not finish is handled after the next start, once
    assert sorted(counter.handled) == sorted(f"e{i}" for i in range(300))


async def test_intake_is_bounded_and_applies_back_pressure(make_bot):
    counter = SlowCounter()
    bot = await make_bot(plugins=set(), extra_plugins={"counter": counter}, config={"practica": {"inbound_queue": 5}})
    producer = asyncio.create_task(_produce(bot, 50))
    await asyncio.sleep(0.005)
    assert not producer.done()  # the adapter is held back while five events wait, instead of queueing all 50
    await producer
    await bot.runtime.idle()
    assert len(counter.handled) == 50


async def _produce(bot, n: int) -> None:
    for i in range(n):
        await bot.runtime.deliver(MessageEvent(id=f"p{i}", chat=bot.group, author=bot.user("amina"), text="x"))


async def test_trace_hooks_logs_each_call_with_plugin_duration_and_outcome(make_bot, caplog, monkeypatch):
    monkeypatch.setenv("PRACTICA_TRACE_HOOKS", "1")
    bot = await make_bot(plugins=set(), extra_plugins={"echo": Echo(), "raises": Raises()})
    with caplog.at_level(logging.WARNING, logger="practica.hooks"):
        await bot.send("hi")
    traces = [r.getMessage() for r in caplog.records if r.getMessage().startswith("trace ")]
    assert any("hook=practica_on_message plugin=echo" in t and "outcome=ok" in t for t in traces)
    assert any("hook=practica_on_message plugin=raises" in t and "outcome=error" in t for t in traces)
    assert all("duration_ms=" in t for t in traces)
