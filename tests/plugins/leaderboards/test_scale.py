"""/top, /rank, /points and /progress cost the same in a community of 500 and of 5,000 members: the SQLite
work of every statement they send is counted (instructions, no clock) after the boards and counts are
kept, with points (queued thank-you points among them), levels and members changing in between as they
do in a living community."""

from __future__ import annotations

from datetime import timedelta

from core.storage import to_utc_text as iso
from tests.plugins.leaderboards.conftest import greet
from tests.sqlwork import record_statements, total_steps
from tests.engines import SQLITE_ONLY

MODULES = {"pph": "PPH", "sepsis": "Sepsis"}
COMMANDS = (("/top all", "trainer"), ("/top", "m7"), ("/rank", "m7"), ("/rank @m3", "trainer"),
            ("/points @m5 +2 kept", "trainer"), ("/progress", "m7"), ("/top teams all", "m7"), ("/team Clinic 3", "m9"))


async def _community(lb, size: int):
    bot = await lb(modules=MODULES, confirm_levels=False)
    await greet(bot, "trainer")
    db = bot.runtime.storage
    now = bot.clock.now()
    await db.executemany(
        "INSERT INTO practica_members (community, uid, platform, user_id, name, handle, first_seen, last_seen) "
        "VALUES (?, ?, 'telegram', ?, ?, ?, ?, ?)",
        [(bot.home, f"telegram:m{i}", f"m{i}", f"m{i}", f"m{i}", iso(now), iso(now)) for i in range(size)])
    await db.executemany(
        "INSERT INTO leaderboards_ledger (community, member, points, source, reason, reference, created_at) "
        "VALUES (?, ?, ?, 'homework', '', ?, ?)",
        [(bot.home, f"telegram:m{i}", 1 + (i * 7919) % 97, f"homework:{i}", iso(now - timedelta(hours=i % 50))) for i in range(size)])
    await db.executemany(
        "INSERT INTO leaderboards_levels (community, member, module, level, confirmed, updated_at) VALUES (?, ?, ?, ?, 1, ?)",
        [(bot.home, f"telegram:m{i}", module, 1 + (i + n) % 3, iso(now)) for i in range(size) for n, module in enumerate(MODULES)])
    await db.executemany(  # 40 teams whatever the size (stored by an older version: keyed at the start)
        "INSERT INTO leaderboards_profiles (community, member, team) VALUES (?, ?, ?)",
        [(bot.home, f"telegram:m{i}", f"Clinic {i % 40}") for i in range(0, size, 10)])
    await bot.restart()  # the member directory is read at start
    for text, user in COMMANDS:  # the first of each counts the boards and the learners once
        await bot.send(text, user=user)
    bot.new_messages()
    return bot


async def _work(bot, log) -> dict[str, int]:
    """Instructions per command, each after some change (a new member, a level, thank-you points that
    are still queued: the command writes them first)."""
    out = {}
    for n, (text, user) in enumerate(COMMANDS):
        await bot.send(f"hello from a newcomer {n}", user=f"new{n}")
        await bot.send("/level pph expert", user=f"m{10 + n}")
        answer = await bot.send("The partograph alert line is crossed: refer.", user=f"m{40 + n}")
        await bot.send("thank you!", user=f"m{60 + n}", reply_to=answer)
        bot.new_messages()
        log.clear()
        log.recording = True
        await bot.send(text, user=user)
        log.recording = False
        assert bot.new_messages(), text
        assert len(log.statements) <= 40, (text, len(log.statements))
        out[text] = total_steps(bot.database, log.statements)
    return out


@SQLITE_ONLY  # counts SQLite VM instructions (tests/sqlwork.py)
async def test_board_commands_cost_the_same_at_5000_members_as_at_500(lb, monkeypatch):
    log = record_statements(monkeypatch)
    small = await _work(await _community(lb, 500), log)
    bot = await _community(lb, 5_000)
    large = await _work(bot, log)
    for text in small:
        assert large[text] <= small[text] * 1.3 + 2_000, (text, small, large)
    await bot.send("/progress", user="m7")  # and the counts are right
    lines = bot.next_reply().text.splitlines()
    assert lines[0] == "Progress toward the Champion certificate. Learners: 5008 (moderators and trainers are not counted)."
