"""Core path: normalized MessageEvents through the dispatcher, five plugins (writes on) vs no plugin.

Throughput: submit N group messages (20 chats, 5,000 members, realistic English/French text) and
wait until every event is handled and every reply delivered; events/s = N / elapsed. Passes of the
two runtimes are interleaved (ABAB) after a warm-up; medians reported.
Latency: paced submission at half the measured five-plugin rate; per event, intended submit time ->
end of `Dispatcher.handle` (so queueing behind a slow event counts).
Profile: cProfile of one pass, top functions by cumulative time.
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import pstats
import time
from typing import Any

from bench.common import Result, Stream, enabled_five, builtin_plugins, interleaved, median, message_events, percentile, start_runtime

TARGET_RATE = 20_000
TARGET_RATIO = 0.5


async def _pass(rt: Any, stream: Stream) -> float:
    events = stream.next()
    deliver = rt.deliver
    started = time.perf_counter()
    for event in events:
        await deliver(event)
    await rt.idle()
    return time.perf_counter() - started


async def paced_latency(rt: Any, events: list[Any], rate: float) -> list[float]:
    """Latency (ms) of each event submitted at `rate`/s: intended submit time -> handled."""
    dispatcher = rt.dispatcher
    original = dispatcher.handle
    intended: dict[int, float] = {}
    latencies: list[float] = []

    async def timed(event: Any) -> None:
        try:
            await original(event)
        finally:
            start = intended.pop(id(event), None)
            if start is not None:
                latencies.append((time.perf_counter() - start) * 1000)

    dispatcher.handle = timed  # instance attribute: the lanes call self.handle(event)
    try:
        t0 = time.perf_counter() + 0.01
        interval = 1.0 / rate
        i = 0
        n = len(events)
        while i < n:
            now = time.perf_counter()
            due = min(n, int((now - t0) / interval) + 1)
            while i < due:
                event = events[i]
                intended[id(event)] = t0 + i * interval
                await rt.deliver(event)
                i += 1
            await asyncio.sleep(0.0005)
        await rt.idle()
    finally:
        dispatcher.handle = original
    return latencies


def profile_text(stats: pstats.Stats, limit: int = 25) -> str:
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]
    stats.sort_stats("cumulative").print_stats(limit)
    text = out.getvalue()
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    return "\n".join(line.replace("/work/main/", "").replace(".venv/lib/python3.11/site-packages/", "")
                     for line in lines[start:] if line.strip())


async def run(quick: bool) -> Result:
    result = Result("core", "Core path: dispatcher + five plugins (moderation filters, leaderboard activity, resources insights)")
    status = builtin_plugins()
    five = enabled_five(status)
    result.plugins = status
    n = 3_000 if quick else 20_000
    passes = 2 if quick else 5
    events = message_events(n, users=5_000, chats=20)
    stream, bare_stream = Stream(events), Stream(events)
    full = await start_runtime(["essentials", *five], settings="writes")
    bare = await start_runtime(None)
    try:
        times = await interleaved({"plugins": lambda: _pass(full.runtime, stream), "bare": lambda: _pass(bare.runtime, bare_stream)},
                                  passes=passes, warmup=1)
        rate = n / median(times["plugins"])
        bare_rate = n / median(times["bare"])
        result.add("events/s, five plugins (writes on)", rate, "events/s", baseline=bare_rate, baseline_label="events/s, no plugin",
                   target=f">= {TARGET_RATE:,} events/s", met=rate >= TARGET_RATE)
        result.add("ratio five plugins / no plugin", rate / bare_rate, "x", target=f">= {TARGET_RATIO}x", met=rate / bare_rate >= TARGET_RATIO)
        result.add("per-event cost, five plugins", 1e6 / rate, "us/event", baseline=1e6 / bare_rate, baseline_label="us/event, no plugin")
        sent = sum(a.count for a in full.adapters.values())
        result.notes.append(f"{n:,} events per pass, {passes} timed passes after 1 warm-up, medians; "
                            f"outbound actions captured during the run (five plugins): {sent}.")

        pace = rate / 2
        m = min(n, int(pace * (1.5 if quick else 3.0)))
        lat = await paced_latency(full.runtime, stream.next(m), pace)
        lat_bare = await paced_latency(bare.runtime, bare_stream.next(m), pace)
        result.add(f"latency p50 at {pace:,.0f} events/s", percentile(lat, 50), "ms", baseline=percentile(lat_bare, 50),
                   baseline_label="ms, no plugin, same pace")
        result.add(f"latency p99 at {pace:,.0f} events/s", percentile(lat, 99), "ms", baseline=percentile(lat_bare, 99),
                   baseline_label="ms, no plugin, same pace")

        profiler = cProfile.Profile()
        profiler.enable()
        await _pass(full.runtime, stream)
        profiler.disable()
        result.sections["cProfile of one core-path pass (five plugins), top functions by cumulative time"] = \
            profile_text(pstats.Stats(profiler))
        tottime = io.StringIO()
        stats = pstats.Stats(profiler, stream=tottime)
        stats.sort_stats("tottime").print_stats(15)
        lines = tottime.getvalue().splitlines()
        start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
        result.sections["same profile, top functions by own time"] = "\n".join(
            line.replace("/work/main/", "").replace(".venv/lib/python3.11/site-packages/", "") for line in lines[start:] if line.strip())
    finally:
        await full.close()
        await bare.close()
    return result
