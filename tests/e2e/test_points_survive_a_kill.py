"""Points that members are told about, or earn from ordinary messages, survive a SIGKILL of a real
`practica run`: a /thanks commits with its answer; a thank-you reply's points are written within about a
second, not when 200 of them have gathered."""

from __future__ import annotations

import asyncio
import sqlite3

from tests.adapters.telegram.payloads import message
from tests.e2e.harness import BotProcess, group, user, wait_until


def _thanks(database: str) -> list[tuple[str, str]]:
    with sqlite3.connect(database) as db:
        return db.execute("SELECT member, actor FROM leaderboards_ledger WHERE source = 'thanks' ORDER BY id").fetchall()


async def test_thanks_points_are_stored_before_a_sigkill(api, tmp_path):
    bot = BotProcess(tmp_path, api)
    await bot.start()
    chat = group(0)
    question = message("How do I dry the baby before the first breath?", chat=chat, sender=user(1))
    api.push_update(message=question)
    api.push_update(message=message("/thanks @member1", chat=chat, sender=user(3)))
    await wait_until(lambda: any("Thanks sent to" in c.params.get("text", "") for c in api.answered), 30,
                     "the answer to /thanks")
    await bot.kill()  # at once: the member was told "+3 points", so they are stored
    assert _thanks(str(bot.database)) == [("telegram:10001", "telegram:10003")]

    await bot.start()
    api.push_update(message=message("Thank you, that helped a lot", chat=chat, sender=user(2),
                                    reply_to_message=question))
    await asyncio.sleep(2.5)  # about a second for a thank-you reply's points (written behind), and a margin
    await bot.kill()
    assert _thanks(str(bot.database)) == [("telegram:10001", "telegram:10003"), ("telegram:10001", "telegram:10002")]
