"""Three `practica run` workers on one PostgreSQL database, one of them SIGKILLed mid-burst.

A real PostgreSQL server, three real processes with the python-telegram-bot adapter against the fake
Bot API. One worker polls getUpdates at a time (the intake lease); every worker handles and sends for
the chats whose lease it holds. The worker that polls is killed mid-way: another takes the intake and
its chats over once their leases lapse, and every member is answered, in each chat's order, with
duplicates only for what was in flight at the kill (at most one per chat); the homework reminder that
falls due mid-burst fires once, on one worker, and reminds every member once.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import asyncpg

from tests.adapters.telegram.payloads import message
from tests.e2e.harness import BotProcess, group, replies_by_message, user, wait_until

WORKERS = 3
CHATS = 50
PER_CHAT = 40
WAVES = 4
LEASE = 2.0
TRAINER = {"id": 9_999, "is_bot": False, "first_name": "Trainer", "username": "trainer"}
HOMEWORK = ('[plugins.homework]\nremind_before = ["2h"]\nsocial_proof_every = "off"\ndigest = ""\n\n'
            f'[communities.cohort7]\nchats = ["telegram:{group(0)["id"]}"]\nmoderators = ["telegram:{TRAINER["id"]}"]\n')


def private(n: int) -> dict[str, object]:
    return {"id": user(n)["id"], "type": "private", "first_name": f"Member{n}"}


async def _leases(dsn: str) -> dict[str, str]:
    conn = await asyncpg.connect(dsn)
    try:
        return {r["name"]: r["owner"] for r in await conn.fetch(
            "SELECT name, owner FROM practica_leases WHERE expires_at >= now()")}
    finally:
        await conn.close()


async def _until_leases(dsn: str, condition, what: str, timeout: float = 30.0) -> dict[str, str]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            found = await _leases(dsn)
        except asyncpg.UndefinedTableError:  # not migrated yet
            found = {}
        if condition(found):
            return found
        assert loop.time() < deadline, f"timed out waiting for {what}: {found}"
        await asyncio.sleep(0.1)


def _answered(api, sent: list[tuple[int, int]]) -> int:
    """How many of `sent` have been answered (one pass over the fake server's calls)."""
    answered = replies_by_message(api)
    return sum(1 for m in sent if answered[m])


async def _what_is_left(dsn: str, sent: list[tuple[int, int]], api) -> str:
    """Why the test waited in vain: unanswered messages per chat and the rows and leases left."""
    answered = replies_by_message(api)
    missing = Counter(chat for chat, m in sent if not answered[(chat, m)])
    conn = await asyncpg.connect(dsn)
    try:
        inbox = await conn.fetch("SELECT lane, COUNT(*) FROM practica_inbox WHERE status = 'pending' GROUP BY lane")
        outbox = await conn.fetch("SELECT lane, COUNT(*) FROM practica_outbox WHERE status = 'pending' GROUP BY lane")
        leases = await conn.fetch("SELECT name, owner, expires_at >= now() AS live FROM practica_leases")
    finally:
        await conn.close()
    return (f"{sum(missing.values())} unanswered in {len(missing)} chats: {dict(missing)}\n"
            f"pending inbox {[tuple(r) for r in inbox]}\npending outbox {[tuple(r) for r in outbox]}\n"
            f"leases {[tuple(r) for r in leases]}")


def _duplicates_per_chat(api) -> Counter[int]:
    """How many answers beyond the first each chat got (one per message answered twice)."""
    duplicates: Counter[int] = Counter()
    for (chat, _), count in replies_by_message(api).items():
        duplicates[chat] += count - 1
    return duplicates


def _first_answers(api, chat_id: int) -> list[int]:
    """The messages of `chat_id` in the order their first answers went out."""
    first: list[int] = []
    for call in api.answered:
        quoted = call.params.get("reply_parameters") if call.method == "sendMessage" else None
        if isinstance(quoted, dict) and int(call.params["chat_id"]) == chat_id and quoted["message_id"] not in first:
            first.append(quoted["message_id"])
    return first


async def test_three_workers_one_killed_mid_burst_answer_every_member_in_order(api, tmp_path, pg_dsn):
    bots = []
    for n in range(WORKERS):
        folder = tmp_path / f"worker{n}"
        folder.mkdir()
        bots.append(BotProcess(folder, api, database=pg_dsn, practica_toml=f"several_workers = true\nworker_lease = {LEASE}", extra_toml=HOMEWORK))
    try:
        await asyncio.gather(*(bot.start(wait_polling=False) for bot in bots))
        leases = await _until_leases(pg_dsn, lambda found: sum(k.startswith("worker:") for k in found) == WORKERS
                                     and "intake:telegram" in found, "three workers, one of them polling")
        await wait_until(lambda: api.calls_of("getUpdates"), 20, "the first getUpdates")
        leader_pid = int(leases["intake:telegram"].split(":")[1])
        leader = next(bot for bot in bots if bot.process is not None and bot.process.pid == leader_pid)

        for c in range(CHATS):  # the members are seen in the cohort's group; the trainer sets homework
            api.push_update(message=message("hello from the ward", chat=group(0), sender=user(c)))
        add = message("/homework add Read the PPH chapter | due in 3 hours", chat=group(0), sender=TRAINER)
        api.push_update(message=add)
        await wait_until(lambda: replies_by_message(api)[(group(0)["id"], add["message_id"])] >= 1, 30, "the assignment post")

        sent: list[tuple[int, int]] = []
        for wave in range(WAVES):
            for round_ in range(PER_CHAT // WAVES):
                for c in range(CHATS):
                    body = message("/whoami" if (round_ + c) % 2 else "/help", chat=private(c), sender=user(c))
                    sent.append((body["chat"]["id"], body["message_id"]))
                    api.push_update(message=body)
            if wave == 0:  # the reminder falls due now, on whichever worker looks first: 50 private messages
                conn = await asyncpg.connect(pg_dsn)
                try:
                    moved = await conn.execute("UPDATE practica_jobs SET run_at = '2000-01-01T00:00:00.000000Z' "
                                               "WHERE plugin = 'homework' AND kind = 'remind' AND status = 'pending'")
                finally:
                    await conn.close()
                assert moved == "UPDATE 1"
            if wave == 1:  # mid-way: the worker that polls (and holds its share of the chats) dies
                await wait_until(lambda: _answered(api, sent) >= len(sent) // 4, 60, "a quarter of the replies")
                owned = await _leases(pg_dsn)
                held_by_leader = sum(1 for k, v in owned.items() if k.startswith("chat:") and v == leases["intake:telegram"])
                await leader.kill()
            await asyncio.sleep(1.0)
        survivors = [bot for bot in bots if bot is not leader]
        await _until_leases(pg_dsn, lambda found: found.get("intake:telegram") not in (None, leases["intake:telegram"]),
                            "another worker to take the intake", timeout=20)
        try:
            await wait_until(lambda: _answered(api, sent) == len(sent), 90, "every member answered")
        except AssertionError:
            raise AssertionError(await _what_is_left(pg_dsn, sent, api)) from None
        for bot in survivors:
            assert await bot.terminate() == 0
    finally:
        for bot in bots:
            if bot.process is not None and bot.process.returncode is None:
                await bot.kill()

    assert len(sent) == CHATS * PER_CHAT
    answered = replies_by_message(api)
    assert all(answered[m] >= 1 for m in sent)  # nothing lost
    assert held_by_leader >= 1  # the killed worker had chats of its own, not only the intake
    duplicates = _duplicates_per_chat(api)
    assert all(d <= 1 for d in duplicates.values()), duplicates  # only what was in flight at the one kill
    for c in range(CHATS):  # each chat's answers came in the order its member wrote
        chat_id = private(c)["id"]
        expected = [m for ch, m in sent if ch == chat_id]
        first_answers = _first_answers(api, chat_id)
        if first_answers != expected:
            conn = await asyncpg.connect(pg_dsn)
            try:
                rows = await conn.fetch("SELECT id, source, done_at FROM practica_inbox WHERE lane = $1 ORDER BY id",
                                        f"telegram:{chat_id}")
                out = await conn.fetch("SELECT id, created_at, done_at FROM practica_outbox WHERE lane = $1 ORDER BY id",
                                       f"telegram:{chat_id}")
            finally:
                await conn.close()
            raise AssertionError(f"chat {c}: {first_answers} != {expected}\ninbox {[tuple(r) for r in rows]}\n"
                                 f"outbox {[tuple(r) for r in out]}")
    reminders = Counter(int(call.params["chat_id"]) for call in api.answered if call.method == "sendMessage"
                        and int(call.params["chat_id"]) > 0 and not isinstance(call.params.get("reply_parameters"), dict))
    members = [user(c)["id"] for c in range(CHATS)]
    assert all(1 <= reminders[m] <= 2 for m in members), reminders  # the job fired once: everyone reminded once,
    assert sum(reminders[m] - 1 for m in members) <= held_by_leader  # twice only if in flight at the kill
    assert TRAINER["id"] not in reminders
    conn = await asyncpg.connect(pg_dsn)
    try:  # the shared tables agree: nothing left to do, no lease left behind by the clean stops
        assert await conn.fetchval("SELECT COUNT(*) FROM practica_outbox WHERE status = 'pending'") == 0
        assert await conn.fetchval("SELECT COUNT(*) FROM practica_inbox WHERE status = 'pending'") == 0
        assert await conn.fetchval("SELECT status FROM practica_jobs WHERE kind = 'remind'") == "done"
        reminded = {r[0] for r in await conn.fetch("SELECT uid FROM homework_nudges WHERE last_reminded IS NOT NULL")}
        assert reminded == {f"telegram:{m}" for m in members}
        owners = {r[0] for r in await conn.fetch("SELECT owner FROM practica_leases WHERE expires_at >= now()")}
        assert owners <= {leases["intake:telegram"]}
    finally:
        await conn.close()


async def test_two_workers_ride_out_a_database_restart_mid_burst(api, tmp_path, pg_dsn, practica_pg):
    """The operator restarts PostgreSQL while two workers are busy: both wait, reconnect and go on; every
    member is answered in order, at most one duplicate per chat (a reply sent whose record the restart
    cut), and both stop cleanly afterwards (no connection left taken)."""
    chats, per_chat = 20, 20
    bots = []
    for n in range(2):
        folder = tmp_path / f"worker{n}"
        folder.mkdir()
        bots.append(BotProcess(folder, api, database=pg_dsn, practica_toml=f"several_workers = true\nworker_lease = {LEASE}"))
    try:
        await asyncio.gather(*(bot.start(wait_polling=False) for bot in bots))
        await _until_leases(pg_dsn, lambda found: sum(k.startswith("worker:") for k in found) == 2
                            and "intake:telegram" in found, "two workers, one of them polling")
        sent: list[tuple[int, int]] = []
        for round_ in range(per_chat):
            for c in range(chats):
                body = message("/whoami" if (round_ + c) % 2 else "/help", chat=private(c), sender=user(c))
                sent.append((body["chat"]["id"], body["message_id"]))
                api.push_update(message=body)
                if round_ % 4 == 0:  # a poll's message id is recorded after its send (a delivery callback)
                    api.push_update(message=message(f"/poll Round {round_}? | yes | no", chat=group(c), sender=user(c)))
            if round_ == per_chat // 2:
                await wait_until(lambda: _answered(api, sent) >= len(sent) // 4, 60, "a quarter of the replies")
                await asyncio.to_thread(practica_pg.restart)  # every connection of both workers is cut
            await asyncio.sleep(0.05)
        try:
            await wait_until(lambda: _answered(api, sent) == len(sent), 120, "every member answered")
        except AssertionError:
            raise AssertionError(await _what_is_left(pg_dsn, sent, api)) from None
        polls = chats * len(range(0, per_chat, 4))
        await wait_until(lambda: len(api.calls_of("sendPoll")) >= polls, 60, "every poll posted")
        for bot in bots:
            assert await bot.terminate() == 0
    finally:
        for bot in bots:
            if bot.process is not None and bot.process.returncode is None:
                await bot.kill()
    duplicates = _duplicates_per_chat(api)
    assert all(d <= 1 for d in duplicates.values()), duplicates
    for c in range(chats):
        chat_id = private(c)["id"]
        assert _first_answers(api, chat_id) == [m for ch, m in sent if ch == chat_id], f"chat {c}"
    conn = await asyncpg.connect(pg_dsn)
    try:  # every poll knows its message (recorded after the send, across the restart too): votes edit it
        rows = await conn.fetch("SELECT id, message_id FROM polls_polls")
    finally:
        await conn.close()
    assert len(rows) == polls == len(api.calls_of("sendPoll"))
    assert all(p["message_id"] for p in rows), rows
