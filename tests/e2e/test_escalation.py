"""The cross-community escalation of issue #15, replayed against a real `practica run` and the fake Bot API.

Someone creates their own Telegram group (not in plugins.toml), adds the bot and is its creator. From
there, `/approve 1`, a forged approval button and `/appeal_accept 1` must change nothing in the
communities that own the join request (cohort8) and the case (cohort7).
"""

from __future__ import annotations

import sqlite3
import time

from tests.e2e.harness import BotProcess, group, user, wait_until
from tests.adapters.telegram.payloads import message, private

MOD7, MEMBER7, NEWCOMER, MOD8, ROGUE = user(1), user(2), user(3), user(4), user(9)
COHORT7, COHORT8, ROGUE_GROUP = group(7), group(8), group(99)

TOML = f"""
[plugins.moderation]
questions = ["Cadre?"]

[communities.cohort7]
chats = ["telegram:{COHORT7['id']}"]
moderators = ["telegram:{MOD7['id']}"]

[communities.cohort8]
chats = ["telegram:{COHORT8['id']}"]
moderators = ["telegram:{MOD8['id']}"]
"""


def texts_to(api, chat_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(c.params.get("text", "")) for c in api.answered
            if c.method == "sendMessage" and int(c.params["chat_id"]) == chat_id]


async def test_an_unlisted_groups_creator_approves_and_lifts_nothing(api, tmp_path):
    api.admins_by_chat[ROGUE_GROUP["id"]] = [{"user": ROGUE, "status": "creator", "is_anonymous": False}]
    bot = BotProcess(tmp_path, api, extra_toml=TOML)
    await bot.start()
    # cohort7: a member is muted (case #1) and appeals; cohort8: a join request (#1) waits for a moderator
    api.push_update(message=message("hello", chat=COHORT7, sender=MEMBER7))
    api.push_update(message=message(f"/mute @{MEMBER7['username']} 1d spam", chat=COHORT7, sender=MOD7))
    await wait_until(lambda: api.calls_of("restrictChatMember"), 20, "the mute")
    api.push_update(message=message("/appeal 1 it was not spam", chat=private(MEMBER7), sender=MEMBER7))
    api.push_update(chat_join_request={"chat": COHORT8, "from": NEWCOMER, "user_chat_id": NEWCOMER["id"],
                                       "date": int(time.time())})
    await wait_until(lambda: texts_to(api, NEWCOMER["id"]), 20, "the questionnaire")
    api.push_update(message=message("nurse", chat=private(NEWCOMER), sender=NEWCOMER))
    await wait_until(lambda: any("/approve 1" in t for t in texts_to(api, MOD8["id"])), 20, "the review request")

    for text in ("/approve 1", "/appeal_accept 1", "/appeal_refuse 1 no", "/deny 1 no"):
        api.push_update(message=message(text, chat=ROGUE_GROUP, sender=ROGUE))
    api.push_update(callback_query={"id": "cbq-forged", "from": ROGUE, "chat_instance": "ci", "data": "mod:ja:1",
                                    "message": message("Approve?", chat=ROGUE_GROUP, sender=ROGUE)})
    await wait_until(lambda: len(texts_to(api, ROGUE_GROUP["id"])) >= 4, 20, "answers in the rogue group")
    await wait_until(lambda: api.calls_of("answerCallbackQuery"), 20, "the forged button's answer")
    assert await bot.terminate() == 0

    assert not api.calls_of("approveChatJoinRequest") and not api.calls_of("declineChatJoinRequest")
    assert len(api.calls_of("restrictChatMember")) == 1  # the mute only: nothing lifted it
    assert all("Only a moderator" in t for t in texts_to(api, ROGUE_GROUP["id"]))
    db = sqlite3.connect(bot.database)
    assert db.execute("SELECT status FROM moderation_requests").fetchall() == [("pending",)]
    assert db.execute("SELECT status FROM moderation_appeals").fetchall() == [("pending",)]
    assert db.execute("SELECT status FROM moderation_cases").fetchall() == [("open",)]
    db.close()
