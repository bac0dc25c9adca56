"""Discord's gateway in shards: `[adapters.discord] shards`, one worker connecting every shard, and
several workers on one PostgreSQL database sharing the shards as leases (`intake:discord:<shard>`).

Real Runtimes with the real discord.py client against the fake Discord, which routes each guild's
events to the connection of the guild's shard as Discord does. Each shard must be connected exactly
once at any time (two connections of a shard would both receive its events), every guild's members
answered exactly once; a worker that dies loses its shards to another once its leases lapse, one that
joins gets its share, one that stops lets its shards go.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from adapters.discord.adapter import DiscordAdapter
from adapters.discord.config import DiscordConfig
from core.config import parse_config
from core.errors import AdapterError, ConfigError
from core.events import ChatRef, Role, User
from core.runtime import Runtime
from core.schema import validate
from tests.adapters.discord.conftest import Host, new_adapter
from tests.adapters.discord.fakediscord import (
    ADMIN_ID, ALICE_ID, GENERAL_ID, GUILD_ID, MOD_ID, OWNER_ID, SECOND_GENERAL_ID, SECOND_GUILD_ID, FakeDiscord, guild,
    message, second_guild, user)

LEASE = 1.0  # seconds: a dead worker's shard moves within about this
CHANNELS = {GUILD_ID: GENERAL_ID, SECOND_GUILD_ID: SECOND_GENERAL_ID}  # GUILD_ID on shard 1 of 2, the other on 0


def _runtime(folder: Path, fake: FakeDiscord, database: str, *, shards: Any = 2, workers: bool = False) -> Runtime:
    folder.mkdir(parents=True, exist_ok=True)
    practica: dict[str, Any] = {"database": database}
    if workers:
        practica.update({"several_workers": True, "worker_lease": LEASE})
    config = parse_config({
        "practica": practica,
        "adapters": {"discord": {"token": {"$env": "PRACTICA_SHARDS_DISCORD_TOKEN"}, "guilds": list(CHANNELS),
                                 "shards": shards}},
        "communities": {"cohort": {"chats": [f"discord:{c}" for c in CHANNELS.values()]}},
    }, folder / "plugins.toml")
    settings = validate(DiscordConfig, config.adapters["discord"], "plugins.toml [adapters.discord]")
    return Runtime(config, adapters={"discord": lambda host: DiscordAdapter(settings, host, transport=fake.transport())})


@pytest.fixture(autouse=True)
def _token(monkeypatch: pytest.MonkeyPatch, fake: FakeDiscord) -> None:
    monkeypatch.setenv("PRACTICA_SHARDS_DISCORD_TOKEN", "fake-token")
    fake.guilds = [guild(), second_guild()]


def _answers(fake: FakeDiscord) -> Counter[str]:
    """How many replies quote each message id (POST /channels/<id>/messages with a reference)."""
    found: Counter[str] = Counter()
    for call in fake.find("POST", r"^/channels/\d+/messages$"):
        reference = (call.json or {}).get("message_reference")
        if reference:
            found[str(reference["message_id"])] += 1
    return found


_members = itertools.count(1300000000000000001)


def _member() -> dict[str, Any]:
    uid = next(_members)
    return user(uid, f"member{uid % 1000}")


async def _ask_both_guilds(fake: FakeDiscord, per_guild: int = 3, dsn: str | None = None) -> list[str]:
    """Members of both servers send `/whoami`; returns the message ids, once each is answered."""
    sent = []
    for n in range(per_guild):
        for guild_id, channel_id in CHANNELS.items():
            data = message("/whoami", channel_id=channel_id, guild_id=guild_id, author=_member())  # a crowd: no flood
            sent.append(data["id"])
            await fake.dispatch("MESSAGE_CREATE", data)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while not all(_answers(fake)[m] for m in sent):
        if loop.time() > deadline:
            posts = [(c.path, (c.json or {}).get("content", "")[:80], (c.json or {}).get("message_reference"))
                     for c in fake.find("POST", r"/messages$")]
            raise AssertionError(f"unanswered: {[m for m in sent if not _answers(fake)[m]]}" + await _tables(dsn)
                                 + f"\nposts {posts}")
        await asyncio.sleep(0.05)
    return sent


async def _tables(dsn: str | None) -> str:
    """The shared tables' rows, to say why a member was not answered."""
    if dsn is None:
        return ""
    conn = await asyncpg.connect(dsn)
    try:
        inbox = await conn.fetch("SELECT id, source, lane, status FROM practica_inbox ORDER BY id")
        outbox = await conn.fetch("SELECT id, lane, status FROM practica_outbox ORDER BY id")
        leases = await conn.fetch("SELECT name, owner, expires_at >= now() AS live FROM practica_leases ORDER BY name")
    finally:
        await conn.close()
    return (f"\ninbox {[tuple(r) for r in inbox]}\noutbox {[tuple(r) for r in outbox]}"
            f"\nleases {[tuple(r) for r in leases]}")


async def _shard_owners(dsn: str) -> dict[str, str]:
    conn = await asyncpg.connect(dsn)
    try:
        return {r["name"]: r["owner"] for r in await conn.fetch(
            "SELECT name, owner FROM practica_leases WHERE name LIKE 'intake:discord:%' AND expires_at >= now()")}
    finally:
        await conn.close()


async def _until_owners(dsn: str, condition: Any, what: str, timeout: float = 15.0) -> dict[str, str]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition(found := await _shard_owners(dsn)):
        assert loop.time() < deadline, f"timed out waiting for {what}: {found}"
        await asyncio.sleep(0.05)
    return found


async def _die(runtime: Runtime) -> None:
    """What a killed worker looks like to the others: its gateway connections drop, it stops renewing
    its leases and looking for work, and releases nothing (its leases lapse after `worker_lease`)."""
    assert runtime.workers is not None
    await runtime.workers.stop_looking()
    await runtime.workers.renewer.stop()
    client = runtime.adapters["discord"].client  # type: ignore[attr-defined]
    for shard in sorted(client.open_shards):
        await client.close_shard(shard)


async def test_one_worker_connects_every_shard_and_answers_both_servers(fake: FakeDiscord, tmp_path):
    async with _runtime(tmp_path, fake, str(tmp_path / "bot.db")):
        await fake.wait_shards({0: 1, 1: 1})
        assert sorted(tuple(i["shard"]) for i in fake.identifies) == [(0, 2), (1, 2)]
        sent = await _ask_both_guilds(fake)
    assert all(_answers(fake)[m] == 1 for m in sent)


async def test_auto_takes_the_shard_count_discord_recommends(fake: FakeDiscord, tmp_path):
    fake.recommended_shards = 2
    async with _runtime(tmp_path, fake, str(tmp_path / "bot.db"), shards="auto"):
        await fake.wait_shards({0: 1, 1: 1})
        assert fake.find("GET", r"^/gateway/bot$")
        await _ask_both_guilds(fake, per_guild=1)


@pytest.mark.parametrize("value, says", [
    (0, "out of range"), ("two", "is not a number of shards"), (True, "expected int or str"), (5000, "out of range")])
def test_a_wrong_shard_count_stops_the_start_naming_the_key(value, says, tmp_path, fake):
    config = parse_config({"adapters": {"discord": {"token": {"$env": "PRACTICA_SHARDS_DISCORD_TOKEN"},
                                                    "shards": value}}}, tmp_path / "plugins.toml")
    with pytest.raises(ConfigError) as caught:
        validate(DiscordConfig, config.adapters["discord"], "plugins.toml [adapters.discord]")
    assert "'shards'" in str(caught.value) and says in str(caught.value)


async def test_discord_asking_for_more_shards_stops_the_start_saying_what_to_set(fake: FakeDiscord, host: Host):
    fake.close_on_identify = 4011  # Discord: "Sharding required"
    adapter = new_adapter(fake, host)
    with pytest.raises(AdapterError) as caught:
        await asyncio.wait_for(adapter.start(), 10)
    await adapter.stop()
    assert "[adapters.discord] shards" in str(caught.value) and '"auto"' in str(caught.value)


async def test_a_worker_without_the_servers_shard_still_knows_its_moderators(fake: FakeDiscord, host: Host):
    adapter = new_adapter(fake, host, shards=2, guilds=tuple(CHANNELS))
    adapter.defer_intake = True  # several workers: this one holds no shard lease yet
    await adapter.start()
    try:
        assert fake.open_shards() == {}  # no gateway connection: these servers are not in its cache
        general, other = (ChatRef("discord", str(c), "group") for c in (GENERAL_ID, SECOND_GENERAL_ID))
        assert await adapter.platform_role(general, User("discord", str(MOD_ID), "moses")) == Role.MODERATOR
        assert await adapter.platform_role(general, User("discord", str(OWNER_ID), "olga")) == Role.OWNER
        assert await adapter.platform_role(general, User("discord", str(ALICE_ID), "alice")) == Role.MEMBER
        assert await adapter.platform_role(other, User("discord", str(ADMIN_ID), "ada")) == Role.ADMIN
        assert len(fake.find("GET", rf"^/guilds/{GUILD_ID}$")) == 1  # kept a while, not fetched per message
    finally:
        await adapter.stop()


async def test_workers_share_the_shards_and_a_dead_or_stopped_workers_shard_moves(fake: FakeDiscord, tmp_path, pg_dsn):
    first = _runtime(tmp_path / "first", fake, pg_dsn, workers=True)
    second = _runtime(tmp_path / "second", fake, pg_dsn, workers=True)
    await first.start()
    try:
        await second.start()
        try:
            assert first.workers is not None and second.workers is not None
            ids = {first.workers.id: "first", second.workers.id: "second"}
            owners = await _until_owners(pg_dsn, lambda found: len(found) == 2 and len(set(found.values())) == 2,
                                         "one shard on each worker")
            await fake.wait_shards({0: 1, 1: 1})  # each shard connected once, by its lease's holder
            sent = await _ask_both_guilds(fake, dsn=pg_dsn)
            assert all(_answers(fake)[m] == 1 for m in sent)  # every member answered, once

            dying = first if ids[owners["intake:discord:0"]] == "first" else second
            survivor = second if dying is first else first
            assert survivor.workers is not None
            await _die(dying)
            await fake.wait_shards({1: 1})  # the dead worker's shard 0 is connected by nobody for a lease time
            await _until_owners(pg_dsn, lambda found: set(found.values()) == {survivor.workers.id} and len(found) == 2,
                                f"the {ids[survivor.workers.id]} worker to hold both shards", timeout=LEASE * 10)
            await fake.wait_shards({0: 1, 1: 1})
            sent += await _ask_both_guilds(fake, dsn=pg_dsn)

            third = _runtime(tmp_path / "third", fake, pg_dsn, workers=True)
            await third.start()  # a worker joins: the survivor hands it one shard
            try:
                assert third.workers is not None
                joined = third.workers.id
                await _until_owners(pg_dsn, lambda found: len(found) == 2 and set(found.values()) == {
                    survivor.workers.id, joined}, "the survivor to hand a shard to the worker that joined")
                await fake.wait_shards({0: 1, 1: 1})
                sent += await _ask_both_guilds(fake, dsn=pg_dsn)
            finally:
                await third.stop()  # a clean stop: its shard is let go, and the survivor connects it again
            await _until_owners(pg_dsn, lambda found: set(found.values()) == {survivor.workers.id} and len(found) == 2,
                                "the survivor to take the stopped worker's shard back")
            await fake.wait_shards({0: 1, 1: 1})
            sent += await _ask_both_guilds(fake, dsn=pg_dsn)
            assert all(_answers(fake)[m] == 1 for m in sent)  # every member answered once, whoever received it
            assert fake.most_open == {0: 1, 1: 1}  # never two connections of one shard at once
        finally:
            await second.stop()
    finally:
        await first.stop()
