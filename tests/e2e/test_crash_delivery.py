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
