"""Discord path: MESSAGE_CREATE payloads -> discord.py's own parser (ConnectionState with a prepared
guild, as a gateway READY + GUILD_CREATE would leave it) -> practica's Discord adapter (`on_message`,
convert) -> dispatcher with the five plugins -> reply captured behind the real outbox, against raw
discord.py (the same parser + an `on_message` handler that builds the reply text).

No network: the clients are never logged in; the parser is called directly with gateway-shaped JSON.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from bench.common import PEOPLE, Result, builtin_plugins, chat_mix, enabled_five, interleaved, median, start_runtime
from bench.realistic import LIBRARY_ITEMS, Counter, Rounds, populate
from bench.stream import GROUPS, MEAN_GAP, MEMBER_GAP, MEMBERS, Line, member_name

TARGET = 0.6
GUILD_ID = 1100000000000000010
OWNER_ID = 1100000000000000020
BOT_ID = 1100000000000000002
CHANNEL_BASE = 1100000000000000100
CHANNELS = 25  # the realistic stream's groups (the old stream uses the first 20)
EVERYONE = (1 << 10) | (1 << 11) | (1 << 16)


def _user(uid: int, name: str, bot: bool = False) -> dict[str, Any]:
    return {"id": str(uid), "username": name, "global_name": name.title(), "discriminator": "0", "avatar": None,
            "bot": bot, "public_flags": 0}


def guild_payload() -> dict[str, Any]:
    now = datetime.now(timezone.utc).isoformat()
    channels = [{"id": str(CHANNEL_BASE + c), "type": 0, "guild_id": str(GUILD_ID), "name": f"cohort-{c}", "position": c,
                 "permission_overwrites": [], "nsfw": False, "parent_id": None, "topic": None, "rate_limit_per_user": 0,
                 "last_message_id": None} for c in range(CHANNELS)]
    return {
        "id": str(GUILD_ID), "name": "Midwives network", "icon": None, "owner_id": str(OWNER_ID), "unavailable": False,
        "member_count": 2000, "large": True, "features": [], "emojis": [], "stickers": [], "afk_timeout": 300,
        "verification_level": 1, "default_message_notifications": 1, "explicit_content_filter": 0, "mfa_level": 0,
        "premium_tier": 0, "system_channel_id": str(CHANNEL_BASE), "system_channel_flags": 0, "preferred_locale": "en-US",
        "nsfw_level": 0, "premium_progress_bar_enabled": False, "joined_at": now,
        "roles": [{"id": str(GUILD_ID), "name": "@everyone", "permissions": str(EVERYONE), "position": 0, "color": 0,
                   "hoist": False, "managed": False, "mentionable": False, "flags": 0}],
        "channels": channels, "threads": [], "voice_states": [], "presences": [], "stage_instances": [],
        "guild_scheduled_events": [], "soundboard_sounds": [],
        "members": [{"user": _user(BOT_ID, "practica", True), "roles": [], "joined_at": now, "deaf": False, "mute": False,
                     "flags": 0, "nick": None, "avatar": None, "premium_since": None, "pending": False}],
    }


DISCORD_EPOCH_MS = 1_420_070_400_000


def snowflake(when: datetime, seq: int) -> int:
    """A Discord id whose embedded time is `when` (discord.py derives created_at from it)."""
    return ((int(when.timestamp() * 1000) - DISCORD_EPOCH_MS) << 22) | (seq & 0xFFF)


def payloads(count: int, first: int, when: datetime) -> list[dict[str, Any]]:
    out = []
    for i, (kind, text, chat, user, _) in enumerate(chat_mix(count)):
        moment = when + timedelta(milliseconds=10 * i)
        name = f"{PEOPLE[user % len(PEOPLE)].lower()}{user}"
        author = _user(1_300_000_000_000_000_000 + user, name)
        stamp = moment.isoformat()
        data: dict[str, Any] = {
            "id": str(snowflake(moment, first + i)), "channel_id": str(CHANNEL_BASE + chat), "guild_id": str(GUILD_ID), "author": author,
            "member": {"roles": [], "joined_at": stamp, "deaf": False, "mute": False, "flags": 0, "nick": None, "avatar": None,
                       "premium_since": None, "pending": False},
            "content": text, "timestamp": stamp, "edited_timestamp": None, "tts": False, "mention_everyone": False,
            "mentions": [], "mention_roles": [], "attachments": [], "embeds": [], "pinned": False, "type": 0, "flags": 0,
            "components": []}
        if kind == "reply":
            other = (user + 7) % 2_000
            quoted = {**data, "id": str(snowflake(moment - timedelta(minutes=5), first + i)), "content": "Has anyone got the slides from week 3?",
                      "author": _user(1_300_000_000_000_000_000 + other, f"member{other}")}
            quoted.pop("member")
            data.update(type=19, message_reference={"message_id": quoted["id"], "channel_id": data["channel_id"],
                                                    "guild_id": str(GUILD_ID)}, referenced_message=quoted)
        out.append(data)
    return out


def realistic_payloads(lines: list[Line], base: datetime) -> list[dict[str, Any]]:
    """MESSAGE_CREATE payloads for lines of the realistic stream (bench.stream); ids follow the stream."""
    out = []
    for line in lines:
        moment = base + timedelta(seconds=line.at)
        stamp = moment.isoformat()
        author = _user(1_300_000_000_000_000_000 + line.user, f"{member_name(line.user).lower()}{line.user}")
        data: dict[str, Any] = {
            "id": str(snowflake(moment, line.index)), "channel_id": str(CHANNEL_BASE + line.chat), "guild_id": str(GUILD_ID),
            "author": author,
            "member": {"roles": [], "joined_at": stamp, "deaf": False, "mute": False, "flags": 0, "nick": None, "avatar": None,
                       "premium_since": None, "pending": False},
            "content": line.text, "timestamp": stamp, "edited_timestamp": None, "tts": False, "mention_everyone": False,
            "mentions": [], "mention_roles": [], "attachments": [], "embeds": [], "pinned": False, "type": 0, "flags": 0,
            "components": []}
        if line.kind == "reply" and line.reply_to is not None:
            quoted = {**data, "id": str(snowflake(moment - timedelta(seconds=30), line.reply_to)), "content": line.quoted_text,
                      "author": _user(1_300_000_000_000_000_000 + line.quoted_user,
                                      f"{member_name(line.quoted_user).lower()}{line.quoted_user}")}
            quoted.pop("member")
            data.update(type=19, message_reference={"message_id": quoted["id"], "channel_id": data["channel_id"],
                                                    "guild_id": str(GUILD_ID)}, referenced_message=quoted)
        out.append(data)
    return out


async def prepare(client: Any) -> Any:
    """Give a never-connected client the state a gateway session would: loop, user, one guild."""
    import discord

    await client._async_setup_hook()  # noqa: SLF001 - sets the loop without logging in
    state = client._connection  # noqa: SLF001
    state.user = discord.ClientUser(state=state, data=_user(BOT_ID, "practica", True))
    guild = discord.Guild(data=guild_payload(), state=state)
    state._add_guild(guild)  # noqa: SLF001
    return state


class Done:
    """Counts handled messages; `wait(n)` returns when n more have been handled."""

    def __init__(self) -> None:
        self.count = 0
        self.target = 0
        self.event = asyncio.Event()

    def hit(self) -> None:
        self.count += 1
        if self.count >= self.target:
            self.event.set()

    async def wait_for(self, target: int) -> None:
        self.target = target
        if self.count < target:
            self.event.clear()
            await self.event.wait()


async def run(quick: bool) -> Result:
    import discord

    from adapters.discord.adapter import DiscordAdapter
    from adapters.discord.config import DiscordConfig
    from core.schema import Secret

    result = Result("discord", "Discord path: discord.py parser -> practica (every built-in plugin) vs raw discord.py")
    status = builtin_plugins()
    five = enabled_five(status)
    result.plugins = status
    n = 1_000 if quick else 4_000
    passes = 2 if quick else 7
    ids = {"next": 0}
    base = datetime.now(timezone.utc) - timedelta(days=1)
    rounds = Rounds(n)

    def old_batch() -> list[dict[str, Any]]:
        first = ids["next"]
        ids["next"] += n
        return payloads(n, first, base + timedelta(milliseconds=10 * first))

    def counter_batch() -> Any:
        counter = Counter(rounds)
        return lambda: realistic_payloads(counter.next(), base)

    # raw discord.py
    intents = discord.Intents.none()
    intents.guilds = intents.guild_messages = intents.message_content = intents.members = True
    raw_client = discord.Client(intents=intents, chunk_guilds_at_startup=False, max_messages=500)
    raw_state = await prepare(raw_client)
    raw_done = Done()
    replies: list[str] = []

    async def on_message(message: discord.Message) -> None:
        if message.author.id != BOT_ID:
            content = message.content
            if content.startswith("/help"):
                replies.append("Commands: /help, /whoami")
            elif content.startswith("/whoami"):
                replies.append(f"You are {message.author.display_name} (@{message.author.name})")
            else:
                replies.append(f"{message.author.display_name}: {len(content)} characters")
        raw_done.hit()

    raw_client.on_message = on_message  # type: ignore[method-assign]
    raw_parse = raw_state.parsers["MESSAGE_CREATE"]

    def raw_pass(batch: Any) -> Any:
        async def one() -> float:
            data = batch()
            target = raw_done.count + len(data)
            started = time.perf_counter()
            for item in data:
                raw_parse(item)
                await asyncio.sleep(0)  # a gateway read yields between frames
            await raw_done.wait_for(target)
            return time.perf_counter() - started
        return one

    async def practica_side(bench: Any) -> tuple[Any, Done]:
        rt = bench.runtime
        done = Done()

        class CountingHost:
            prefix = "/"

            async def deliver(self, event: Any, *, source: str | None = None) -> None:
                await rt.deliver(event, source=source)
                done.hit()

            def configured_role(self, user: Any, chat: Any) -> Any:
                return rt.configured_role(user, chat)

        config = DiscordConfig(token=Secret("bench-token", "DISCORD_BOT_TOKEN"), guilds=(GUILD_ID,))
        adapter = DiscordAdapter(config, CountingHost())
        await prepare(adapter.client)
        return adapter, done

    def practica_pass(bench: Any, side: tuple[Any, Done], batch: Any) -> Any:
        adapter, done = side
        parse = adapter.client._connection.parsers["MESSAGE_CREATE"]  # noqa: SLF001 - the adapter's guarded parser

        async def one() -> float:
            data = batch()
            target = done.count + len(data)
            started = time.perf_counter()
            for item in data:
                parse(item)
                await asyncio.sleep(0)
            await done.wait_for(target)
            await bench.runtime.idle()
            return time.perf_counter() - started
        return one

    real = await start_runtime(["essentials", *five], settings="realistic", platforms=("discord",))
    real_writes = await start_runtime(["essentials", *five], settings="realistic-writes", platforms=("discord",))
    old = await start_runtime(["essentials", *five], settings="defaults", platforms=("discord",))
    benches = (real, real_writes, old)
    try:
        setup = await populate(real, "discord", str(CHANNEL_BASE), base - timedelta(hours=1))
        await populate(real_writes, "discord", str(CHANNEL_BASE), base - timedelta(hours=1))
        sides = {name: await practica_side(bench) for name, bench in (("real", real), ("writes", real_writes), ("old", old))}
        times = await interleaved({"raw": raw_pass(counter_batch()),
                                   "practica": practica_pass(real, sides["real"], counter_batch()),
                                   "writes": practica_pass(real_writes, sides["writes"], counter_batch()),
                                   "raw old": raw_pass(old_batch), "practica old": practica_pass(old, sides["old"], old_batch)},
                                  passes=passes, warmup=1)
        raw = n / median(times["raw"])
        rate = n / median(times["practica"])
        ratio = paired_ratio(times["raw"], times["practica"])
        result.add("messages/s, realistic stream, practica + every built-in plugin (defaults, flood control on)", rate, "msg/s",
                   baseline=raw, baseline_label="msg/s, raw discord.py", ratio=ratio, target=f">= {TARGET}x raw",
                   met=ratio >= TARGET)
        result.add("messages/s, realistic stream, writes on (blocklist, link review, activity points, insights)",
                   n / median(times["writes"]), "msg/s", baseline=raw, baseline_label="msg/s, raw discord.py",
                   ratio=paired_ratio(times["raw"], times["writes"]))
        result.add("realistic stream: practica per-message cost beyond raw discord.py (defaults)", 1e6 / rate - 1e6 / raw, "us/msg")
        result.add("messages/s, old stream (/help and /whoami only, flood control off)", n / median(times["practica old"]),
                   "msg/s", baseline=n / median(times["raw old"]), baseline_label="msg/s, raw discord.py",
                   ratio=paired_ratio(times["raw old"], times["practica old"]))
        sent = {name: sum(a.count for a in b.adapters.values()) for name, b in (("real", real), ("writes", real_writes))}
        result.notes.append(
            f"Realistic stream (bench/stream.py, as for Telegram): {n:,} MESSAGE_CREATE payloads per pass, {MEMBERS} members in "
            f"{GROUPS} channels; 72% plain text of 3-40 words, 15% replies carrying the referenced message, 10% commands "
            f"(/help, /whoami, /search, /top, /rules, /homework), 3% links; one message every {MEAN_GAP} s on the stream's "
            f"clock, no member twice within {MEMBER_GAP:g} s. {passes} rounds after a warm-up, the same payloads for both "
            f"sides in a round; a ratio is the median of the rounds' ratios. Both sides yield to the loop after each payload, as "
            f"the gateway reader does. Before the first round a trainer posted two assignments and the library holds "
            f"{LIBRARY_ITEMS} items ({'; '.join(setup)}). Replies captured: raw {len(replies):,} (it answers every message), "
            f"practica {sent['real']:,} (defaults) and {sent['writes']:,} (writes on).")
        result.notes.append("Old stream (the figure of earlier runs): 70% messages, 20% replies, 10% /help or /whoami, 20 "
                            "channels, 2,000 members, flood control off.")
    finally:
        for bench in benches:
            await bench.close()
    return result


def paired_ratio(baseline: list[float], ours: list[float]) -> float:
    """Median over the rounds of (baseline time / our time): each round's two sides ran back to back."""
    return median(b / o for b, o in zip(baseline, ours))
