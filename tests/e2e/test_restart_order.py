"""After downtime, overdue state changes come first: a poll that closed meanwhile is closed, with its
final results, before the bot answers the commands that waited at Telegram (issue #17, item 7)."""

from __future__ import annotations

import sqlite3

from tests.adapters.telegram.payloads import message
from tests.e2e.harness import BotProcess, group, user, wait_until

PAST = "2000-01-01T00:00:00.000000Z"


async def test_a_poll_that_closed_during_downtime_is_closed_before_any_command_is_answered(api, tmp_path):
    bot = BotProcess(tmp_path, api, extra_toml="[plugins.polls]\nnative = false\n")
    await bot.start()
    api.push_update(message=message("/poll Which module next? | PPH | HBB | closes: 2h", chat=group(0), sender=user(1)))
    await wait_until(lambda: any("Which module next?" in c.params.get("text", "") for c in api.answered), 30, "the poll")
    assert await bot.terminate() == 0
    with sqlite3.connect(bot.database) as db:  # two hours pass while the bot is down
        db.execute("UPDATE polls_polls SET close_at = ?", (PAST,))
        db.execute("UPDATE practica_jobs SET run_at = ? WHERE plugin = 'polls' AND status = 'pending'", (PAST,))
        db.commit()
    waiting = [message("/polls", chat=group(0), sender=user(2)), message("/results 1", chat=group(0), sender=user(3))]
    for body in waiting:  # members asked while the bot was down: Telegram hands these over first
        api.push_update(message=body)
    seen = len(api.answered)
    await bot.start()
    await wait_until(lambda: sum(1 for c in api.answered[seen:] if c.method == "sendMessage") >= 3, 30, "three messages")
    assert await bot.terminate() == 0
    sent = [c.params for c in api.answered[seen:] if c.method == "sendMessage"]
    answers = {p["reply_parameters"]["message_id"]: p["text"] for p in sent if isinstance(p.get("reply_parameters"), dict)}
    posts = [p["text"] for p in sent if not isinstance(p.get("reply_parameters"), dict)]
    # the close ran before the waiting commands were handled: both see the poll closed (a reply may still
    # leave before the results post, since replies go before announcements in a chat's queue)
    assert answers[waiting[0]["message_id"]].startswith("No open polls here")
    assert answers[waiting[1]["message_id"]].startswith("Final results of poll #1")
    assert any(t.startswith("Final results of poll #1: Which module next?") for t in posts)
