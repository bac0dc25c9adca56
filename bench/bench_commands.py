"""Command round trip: a command in (/help, /whoami), its reply out through the outbox to a capturing
adapter. Rate = commands / time until every reply was delivered. Baseline: the same runtime with only
the core commands (essentials) enabled, so /help lists fewer commands.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from bench.common import Result, builtin_plugins, enabled_five, interleaved, median, start_runtime, utc_now

TARGET = 5_000


def commands(count: int, offset: int) -> list[Any]:
    from core.events import ChatRef, MessageEvent, User

    groups = [ChatRef("telegram", str(-1001000000000 - c), "group", f"Cohort {c}") for c in range(20)]
    base = utc_now() - timedelta(days=1)
    out = []
    for i in range(count):
        user = User("telegram", str(20_000 + (i % 1_000)), f"Member {i % 1_000}", f"member{i % 1_000}")
        direct = i % 4 == 3
        chat = ChatRef("telegram", user.id, "direct", user.name) if direct else groups[i % 20]
        text = ("/help", "/whoami")[(i // 2) % 2]
        out.append(MessageEvent(id=str(offset + i), chat=chat, author=user, text=text,
                                timestamp=base + timedelta(milliseconds=10 * (offset + i))))
    return out


async def run(quick: bool) -> Result:
    result = Result("commands", "Command round trip: /help and /whoami in, reply out through the outbox")
    status = builtin_plugins()
    five = enabled_five(status)
    result.plugins = status
    n = 1_000 if quick else 5_000
    passes = 2 if quick else 5
    full = await start_runtime(["essentials", *five], settings="defaults")
    core_only = await start_runtime(["essentials"], settings="defaults")
    offset = {"next": 0}

    def side(bench: Any) -> Any:
        rt = bench.runtime
        adapters = list(bench.adapters.values())

        async def one() -> float:
            events = commands(n, offset["next"])
            offset["next"] += n
            before = sum(a.count for a in adapters)
            started = time.perf_counter()
            for event in events:
                await rt.deliver(event)
            await rt.idle()
            elapsed = time.perf_counter() - started
            delivered = sum(a.count for a in adapters) - before
            if delivered != n:
                result.notes.append(f"warning: {delivered} replies for {n} commands in one pass")
            return elapsed
        return one

    try:
        times = await interleaved({"full": side(full), "core": side(core_only)}, passes=passes, warmup=1)
        rate = n / median(times["full"])
        base = n / median(times["core"])
        result.add("commands/s, five plugins enabled", rate, "commands/s", baseline=base,
                   baseline_label="commands/s, core commands only", target=f">= {TARGET:,}/s", met=rate >= TARGET)
        result.add("round trip per command", 1e6 / rate, "us", baseline=1e6 / base, baseline_label="us, core commands only")
        sample = next((a for a in full.adapters["telegram"].sent if "help" in getattr(a, "text", "").lower()), None)
        if sample is not None:
            result.notes.append(f"/help reply with the five plugins: {len(sample.text):,} characters.")
        result.notes.append(f"{n:,} commands per pass (half /help, half /whoami; 3/4 in 20 groups, 1/4 in direct chats; "
                            f"1,000 members), {passes} timed passes after a warm-up, medians; every reply was delivered "
                            f"to the capturing adapter through the outbox (rate budgets off: nothing is really sent).")
    finally:
        await full.close()
        await core_only.close()
    return result
