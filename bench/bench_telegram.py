"""Telegram path: Bot API update JSON -> practica's Telegram adapter (PracticaBot's parsing, the adapter's
hand-over and its wait for storage) -> dispatcher with every built-in plugin -> reply captured behind the
real durable outbox, against raw python-telegram-bot (`Update.de_json` + `Application.process_update`
with one MessageHandler that builds the reply text).

Both sides handle the same updates in the same process, round after round (bench.realistic.Rounds);
passes are interleaved after a warm-up. The main stream is the realistic one of #19 (bench.stream); the
old stream (/help and /whoami only) is kept as a second figure. No network: PTB's Application is marked
initialized instead of calling getMe, and its handler appends the reply text to a list.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from bench.common import PEOPLE, Result, builtin_plugins, chat_mix, enabled_five, interleaved, median, percentile, start_runtime
from bench.realistic import LIBRARY_ITEMS, Completion, Counter, Rounds, populate
from bench.stream import GROUPS, MEAN_GAP, MEMBER_GAP, MEMBERS, Line, member_name
from core.text import utf16_len

TARGET = 0.85  # of raw PTB, realistic stream (#19)
LATENCY_TARGET_MS = 1.0  # p99 latency added per update (#19)
GET_UPDATES_LIMIT = 100  # Telegram's default and maximum batch
GROUP_BASE = -1001000000000
MESSAGE_BASE = 1_000_000
UPDATE_BASE = 500_000_000


def updates(count: int, start_id: int, when: datetime) -> list[dict[str, Any]]:
    """Real-shaped Bot API updates (supergroup messages, replies with the quoted message, bot commands)."""
    out = []
    for i, (kind, text, chat, user, _) in enumerate(chat_mix(count)):
        name = PEOPLE[user % len(PEOPLE)]
        sender = {"id": 10_000 + user, "is_bot": False, "first_name": name, "last_name": f"M{user}",
                  "username": f"{name.lower()}{user}", "language_code": "en" if user % 3 else "fr"}
        group = {"id": GROUP_BASE - chat, "type": "supergroup", "title": f"Midwives cohort {chat}"}
        date = int((when + timedelta(milliseconds=10 * i)).timestamp())
        message: dict[str, Any] = {"message_id": 5_000 + i, "date": date, "chat": group, "from": sender, "text": text}
        if kind == "command":
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
        elif kind == "reply":
            other = (user + 7) % 2_000
            message["reply_to_message"] = {
                "message_id": 4_000 + i, "date": date - 60, "chat": group, "text": "Has anyone got the slides from week 3?",
                "from": {"id": 10_000 + other, "is_bot": False, "first_name": PEOPLE[other % len(PEOPLE)]}}
        out.append({"update_id": start_id + i, "message": message})
    return out


def raw_application() -> tuple[Any, list[str]]:
    from telegram.ext import ApplicationBuilder, MessageHandler, filters

    replies: list[str] = []

    async def answer(update: Any, context: Any) -> None:
        message = update.effective_message
        text = message.text or ""
        if text.startswith("/help"):
            replies.append("Commands: /help, /whoami")
        elif text.startswith("/whoami"):
            replies.append(f"You are {update.effective_user.full_name} (@{update.effective_user.username})")
        else:
            replies.append(f"{update.effective_user.first_name}: {len(text)} characters")

    app = ApplicationBuilder().token("123456:BENCH-not-a-real-token").updater(None).build()
    app.add_handler(MessageHandler(filters.ALL, answer))
    app._initialized = True  # noqa: SLF001 - skip getMe (no network in benchmarks)
    return app, replies


def realistic_updates(lines: list[Line], base: datetime) -> list[dict[str, Any]]:
    """Bot API updates for lines of the realistic stream (bench.stream): ids and dates follow the stream."""
    out = []
    for line in lines:
        user = line.user
        name = member_name(user)
        sender = {"id": 10_000 + user, "is_bot": False, "first_name": name, "last_name": f"M{user}",
                  "username": f"{name.lower()}{user}", "language_code": "en" if user % 3 else "fr"}
        group = {"id": GROUP_BASE - line.chat, "type": "supergroup", "title": f"Midwives cohort {line.chat}"}
        date = int((base + timedelta(seconds=line.at)).timestamp())
        message: dict[str, Any] = {"message_id": MESSAGE_BASE + line.index, "date": date, "chat": group, "from": sender,
                                   "text": line.text}
        if line.kind == "command":
            word = line.text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(word)}]
        elif line.kind == "link":
            url = line.text.rsplit(" ", 1)[1]
            message["entities"] = [{"type": "url", "offset": utf16_len(line.text) - utf16_len(url), "length": utf16_len(url)}]
        elif line.kind == "reply" and line.reply_to is not None:
            quoted = line.quoted_user
            message["reply_to_message"] = {
                "message_id": MESSAGE_BASE + line.reply_to, "date": date - 30, "chat": group, "text": line.quoted_text,
                "from": {"id": 10_000 + quoted, "is_bot": False, "first_name": member_name(quoted), "last_name": f"M{quoted}"}}
        out.append({"update_id": UPDATE_BASE + line.index, "message": message})
    return out


class AdapterPath:
    """Practica's real inbound path without the network: `PracticaBot` parses each getUpdates item
    (plain text messages straight from JSON, everything else through PTB's `de_json`), the Telegram
    adapter hands the events over, and waits until they are stored before the next getUpdates."""

    def __init__(self, bench: Any) -> None:
        from adapters.telegram.adapter import TelegramAdapter
        from adapters.telegram.bot import PracticaBot
        from adapters.telegram.config import TelegramConfig
        from core.schema import Secret

        rt = bench.runtime

        class Host:
            prefix = "/"
            accept = staticmethod(rt.accept)
            deliver = staticmethod(rt.deliver)
            configured_role = staticmethod(rt.configured_role)

        token = "123456:BENCH-not-a-real-token"
        self.adapter = TelegramAdapter(TelegramConfig(token=Secret(token, "TELEGRAM_BOT_TOKEN")), Host())
        self.bot = PracticaBot(token)  # never initialized: parsing needs no network

    async def feed(self, data: list[dict[str, Any]]) -> None:
        parse, accept, flush = self.bot._parse, self.adapter._accept, self.adapter._flush  # noqa: SLF001
        for start in range(0, len(data), GET_UPDATES_LIMIT):
            await flush()  # before_fetch: the last batch is stored before getUpdates confirms it
            for update in [parse(item) for item in data[start:start + GET_UPDATES_LIMIT]]:
                if update is not None:
                    await accept(update)
        await flush()


def _sizes(quick: bool) -> tuple[int, int]:
    """Updates per pass and timed passes, shared by both entry points so their figures compare."""
    return (1_000, 2) if quick else (4_000, 7)


def old_batches(n: int, base: datetime) -> Callable[[], list[dict[str, Any]]]:
    """Each call: the next `n` updates of the old stream (fresh ids, dates 10 ms apart)."""
    counter = {"next": 1}

    def batch() -> list[dict[str, Any]]:
        start = counter["next"]
        counter["next"] += n
        return updates(n, start, base + timedelta(milliseconds=10 * start))
    return batch


def raw_pass(app: Any, batch: Any) -> Any:
    """A timed pass of raw PTB: `Update.de_json` and `Application.process_update` for each update."""
    from telegram import Update

    async def one() -> float:
        data = batch()
        started = time.perf_counter()
        for item in data:
            await app.process_update(Update.de_json(item, app.bot))
        return time.perf_counter() - started
    return one


def practica_pass(bench: Any, batch: Any) -> Any:
    """A timed pass of practica's adapter path, until every event is handled and its replies queued."""
    path = AdapterPath(bench)

    async def one() -> float:
        data = batch()
        started = time.perf_counter()
        await path.feed(data)
        await bench.runtime.idle()
        return time.perf_counter() - started
    return one


def parse_only(path: AdapterPath, batch: Any) -> Any:
    """A timed pass of practica's parsing of the getUpdates items alone."""
    async def one() -> float:
        data = batch()
        parse = path.bot._parse  # noqa: SLF001
        started = time.perf_counter()
        for item in data:
            parse(item)
        return time.perf_counter() - started
    return one


async def run(quick: bool) -> Result:
    from telegram import Update

    from adapters.telegram.convert import update_to_events

    result = Result("telegram", "Telegram path: Bot API JSON -> practica (every built-in plugin) vs raw PTB Application")
    status = builtin_plugins()
    five = enabled_five(status)
    result.plugins = status
    n, passes = _sizes(quick)
    latency_n = 300 if quick else 1_500
    latency_passes = 1 if quick else 3
    app, replies = raw_application()
    bot = app.bot
    base = datetime.now(timezone.utc) - timedelta(days=1)
    rounds = Rounds(n)
    old_batch = old_batches(n, base)

    def counter_batch() -> Any:
        counter = Counter(rounds)
        return lambda: realistic_updates(counter.next(), base)

    def de_json_pass(bench: Any, batch: Any) -> Any:
        """The path as it was before the JSON conversion: PTB's de_json for every update."""
        rt = bench.runtime

        async def one() -> float:
            data = batch()
            accept = rt.accept
            started = time.perf_counter()
            for start in range(0, len(data), GET_UPDATES_LIMIT):
                stored = []
                for item in data[start:start + GET_UPDATES_LIMIT]:
                    for index, event in enumerate(update_to_events(Update.de_json(item, bot))):
                        stored.append(await accept(event, source=f"telegram:{item['update_id']}:{index}"))
                await asyncio.gather(*stored)
            await rt.idle()
            return time.perf_counter() - started
        return one

    real = await start_runtime(["essentials", *five], settings="realistic")
    real_ptb = await start_runtime(["essentials", *five], settings="realistic")
    real_writes = await start_runtime(["essentials", *five], settings="realistic-writes")
    old = await start_runtime(["essentials", *five], settings="defaults")
    benches = (real, real_ptb, real_writes, old)
    try:
        setup = await populate(real, "telegram", str(GROUP_BASE), base - timedelta(hours=1))
        for other in (real_ptb, real_writes):
            await populate(other, "telegram", str(GROUP_BASE), base - timedelta(hours=1))
        times = await interleaved({"raw": raw_pass(app, counter_batch()), "practica": practica_pass(real, counter_batch()),
                                   "de_json": de_json_pass(real_ptb, counter_batch()),
                                   "writes": practica_pass(real_writes, counter_batch()),
                                   "parse": parse_only(AdapterPath(real), counter_batch()),
                                   **old_stream_passes(app, old, old_batch)},
                                  passes=passes, warmup=1)
        raw = n / median(times["raw"])
        rate = n / median(times["practica"])
        parse = n / median(times["parse"])
        ratio = paired_ratio(times["raw"], times["practica"])
        result.add("updates/s, realistic stream, practica + every built-in plugin (defaults, flood control on)", rate,
                   "updates/s", baseline=raw, baseline_label="updates/s, raw PTB", ratio=ratio,
                   target=f">= {TARGET}x raw", met=ratio >= TARGET)
        result.add("updates/s, realistic stream, practica with PTB de_json for every update (as before)",
                   n / median(times["de_json"]), "updates/s", baseline=raw, baseline_label="updates/s, raw PTB",
                   ratio=paired_ratio(times["raw"], times["de_json"]))
        result.add("updates/s, realistic stream, writes on (blocklist, link review, activity points, insights)",
                   n / median(times["writes"]), "updates/s", baseline=raw, baseline_label="updates/s, raw PTB",
                   ratio=paired_ratio(times["raw"], times["writes"]))
        result.add("realistic stream: practica's parsing of the getUpdates JSON", 1e6 / parse, "us/update",
                   baseline=1e6 / raw, baseline_label="us/update, raw PTB whole path")
        result.add("realistic stream: practica per-update cost beyond parsing (defaults)", 1e6 / rate - 1e6 / parse, "us/update")
        add_old_stream(result, times, n)

        path = AdapterPath(real)
        completion = Completion(real, "telegram")
        raw_lat: list[float] = []
        prac_lat: list[float | None] = []
        raw_counter, prac_counter = Counter(rounds), Counter(rounds)
        raw_counter.number = prac_counter.number = passes + 1  # after the throughput rounds
        for _ in range(latency_passes):
            raw_lat += await raw_latency(app, bot, raw_counter.next()[:latency_n], base)
            prac_lat += await practica_latency(real, path, completion, prac_counter.next()[:latency_n], base)
        missing = sum(1 for v in prac_lat if v is None)
        measured = [v for v in prac_lat if v is not None]
        p99, raw_p99 = percentile(measured, 99), percentile(raw_lat, 99)
        result.add(f"realistic stream at {RATE} updates/s: latency p50 per update", percentile(measured, 50) * 1e3, "ms",
                   baseline=percentile(raw_lat, 50) * 1e3, baseline_label="ms, raw PTB")
        result.add(f"realistic stream at {RATE} updates/s: latency p99 per update", p99 * 1e3, "ms", baseline=raw_p99 * 1e3,
                   baseline_label="ms, raw PTB")
        result.add("realistic stream: p99 latency added to raw PTB's", (p99 - raw_p99) * 1e3, "ms",
                   target=f"<= {LATENCY_TARGET_MS:g} ms", met=(p99 - raw_p99) * 1e3 <= LATENCY_TARGET_MS)
        sent = {name: sum(a.count for a in b.adapters.values()) for name, b in (("real", real), ("writes", real_writes))}
        muted = await real.runtime.storage.fetchval("SELECT COUNT(*) FROM moderation_cases WHERE action = 'mute'", (), 0)
        result.notes.append(
            f"Realistic stream (bench/stream.py): {n:,} updates per pass, {MEMBERS} members in {GROUPS} groups; 72% plain "
            f"text of 3-40 words, 15% replies, 10% commands (/help, /whoami, /search, /top, /rules, /homework), 3% links; "
            f"one update every {MEAN_GAP} s on the stream's clock (message dates), no member twice within {MEMBER_GAP:g} s. "
            f"{passes} rounds after a warm-up; in each round every side handles the same updates; a ratio is the median of "
            f"the rounds' ratios to raw PTB. Before the first round a trainer posted two assignments and the library holds "
            f"{LIBRARY_ITEMS} items ({'; '.join(setup)}). Flood control on at its defaults: {muted} member(s) muted over "
            f"all passes. Replies captured: raw PTB {len(replies):,} (it answers every message), practica {sent['real']:,} "
            f"(defaults) and {sent['writes']:,} (writes on).")
        result.notes.append(
            "Practica's side is its Telegram adapter's own path without the network: PracticaBot parses each getUpdates item "
            "(a plain text message straight from its JSON into core events, anything else through PTB's de_json), the adapter "
            "hands the events over and waits until they are stored before the next getUpdates. 'PTB de_json for every update' "
            "is the path before that conversion (the figure of earlier runs); raw PTB always pays de_json.")
        result.notes.append(
            f"Latency: {latency_passes} passes of {latency_n:,} updates arriving at {RATE}/s, interleaved with raw PTB; an "
            f"update's latency runs from its arrival to its handling being done (for a command: its reply reaching the adapter; "
            f"raw PTB: process_update returned). Practica takes what has arrived as one getUpdates batch, stores it, then takes "
            f"the next, as its adapter does. {missing} update(s) without a recorded completion.")
        result.notes.append(OLD_STREAM_NOTE)
    finally:
        for bench in benches:
            await bench.close()
    return result


OLD_STREAM_NOTE = ("Old stream (the first figure of earlier runs): 70% messages, 20% replies, 10% /help or /whoami, "
                   "20 groups, 2,000 members, 10 ms apart, flood control off.")


def old_stream_passes(app: Any, bench: Any, batch: Any) -> dict[str, Any]:
    """The old stream's timed passes: raw PTB, practica, practica's parsing alone."""
    return {"raw old": raw_pass(app, batch), "practica old": practica_pass(bench, batch),
            "parse old": parse_only(AdapterPath(bench), batch)}


def add_old_stream(result: Result, times: dict[str, list[float]], n: int) -> None:
    """The old stream's two figures, from the interleaved passes 'raw old', 'practica old', 'parse old'."""
    result.add("updates/s, old stream (/help and /whoami only, flood control off)", n / median(times["practica old"]),
               "updates/s", baseline=n / median(times["raw old"]), baseline_label="updates/s, raw PTB",
               ratio=paired_ratio(times["raw old"], times["practica old"]))
    result.add("old stream: practica per-update cost beyond parsing", 1e6 * (median(times["practica old"])
               - median(times["parse old"])) / n, "us/update")


async def run_old_stream(quick: bool) -> Result:
    """Only the old stream's figures, with one runtime in the process (`bench pipeline` compares them with
    the tree before the durable pipeline, whose benchmark had that stream alone)."""
    result = Result("telegram", "Telegram path, old stream only: Bot API JSON -> practica vs raw PTB Application")
    five = enabled_five(builtin_plugins())
    n, passes = _sizes(quick)
    app, _ = raw_application()
    base = datetime.now(timezone.utc) - timedelta(days=1)
    old_batch = old_batches(n, base)

    old = await start_runtime(["essentials", *five], settings="defaults")
    try:
        times = await interleaved(old_stream_passes(app, old, old_batch), passes=passes, warmup=1)
        add_old_stream(result, times, n)
        result.notes.append(OLD_STREAM_NOTE)
    finally:
        await old.close()
    return result


def paired_ratio(baseline: list[float], ours: list[float]) -> float:
    """Median over the rounds of (baseline time / our time): each round's two sides ran back to back."""
    return median(b / o for b, o in zip(baseline, ours))


RATE = 500  # updates per second arriving in the latency passes
PACE = 1 / RATE


async def _paced(count: int, arrived: Any) -> None:
    loop = asyncio.get_running_loop()
    start = loop.time()
    for i in range(count):
        delay = start + i * PACE - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        arrived(i)


async def raw_latency(app: Any, bot: Any, lines: list[Line], base: datetime) -> list[float]:
    """Seconds from arrival to process_update's end, per update (PTB handles updates one at a time)."""
    from telegram import Update

    data = realistic_updates(lines, base)
    arrivals = [0.0] * len(data)
    done = [0.0] * len(data)
    queue: asyncio.Queue[int] = asyncio.Queue()

    def arrived(i: int) -> None:
        arrivals[i] = time.perf_counter()
        queue.put_nowait(i)

    async def worker() -> None:
        for _ in range(len(data)):
            i = await queue.get()
            await app.process_update(Update.de_json(data[i], bot))
            done[i] = time.perf_counter()

    task = asyncio.create_task(worker())
    await _paced(len(data), arrived)
    await task
    return [d - a for a, d in zip(arrivals, done)]


async def practica_latency(bench: Any, path: AdapterPath, completion: Any, lines: list[Line],
                           base: datetime) -> list[float | None]:
    """Seconds from arrival to done (handled; for a command, its reply at the adapter), per update."""
    rt = bench.runtime
    data = realistic_updates(lines, base)
    arrivals = [0.0] * len(data)
    waiting: list[int] = []
    wake = asyncio.Event()

    def arrived(i: int) -> None:
        arrivals[i] = time.perf_counter()
        waiting.append(i)
        wake.set()

    async def poller() -> None:  # what has arrived is one getUpdates batch, stored before the next one
        taken = 0
        while taken < len(data):
            if not waiting:
                wake.clear()
                await wake.wait()
            batch = waiting[:]
            del waiting[:]
            taken += len(batch)
            await path.feed([data[i] for i in batch])

    completion.reset()
    completion.recording = True
    task = asyncio.create_task(poller())
    await _paced(len(data), arrived)
    await task
    await rt.idle()
    completion.recording = False
    out: list[float | None] = []
    for i, line in enumerate(lines):
        key = (str(GROUP_BASE - line.chat), str(MESSAGE_BASE + line.index))
        finished = completion.done_at(key, line.kind == "command")
        out.append(finished - arrivals[i] if finished is not None else None)
    return out
