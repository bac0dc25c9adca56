"""Telegram path: Bot API update JSON -> PTB `Update.de_json` -> practica's convert -> dispatcher with
the five plugins -> reply captured behind the real outbox, against raw python-telegram-bot
(`Update.de_json` + `Application.process_update` with one MessageHandler that builds the reply text).

Both sides parse the same updates (group messages, replies, commands) in the same process; passes are
interleaved after a warm-up. No network: PTB's Application is marked initialized instead of calling
getMe, and its handler appends the reply text to a list.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from bench.common import PEOPLE, Result, builtin_plugins, chat_mix, enabled_five, interleaved, median, start_runtime

TARGET = 0.8
GET_UPDATES_LIMIT = 100  # Telegram's default and maximum batch
GROUP_BASE = -1001000000000


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


async def run(quick: bool) -> Result:
    from telegram import Update

    from adapters.telegram.convert import update_to_events

    result = Result("telegram", "Telegram path: PTB parsing -> practica (five plugins) vs raw PTB Application")
    status = builtin_plugins()
    five = enabled_five(status)
    result.plugins = status
    n = 1_000 if quick else 5_000
    passes = 2 if quick else 5
    app, replies = raw_application()
    bot = app.bot
    counter = {"next": 1}
    base = datetime.now(timezone.utc) - timedelta(days=1)

    def batch() -> list[dict[str, Any]]:
        start = counter["next"]
        counter["next"] += n
        return updates(n, start, base + timedelta(milliseconds=10 * start))

    async def raw_pass() -> float:
        data = batch()
        started = time.perf_counter()
        for item in data:
            await app.process_update(Update.de_json(item, bot))
        return time.perf_counter() - started

    def practica_pass(bench: Any) -> Any:
        rt = bench.runtime

        async def one() -> float:
            data = batch()
            accept = rt.accept
            started = time.perf_counter()
            for start in range(0, len(data), GET_UPDATES_LIMIT):  # as the adapter does: a getUpdates batch is
                stored = []                                      # stored before the next getUpdates confirms it
                for item in data[start:start + GET_UPDATES_LIMIT]:
                    for index, event in enumerate(update_to_events(Update.de_json(item, bot))):
                        stored.append(await accept(event, source=f"telegram:{item['update_id']}:{index}"))
                await asyncio.gather(*stored)
            await rt.idle()
            return time.perf_counter() - started
        return one

    async def parse_only() -> float:
        data = batch()
        started = time.perf_counter()
        for item in data:
            update_to_events(Update.de_json(item, bot))
        return time.perf_counter() - started

    defaults = await start_runtime(["essentials", *five], settings="defaults")
    writes = await start_runtime(["essentials", *five], settings="writes")
    try:
        times = await interleaved({"raw": raw_pass, "practica": practica_pass(defaults), "writes": practica_pass(writes),
                                   "parse": parse_only}, passes=passes, warmup=1)
        raw = n / median(times["raw"])
        rate = n / median(times["practica"])
        rate_w = n / median(times["writes"])
        parse = n / median(times["parse"])
        result.add("updates/s, practica + five plugins (default settings)", rate, "updates/s", baseline=raw,
                   baseline_label="updates/s, raw PTB", target=f">= {TARGET}x raw", met=rate / raw >= TARGET)
        result.add("updates/s, practica + five plugins (core-path settings: writes on)", rate_w, "updates/s", baseline=raw,
                   baseline_label="updates/s, raw PTB", target=f">= {TARGET}x raw", met=rate_w / raw >= TARGET)
        result.add("PTB de_json + practica convert only", 1e6 / parse, "us/update", baseline=1e6 / raw,
                   baseline_label="us/update, raw PTB whole path")
        result.add("practica per-update cost beyond parsing (defaults)", 1e6 / rate - 1e6 / parse, "us/update")
        sent = {name: sum(a.count for a in b.adapters.values()) for name, b in (("defaults", defaults), ("writes", writes))}
        result.notes.append(f"{n:,} updates per pass (70% group messages, 20% replies, 10% /help or /whoami; 20 groups, "
                            f"2,000 members), {passes} timed passes after a warm-up, medians. Replies captured: raw PTB "
                            f"{len(replies):,} (every message), practica {sent['defaults']:,} (defaults) and {sent['writes']:,} "
                            f"(writes on) over all passes: practica answers commands only, as a real bot would.")
        result.notes.append("Settings 'defaults': every plugin at its defaults. 'writes on': moderation blocklist and link "
                            "review, leaderboard message activity without cooldown or cap, resources insights (as in the core "
                            "path).")
    finally:
        await defaults.close()
        await writes.close()
    return result
