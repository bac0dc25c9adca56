"""Results are counted as votes come, change and go: /results and /polls read the same few rows for 500 or
5,000 voters (SQLite instructions counted, no clock), and always agree with the votes themselves."""

from __future__ import annotations

import random

from plugins.polls import store
from plugins.polls.logic import tally
from tests.sqlwork import record_statements, total_steps
from tests.engines import SQLITE_ONLY


async def _poll_with_voters(make_bot, voters: int):
    bot = await make_bot(plugins={"polls"})
    await bot.send("/poll Best day? | Monday | Friday | Sunday", user="trainer")
    bot.new_messages()
    db, now = bot.runtime.storage, bot.clock.now()
    for i in range(voters):
        await store.set_choice(db, 1, f"telegram:v{i}", {i % 3} | ({(i + 1) % 3} if i % 4 == 0 else set()), now)
    return bot


async def _work(bot, log, text: str) -> int:
    log.clear()
    log.recording = True
    await bot.send(text, user="amina")
    log.recording = False
    assert bot.new_messages()
    return total_steps(bot.database, log.matching("polls_"))


@SQLITE_ONLY  # counts SQLite VM instructions (tests/sqlwork.py)
async def test_results_and_listing_cost_the_same_with_ten_times_more_voters(make_bot, monkeypatch):
    log = record_statements(monkeypatch)
    small, large = await _poll_with_voters(make_bot, 500), await _poll_with_voters(make_bot, 5_000)
    for text in ("/results 1", "/polls"):
        cost_small, cost_large = await _work(small, log, text), await _work(large, log, text)
        assert cost_large <= cost_small * 1.2 + 300, (text, cost_small, cost_large)
    await large.send("/results 1", user="amina")
    assert large.next_reply().text.splitlines()[-1] == "5000 votes"


async def test_counts_follow_every_change_of_a_vote(make_bot):
    bot = await make_bot(plugins={"polls"})
    await bot.send("/poll Which? | A | B | C", user="trainer")
    db, now, rng = bot.runtime.storage, bot.clock.now(), random.Random(8)
    for _ in range(300):
        voter = f"telegram:v{rng.randrange(25)}"
        if rng.random() < 0.1:
            await store.erase_member(db, voter, [])
        else:
            await store.set_choice(db, 1, voter, set(rng.sample(range(3), rng.randint(0, 3))), now)
    rows = await db.fetchall("SELECT voter, option FROM polls_votes WHERE poll_id = 1")
    poll = await store.get_poll(db, 1)
    assert await store.poll_tally(db, poll) == tally(len(poll.options), ((r[0], r[1]) for r in rows))
    assert await store.voter_count(db, 1) == len({r[0] for r in rows})
