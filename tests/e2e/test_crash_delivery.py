"""Nothing lost when the bot is killed: a real `practica run`, SIGKILLed mid-burst, restarted.

Every update Telegram handed over is answered (the inbox stores it before getUpdates confirms it;
the outbox stores the reply with the work that produced it); the only duplicates are messages in
flight at a kill: at most one per chat per kill.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3

from tests.adapters.telegram.payloads import message
from tests.e2e.harness import BotProcess, group, replies_by_message, user, wait_until

CHATS = 20
PER_CHAT = 10
KILLS = 10


async def test_ten_kills_mid_burst_lose_no_reply_and_keep_each_chats_order(api, tmp_path):
    bot = BotProcess(tmp_path, api)
    await bot.start()
    rng = random.Random(7)
    sent: list[tuple[int, int]] = []  # (chat, message id) in the order members posted

    async def members_post() -> None:
        for round_ in range(PER_CHAT):
            for c in range(CHATS):
                body = message(rng.choice(["/whoami", "/rules", "/help"]), chat=group(c), sender=user(c * 10 + round_ % 3))
                sent.append((body["chat"]["id"], body["message_id"]))
                api.push_update(message=body)
            await asyncio.sleep(0.4)

    posting = asyncio.create_task(members_post())
    for _ in range(KILLS):
        await asyncio.sleep(rng.uniform(0.3, 1.2))
        await bot.kill()
        await bot.start()
    await posting
    await wait_until(lambda: all(replies_by_message(api)[m] >= 1 for m in sent), 120, "every message answered")
    assert await bot.terminate() == 0

    answered = replies_by_message(api)
    assert len(sent) == CHATS * PER_CHAT
    assert all(answered[m] >= 1 for m in sent)  # nothing lost
    duplicates_per_chat: dict[int, int] = {}
    for (chat, _), count in answered.items():
        duplicates_per_chat[chat] = duplicates_per_chat.get(chat, 0) + count - 1
    assert all(d <= KILLS for d in duplicates_per_chat.values()), duplicates_per_chat  # only what was in flight
    for c in range(CHATS):  # each chat's answers came in the order its members posted
        chat_id = group(c)["id"]
        expected = [m for ch, m in sent if ch == chat_id]
        first_answers = []
        for call in api.answered:
            quoted = call.params.get("reply_parameters") if call.method == "sendMessage" else None
            if isinstance(quoted, dict) and int(call.params["chat_id"]) == chat_id and quoted["message_id"] not in first_answers:
                first_answers.append(quoted["message_id"])
        assert first_answers == expected
    with sqlite3.connect(bot.database) as db:  # the stored pipeline agrees: nothing left to do
        assert db.execute("SELECT COUNT(*) FROM practica_outbox WHERE status = 'pending'").fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM practica_inbox WHERE status = 'pending'").fetchone()[0] == 0


def _dms(api) -> dict[int, int]:
    """Direct messages received per member (Telegram private chats have the member's id)."""
    out: dict[int, int] = {}
    for call in api.answered:
        if call.method == "sendMessage" and int(call.params["chat_id"]) > 0:
            out[int(call.params["chat_id"])] = out.get(int(call.params["chat_id"]), 0) + 1
    return out


TRAINER = {"id": 9_999, "is_bot": False, "first_name": "Trainer", "username": "trainer"}
MEMBERS = 200


async def test_a_kill_during_a_200_member_reminder_burst_reminds_everyone_once(api, tmp_path):
    bot = BotProcess(tmp_path, api, extra_toml=(
        '[plugins.homework]\nremind_before = ["2h"]\nsocial_proof_every = "off"\ndigest = ""\n\n'
        f'[communities.cohort7]\nchats = ["telegram:{group(0)["id"]}"]\nmoderators = ["telegram:{TRAINER["id"]}"]\n'))
    await bot.start()
    for n in range(MEMBERS):
        api.push_update(message=message("hello from the ward", chat=group(0), sender=user(n)))
    add = message("/homework add Read the PPH chapter | due in 3 hours", chat=group(0), sender=TRAINER)
    api.push_update(message=add)
    await wait_until(lambda: replies_by_message(api)[(group(0)["id"], add["message_id"])] >= 1, 60, "the assignment post")
    assert await bot.terminate() == 0
    with sqlite3.connect(bot.database) as db:  # the reminder falls due while the bot is down
        moved = db.execute("UPDATE practica_jobs SET run_at = '2000-01-01T00:00:00.000000Z' "
                           "WHERE plugin = 'homework' AND kind = 'remind' AND status = 'pending'").rowcount
        db.commit()
    assert moved == 1

    await bot.start()  # the overdue reminder runs at start: 200 DMs at Telegram's 30 messages a second
    for _ in range(3):
        await wait_until(lambda: len(_dms(api)) >= 20, 60, "the burst to begin")
        await asyncio.sleep(random.uniform(0.2, 1.5))
        await bot.kill()
        await bot.start()
    members = [user(n)["id"] for n in range(MEMBERS)]
    await wait_until(lambda: all(_dms(api).get(m, 0) >= 1 for m in members), 120, "every member reminded")
    assert await bot.terminate() == 0

    dms = _dms(api)
    assert all(1 <= dms.get(m, 0) <= 2 for m in members)  # once, or twice when in flight at a kill
    assert sum(dms[m] - 1 for m in members) <= 30 * bot.kills  # at most what Telegram accepts in a second, per kill
    assert TRAINER["id"] not in dms  # trainers are not reminded
    with sqlite3.connect(bot.database) as db:  # and the database agrees with what was sent
        reminded = {r[0] for r in db.execute("SELECT uid FROM homework_nudges WHERE last_reminded IS NOT NULL")}
        assert reminded == {f"telegram:{m}" for m in members}
        assert db.execute("SELECT COUNT(*) FROM practica_outbox WHERE status = 'pending'").fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM practica_jobs WHERE kind = 'remind' AND status = 'pending'").fetchone()[0] == 0


async def test_a_clean_stop_with_queued_replies_sends_them_now_or_after_the_next_start(api, tmp_path):
    bot = BotProcess(tmp_path, api, grace=3.0)  # Telegram allows one message a second per chat: 8 need ~8 s
    await bot.start()
    posted = [message("/help", chat=group(0), sender=user(n)) for n in range(8)]
    for body in posted:
        api.push_update(message=body)
    wanted = [(group(0)["id"], body["message_id"]) for body in posted]
    await wait_until(lambda: replies_by_message(api)[wanted[0]] >= 1, 30, "the first reply")
    assert await bot.terminate() == 0
    before_restart = sum(1 for m in wanted if replies_by_message(api)[m])
    assert before_restart < 8  # the grace ran out with replies still queued (else this test shows nothing)
    await bot.start()
    await wait_until(lambda: all(replies_by_message(api)[m] >= 1 for m in wanted), 30, "the rest after the restart")
    assert await bot.terminate() == 0
    answered = replies_by_message(api)
    assert [answered[m] for m in wanted] == [1] * 8  # a clean stop duplicates nothing
    order = [call.params["reply_parameters"]["message_id"] for call in api.answered
             if call.method == "sendMessage" and isinstance(call.params.get("reply_parameters"), dict)]
    assert order == [m for _, m in wanted]


async def test_two_minutes_of_429_5xx_refused_and_hanging_lose_nothing_and_keep_the_cpu_idle(api, tmp_path):
    bot = BotProcess(tmp_path, api)
    await bot.start()
    wanted = []
    for c in range(4):
        for n in range(8):
            body = message("/rules", chat=group(c), sender=user(c * 8 + n))
            api.push_update(message=body)
            wanted.append((group(c)["id"], body["message_id"]))
    await wait_until(lambda: sum(replies_by_message(api).values()) >= 4, 30, "the first replies")
    cpu_before, started = bot.cpu_seconds(), asyncio.get_running_loop().time()
    for kind in ("429", "5xx", "refused", "hang"):
        if kind == "refused":
            await api.refuse_connections()
        else:
            api.outage = kind
        await asyncio.sleep(30)
        if kind == "refused":
            await api.listen_again()
        api.outage = None
    busy = (bot.cpu_seconds() - cpu_before) / (asyncio.get_running_loop().time() - started)
    await wait_until(lambda: all(replies_by_message(api)[m] >= 1 for m in wanted), 180, "every reply after the outage")
    assert await bot.terminate() == 0
    answered = replies_by_message(api)
    assert all(answered[m] == 1 for m in wanted)  # nothing lost, nothing twice
    for c in range(4):
        order = [call.params["reply_parameters"]["message_id"] for call in api.answered
                 if call.method == "sendMessage" and int(call.params["chat_id"]) == group(c)["id"]]
        assert order == [m for ch, m in wanted if ch == group(c)["id"]]
    assert busy < 0.05, f"the bot used {busy:.0%} of a core while the platform was down"


async def test_a_database_locked_by_another_program_loses_no_update(api, tmp_path):
    bot = BotProcess(tmp_path, api)
    await bot.start()
    wanted = []
    blocker = sqlite3.connect(bot.database, timeout=1, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # e.g. a backup tool holding the write lock for 8 s
    try:
        for n in range(30):
            body = message("/rules", chat=group(n % 3), sender=user(n))
            api.push_update(message=body)
            wanted.append((body["chat"]["id"], body["message_id"]))
        await asyncio.sleep(8)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    await wait_until(lambda: all(replies_by_message(api)[m] >= 1 for m in wanted), 90, "every update answered")
    assert await bot.terminate() == 0
    assert all(replies_by_message(api)[m] == 1 for m in wanted)
