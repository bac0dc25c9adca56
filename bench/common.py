"""Shared benchmark helpers: timing, results, machine facts, plugin discovery, a capturing runtime.

Benchmarks are not tests: they print figures and compare against a baseline measured in the same
process and run (the machines are noisy: medians of interleaved passes, ratios).
"""

from __future__ import annotations

import gc
import importlib
import os
import platform
import random
import statistics
import sys
import tempfile
import types
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FIVE = ("moderation", "polls", "homework", "leaderboards", "resources")

# --------------------------------------------------------------------------------------- results


@dataclass
class Figure:
    """One line of the results table."""

    benchmark: str
    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_label: str = ""
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""


@dataclass
class Result:
    """What one benchmark module returns (serialised to JSON by the runner)."""

    benchmark: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sections: dict[str, str] = field(default_factory=dict)  # heading -> preformatted text
    plugins: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, name: str, value: float, unit: str, *, baseline: float | None = None, baseline_label: str = "",
            target: str = "", met: bool | None = None, note: str = "", ratio: float | None = None) -> Figure:
        if ratio is None and baseline:
            ratio = value / baseline
        fig = Figure(self.benchmark, name, value, unit, baseline, baseline_label, ratio, target, met, note)
        self.figures.append(fig)
        print(f"  {name}: {fmt(value)} {unit}" + (f"  (baseline {fmt(baseline)} {baseline_label}; ratio {ratio:.2f})" if baseline else "")
              + (f"  target {target}: {'met' if met else 'MISSED'}" if target and met is not None else ""), flush=True)
        return fig

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


async def interleaved(variants: Mapping[str, Callable[[], Awaitable[float]]], passes: int, warmup: int = 1) -> dict[str, list[float]]:
    """Run each variant's timed pass in turn (ABAB...), after `warmup` untimed rounds; seconds per pass."""
    for _ in range(warmup):
        for run in variants.values():
            await run()
    out: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(passes):
        for name, run in variants.items():
            gc.collect()
            out[name].append(await run())
    return out


def rss_mb() -> float:
    """Resident set size of this process (MB), from /proc."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


# --------------------------------------------------------------------------------------- machine


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    import sqlite3

    versions = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    for dist, label in (("python-telegram-bot", "python-telegram-bot"), ("discord.py", "discord.py"),
                        ("aiosqlite", "aiosqlite"), ("pluggy", "pluggy"), ("rapidfuzz", "rapidfuzz")):
        try:
            import importlib.metadata as md

            versions[label] = md.version(dist)
        except Exception:
            versions[label] = "not installed"
    return {"nproc": str(os.cpu_count()), "cpu": cpu, "ram": ram, "platform": platform.platform(), **versions}


# --------------------------------------------------------------------------------------- plugins


def builtin_plugins() -> dict[str, str]:
    """Status of each built-in plugin folder: "ok", "incomplete (no __init__.py)" or "import error: ...".

    A plugin that fails to import is replaced by an empty stub module, so that practica's loader (which
    imports every built-in folder) still loads the others; the stub is never enabled.
    """
    status: dict[str, str] = {}
    base = ROOT / "plugins"
    for folder in sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))):
        if not (folder / "__init__.py").is_file():
            status[folder.name] = "incomplete (no __init__.py)"
            continue
        name = f"plugins.{folder.name}"
        try:
            module = importlib.import_module(name)
            if not hasattr(module, "Plugin"):
                raise ImportError("no Plugin class")
            status[folder.name] = "ok"
        except Exception as exc:  # a plugin being written right now
            stub = types.ModuleType(name)

            class Plugin:  # noqa: D401 - stub
                """(stub: failed to import)"""

            stub.Plugin = Plugin  # type: ignore[attr-defined]
            sys.modules[name] = stub
            status[folder.name] = f"import error: {type(exc).__name__}: {str(exc)[:120]}"
    return status


def enabled_five(status: Mapping[str, str]) -> list[str]:
    return [p for p in FIVE if status.get(p) == "ok"]


# Plugin settings. "writes" is the core-path configuration of the issue: moderation filters on,
# leaderboard message activity on (no cooldown, no cap: every eligible message scores) and resources
# insights on, so the hot path writes to SQLite.
# Both settings turn off the code-of-conduct gate (an established group whose members have accepted
# the rules), so members' messages reach the listeners.
PLUGIN_SETTINGS: dict[str, dict[str, dict[str, Any]]] = {
    # Flood control is off in both settings: the streams replay hours of chat in a second, so every
    # member would post dozens of messages per second and flood control would (rightly) mute everyone.
    "defaults": {"moderation": {"require_accept": False, "flood_messages": 0}},
    "writes": {
        "moderation": {"require_accept": False, "blocklist": [{"pattern": "casino", "action": "delete"}, {"pattern": "crypto", "action": "warn"}],
                       "link_policy": "review", "privacy_guard": True, "flood_messages": 0},
        "leaderboards": {"activity": {"enabled": True, "cooldown_minutes": 0.0, "daily_cap": 0, "min_length": 20}},
        "resources": {"insights": True},
    },
}
# The realistic stream (bench.stream) paces members as in real chat, so flood control stays on there.
PLUGIN_SETTINGS["realistic"] = {}
PLUGIN_SETTINGS["realistic-writes"] = {name: {k: v for k, v in table.items() if k != "flood_messages"}
                                       for name, table in PLUGIN_SETTINGS["writes"].items()}


def build_config(plugins: Iterable[str], settings: str = "defaults", *, database: str = "bench.db",
                 chats: Iterable[str] = (), locale: str = "en") -> Any:
    """A validated practica Config; plugin tables only for `plugins` that are enabled."""
    from core.config import parse_config

    wanted = set(plugins)
    raw: dict[str, Any] = {
        "practica": {"database": database, "log_level": "ERROR"},
        "plugins": {name: table for name, table in PLUGIN_SETTINGS[settings].items() if name in wanted},
        "communities": {"default": {"chats": list(chats), "locale": locale, "timezone": "Africa/Addis_Ababa",
                                    "moderators": ["telegram:900", "discord:900", "console:trainer"]}},
    }
    return parse_config(raw, Path(tempfile.gettempdir()) / "bench-plugins.toml")


def make_capture(platform_name: str, host: Any) -> Any:
    from core.adapter import Adapter, Capabilities
    from core.events import Role
    from core.replies import SendPoll, Sent

    caps: Capabilities
    if platform_name == "telegram":
        from adapters.telegram.capabilities import CAPABILITIES as caps
    elif platform_name == "discord":
        from adapters.discord.capabilities import CAPABILITIES as caps
    else:
        from adapters.console import CAPABILITIES as caps

    class Capture(Adapter):
        config_type = dict

        def __init__(self) -> None:
            self.name = platform_name  # type: ignore[misc]
            super().__init__({}, host)
            self.capabilities = caps
            self.bot_handle = "practica_bot"
            self.sent: list[Any] = []
            self.count = 0
            self.on_perform: Callable[[Any], None] | None = None

        async def start(self) -> None:
            pass

        async def stop(self) -> None:
            pass

        async def perform(self, action: Any) -> Any:
            self.sent.append(action)
            if len(self.sent) > 10_000:
                del self.sent[:5_000]
            self.count += 1
            if self.on_perform is not None:
                self.on_perform(action)
            if isinstance(action, SendPoll):
                return Sent(message_id=f"m{self.count}", poll_ref=f"poll{self.count}")
            return Sent(message_id=f"m{self.count}")

        async def platform_role(self, chat: Any, user: Any) -> Role:
            return Role.MEMBER

    return Capture()


@dataclass
class Bench:
    """A started runtime with capturing adapters."""

    runtime: Any
    adapters: dict[str, Any]
    folder: tempfile.TemporaryDirectory  # type: ignore[type-arg]

    async def close(self) -> None:
        await self.runtime.stop()
        self.folder.cleanup()


async def start_runtime(plugins: Iterable[str] | None, *, settings: str = "defaults", platforms: Iterable[str] = ("telegram",),
                        extra_plugins: Mapping[str, Any] | None = None, chats: Iterable[str] = (),
                        database: str | None = None) -> Bench:
    """A started Runtime: `plugins` enabled (None = no plugin at all, not even essentials), capture adapters,
    a fresh SQLite file (WAL) in a temporary folder, outbound rate budgets off (nothing is sent)."""
    from core.heap import settle_after_start
    from core.runtime import Runtime

    names = list(plugins or ())
    folder = tempfile.TemporaryDirectory(prefix="practica-bench-")
    db = database or str(Path(folder.name) / "bench.db")
    config = build_config(names, settings, database=db, chats=chats)
    holder: dict[str, Any] = {}

    class Host:
        prefix = "/"

        async def deliver(self, event: Any, *, source: str | None = None) -> None:
            await holder["rt"].deliver(event, source=source)

        def configured_role(self, user: Any, chat: Any) -> Any:
            return holder["rt"].configured_role(user, chat)

    adapters = {p: make_capture(p, Host()) for p in platforms}
    only = set(names) | set(extra_plugins or {})
    runtime = Runtime(config, adapters=adapters, only_plugins=only, extra_plugins=extra_plugins, database=db)
    holder["rt"] = runtime
    runtime.outbox.budgets = {}  # captured in memory: platform rate limits would only add sleeps
    await runtime.start()
    settle_after_start()  # as `practica run` does once the bot has started (core.heap)
    return Bench(runtime, adapters, folder)


# --------------------------------------------------------------------------------------- texts

PEOPLE = ["Amina", "Bekele", "Chipo", "Dawit", "Esther", "Fatou", "Grace", "Hana", "Imani", "Joy", "Kofi", "Lulu",
          "Marie", "Nadia", "Odile", "Priya", "Rahel", "Sara", "Tigist", "Zawadi"]

_EN = [
    "Has anyone got the partograph slides from week {n}?",
    "Thanks @{who} for sharing the PPH protocol, very clear",
    "How do you manage a retained placenta when the referral hospital is far away?",
    "We had a shoulder dystocia yesterday, McRoberts worked. Mother and baby are fine.",
    "Reminder: the neonatal resuscitation practice is on Thursday at the health centre",
    "What dose of oxytocin do you give for active management of the third stage?",
    "I uploaded my homework for module {n}, the case study on pre-eclampsia",
    "Does anyone have the French version of the breastfeeding counselling leaflet?",
    "Good morning everyone, night shift was busy, three deliveries and one referral",
    "Kangaroo mother care reduced hypothermia in our unit, we have data from {n} months",
    "Where can I find the magnesium sulfate loading dose chart?",
    "thank you {who}, the checklist helped a lot during the postnatal visit",
    "ok", "👍", "Agreed", "see you tomorrow",
]
_FR = [
    "Quelqu'un a les diapositives sur le partogramme de la semaine {n} ?",
    "Merci @{who} pour le protocole sur l'hémorragie du post-partum",
    "Comment gérez-vous une rétention placentaire quand l'hôpital de référence est loin ?",
    "Rappel : atelier de réanimation néonatale jeudi au centre de santé",
    "Quelle dose d'ocytocine pour la gestion active de la troisième période ?",
    "J'ai déposé mon devoir du module {n} sur la pré-éclampsie",
    "Bonjour à toutes, garde chargée cette nuit : trois accouchements et une évacuation",
    "Où trouver le tableau de la dose de charge du sulfate de magnésium ?",
]


def chat_texts(count: int, seed: int = 7) -> list[str]:
    """Deterministic, realistic chat lines of a midwives' group (English and French, some questions)."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        template = rng.choice(_FR) if rng.random() < 0.3 else rng.choice(_EN)
        out.append(template.format(n=rng.randint(1, 12), who=rng.choice(PEOPLE).lower()))
    return out


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def message_events(count: int, *, platform: str = "telegram", chats: int = 20, users: int = 200, seed: int = 11,
                   texts: list[str] | None = None) -> list[Any]:
    """Already-normalized group MessageEvents (plain chat, no commands), some replies."""
    from core.events import ChatRef, MessageEvent, ReplyTo, User

    rng = random.Random(seed)
    texts = texts or chat_texts(max(count, 1), seed)
    chat_refs = [ChatRef(platform, str(-1001000000000 - c), "group", f"Cohort {c}") for c in range(chats)]
    people = [User(platform, str(1000 + u), f"{PEOPLE[u % len(PEOPLE)]} {u}", f"{PEOPLE[u % len(PEOPLE)].lower()}{u}")
              for u in range(users)]
    now = utc_now()
    out = []
    for i in range(count):
        reply = ReplyTo(message_id=str(i - 1), author=rng.choice(people), text="previous message") if rng.random() < 0.2 else None
        out.append(MessageEvent(id=str(100000 + i), chat=rng.choice(chat_refs), author=rng.choice(people), text=texts[i % len(texts)],
                                timestamp=now + timedelta(microseconds=i), reply_to=reply))
    return out


class Stream:
    """Hands out the same events again with fresh, increasing timestamps (10 ms apart in a shared
    timeline), so time-window rules (flood detection) see a realistic pace across passes."""

    SPACING = timedelta(milliseconds=10)

    def __init__(self, events: list[Any]) -> None:
        self.events = events
        self.base = utc_now() - timedelta(days=1)
        self.offset = 0

    def next(self, count: int | None = None) -> list[Any]:
        import dataclasses

        chunk = self.events[:count] if count is not None else self.events
        out = [dataclasses.replace(e, timestamp=self.base + (self.offset + i) * self.SPACING) for i, e in enumerate(chunk)]
        self.offset += len(chunk)
        return out


# --------------------------------------------------------------------------------------- chat mix

COMMANDS = ("/help", "/whoami")


def chat_mix(count: int, seed: int = 5) -> list[tuple[str, str, int, int, bool]]:
    """(kind, text, chat index, user index, is_command): 70% plain group messages, 20% replies,
    10% commands (/help, /whoami), over 20 groups and 2,000 members, deterministic."""
    rng = random.Random(seed)
    texts = chat_texts(count, seed)
    out = []
    for i in range(count):
        r = rng.random()
        chat, user = rng.randrange(20), rng.randrange(2_000)
        if r < 0.10:
            out.append(("command", COMMANDS[i % 2], chat, user, True))
        elif r < 0.30:
            out.append(("reply", texts[i], chat, user, False))
        else:
            out.append(("message", texts[i], chat, user, False))
    return out
