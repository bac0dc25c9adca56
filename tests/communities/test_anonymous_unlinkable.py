"""Anonymous polls: with the database file alone, no vote can be linked to a member."""

from __future__ import annotations

import hashlib
import hmac
import os
import sqlite3
import stat


async def test_the_database_alone_links_no_anonymous_vote_to_a_member(make_bot):
    bot = await make_bot(platform="console", plugins={"polls"},
                         communities={"cohort7": {"members": ["amina", "bekele", "chala"]}})
    await bot.send("/poll anonymous | Was the training useful? | Yes | No", user="amina", chat="cohort7")
    await bot.send("/vote 1 1", user="amina", chat="dm")
    await bot.send("/vote 1 2", user="bekele", chat="dm")
    await bot.send("/vote 1 2", user="bekele", chat="dm")  # one vote each still holds
    bot.new_messages()
    await bot.runtime.stop()

    db = sqlite3.connect(bot.database)  # everything someone with a copy of the database has
    salt = db.execute("SELECT salt FROM polls_polls WHERE id = 1").fetchone()[0]
    tokens = {row[0] for row in db.execute("SELECT voter FROM polls_votes WHERE poll_id = 1")}
    uids = {row[0] for row in db.execute("SELECT uid FROM practica_members")}
    db.close()
    assert len(tokens) == 2 and {"console:amina", "console:bekele"} <= uids
    guesses = {"anon:" + hashlib.sha256(f"{s}\x00{uid}".encode()).hexdigest()[:40]
               for uid in uids for s in (salt, salt.removeprefix("k1:"))}
    assert not tokens & guesses  # trying every member with the stored salt finds nobody

    key_file = bot.database + ".polls-key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    key = open(key_file, "rb").read()
    with open(bot.database, "rb") as raw:
        assert key not in raw.read()
    keyed = {"anon:" + hmac.new(key, f"{salt}\x00{uid}".encode(), hashlib.sha256).hexdigest()[:40] for uid in uids}
    assert tokens <= keyed  # only with the key kept outside the database do the tokens match members


async def test_votes_stay_one_per_member_across_a_restart(make_bot):
    bot = await make_bot(platform="console", plugins={"polls"}, communities={"cohort7": {"members": ["amina"]}})
    await bot.send("/poll anonymous | Useful? | Yes | No", user="amina", chat="cohort7")
    await bot.send("/vote 1 1", user="amina", chat="dm")
    await bot.restart()
    await bot.send("/vote 1 2", user="amina", chat="dm")
    bot.new_messages()
    await bot.send("/results 1", user="amina", chat="cohort7")
    assert "1 vote" in bot.next_reply().text
