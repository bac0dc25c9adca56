"""The boards are kept per period instead of summed from the ledger at every /top: whatever happens
(points, corrections below zero, activity written in batches, messages scored again, members hiding,
erasing their data or linking accounts, weeks and months going by), /top, /rank and /points answer
exactly what the ledger itself says."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from core.storage import to_utc_text as iso
from plugins.leaderboards import store
from plugins.leaderboards.logic import month_start, parse_reset, position_of, rank, team_averages, week_start
from tests.plugins.leaderboards.conftest import greet

NAMES = [f"m{i}" for i in range(12)]
TEAMS = ["Hope Clinic", "hope clinic", "Bahir Dar", "BAHIR  DAR", "Gondar", "Gondär", "none"]


async def _ledger_totals(bot, start: datetime | None) -> dict[str, int]:
    await store.flush(bot.runtime.storage)
    rows = await bot.runtime.storage.fetchall(
        "SELECT member, SUM(points) FROM leaderboards_ledger WHERE community = ?"
        + (" AND created_at >= ?" if start else "") + " GROUP BY member", (bot.home, iso(start)) if start else (bot.home,))
    return {r[0]: int(r[1]) for r in rows}


async def _hidden(bot) -> set[str]:
    rows = await bot.runtime.storage.fetchall("SELECT member FROM leaderboards_profiles WHERE hidden = 1")
    return {r[0] for r in rows}


async def _expected_top(bot, start: datetime | None, limit: int) -> list[str]:
    hidden = await _hidden(bot)
    ranking = rank({m: p for m, p in (await _ledger_totals(bot, start)).items() if m not in hidden})
    return [f"{position_of(m, ranking)}. {m.split(':')[1]} — {p} pts" for m, p in ranking[:limit]]


async def _expected_teams(bot, start: datetime | None, limit: int) -> list[str]:
    rows = await bot.runtime.storage.fetchall(
        "SELECT member, team FROM leaderboards_profiles WHERE community = ? AND team IS NOT NULL AND hidden = 0", (bot.home,))
    board = team_averages({r[0]: r[1] for r in rows}, await _ledger_totals(bot, start))[:limit]
    return [f"{i}. {team} — {f'{avg:.1f}'.rstrip('0').rstrip('.')} pts per member ({count} member{'s' if count > 1 else ''})"
            for i, (team, avg, count) in enumerate(board, 1)]


async def _check(bot, rng: random.Random) -> None:
    bot.new_messages()  # weekly announcements posted meanwhile
    now = bot.clock.now()
    tz = bot.runtime.config.communities[bot.home].timezone
    for word, start in (("all", None), ("week", week_start(now, parse_reset("monday 08:00"), tz)), ("month", month_start(now, tz))):
        expected = await _expected_top(bot, start, 5)
        await bot.send(f"/top {word}", user="trainer")
        lines = bot.next_reply().text.splitlines()
        assert (lines[1:] if expected else []) == expected, (word, lines, expected)
        expected = await _expected_teams(bot, start, 5)
        await bot.send(f"/top teams {word}", user="trainer")
        lines = bot.next_reply().text.splitlines()
        assert (lines[1:] if expected else []) == expected, (word, lines, expected)
    who = rng.choice(NAMES)
    hidden = await _hidden(bot)
    totals = await _ledger_totals(bot, None)
    ranking = rank({m: p for m, p in totals.items() if m not in hidden - {f"telegram:{who}"}})
    await bot.send("/rank", user=who)
    text = next(m.text for m in bot.new_messages() if "point" in m.text)
    place = position_of(f"telegram:{who}", ranking)
    assert f"{who}: {totals.get(f'telegram:{who}', 0)} point" in text, text
    assert (f"Place {place} of {len(ranking)}." if place else "Not on the board yet.") in text, (text, place, len(ranking))


async def test_boards_always_agree_with_the_ledger(lb):
    bot = await lb(top=5, activity={"enabled": True, "cooldown_minutes": 0.0, "daily_cap": 0, "min_length": 5})
    await greet(bot, "trainer", *NAMES)
    rng = random.Random(19)
    await _check(bot, rng)  # the boards are kept from here on
    for step in range(160):
        roll = rng.random()
        who = rng.choice(NAMES)
        if roll < 0.35:
            await bot.send(f"/points @{who} {rng.choice(['+', '-'])}{rng.randint(1, 30)} step {step}", user="trainer")
        elif roll < 0.6:
            await bot.send(f"a message long enough to score {step}", user=who)  # activity: written behind
        elif roll < 0.64:
            await bot.send(f"/leaderboard {rng.choice(['hide', 'show'])}", user=who)
        elif roll < 0.7:
            await bot.send(f"/team {rng.choice(TEAMS)}", user=who)
        elif roll < 0.72:
            await bot.send("/forgetme confirm", user=who, chat="dm")
            await bot.send("/forgetme confirm", user=who, chat="dm")
            await bot.send("back again", user=who)
        elif roll < 0.76:
            other = rng.choice([n for n in NAMES if n != who])
            await store.merge_accounts(bot.runtime.storage, bot.home, f"telegram:{who}", (f"telegram:{who}", f"telegram:{other}"))
        elif roll < 0.80:
            # a message scored again after a restart: the ledger ignores it, the boards must too
            await store.add_points_later(bot.runtime.storage, community=bot.home, member=f"telegram:{who}", points=1,
                                         source="activity", reason="message", reference="message:again",
                                         actor=None, when=bot.clock.now())
        elif roll < 0.88:
            await bot.advance(days=rng.choice([1, 2, 3, 6]))
        bot.new_messages()
        if step % 20 == 19:
            await _check(bot, rng)
    await bot.restart()  # kept totals are stored, not held in memory
    await _check(bot, rng)
    await bot.advance(days=45)  # old weeks are dropped at the weekly reset; what is asked for is counted again
    await _check(bot, rng)
    ended = [r[0] for r in await bot.runtime.storage.fetchall(
        "SELECT ends_at FROM leaderboards_windows WHERE ends_at IS NOT NULL AND ends_at < ?", (iso(bot.clock.now()),))]
    assert all(e >= iso(bot.clock.now() - timedelta(days=47)) for e in ended), ended  # the weekly reset drops the rest


async def test_points_recorded_before_the_upgrade_are_counted_once(lb):
    bot = await lb()
    await greet(bot, "trainer", "amina", "bekele")
    # ledger rows of an older version (no kept totals yet): counted when a board is first asked for
    old = bot.clock.now() - timedelta(days=400)
    await bot.runtime.storage.executemany(
        "INSERT INTO leaderboards_ledger (community, member, points, source, reason, reference, created_at) "
        "VALUES (?, ?, ?, 'correction', 'old', ?, ?)",
        [(bot.home, "telegram:amina", 20, "old:1", iso(old)), (bot.home, "telegram:bekele", 7, "old:2", iso(old))])
    await bot.send("/top all", user="amina")
    assert bot.next_reply().text.splitlines()[1:] == ["1. amina — 20 pts", "2. bekele — 7 pts"]
    for amount, total in (("+5", 25), ("-30", -5), ("+10", 5)):
        await bot.send(f"/points @amina {amount} review", user="trainer")
        assert bot.next_reply().text.endswith(f"Total now {total}.")
    await bot.send("/top all", user="amina")
    assert bot.next_reply().text.splitlines()[1:] == ["1. bekele — 7 pts", "2. amina — 5 pts"]
    await bot.send("/rank", user="amina")
    assert bot.next_reply().text.splitlines()[:2] == ["amina: 5 points in total, -15 this week.", "Place 2 of 2."]


async def test_progress_kept_between_calls_equals_a_full_count(make_bot):
    """/progress brings its counts up to date from what changed (members joining, leaving, coming back,
    erasing their data; levels set and confirmed); after any mix of those it says what counting
    everyone again says."""
    bot = await make_bot(plugins={"leaderboards"}, moderators=["trainer"], config={"plugins": {"leaderboards": {
        "modules": {"pph": "PPH", "sepsis": "Sepsis", "hbb": "HBB"}, "confirm_levels": True}}})
    names = [f"p{i}" for i in range(15)]
    await greet(bot, "trainer", *names[:8])
    rng = random.Random(4)

    async def progress() -> list[str]:
        await bot.send("/progress", user="trainer")
        return bot.next_reply().text.splitlines()

    await progress()
    for step in range(120):
        who, roll = rng.choice(names), rng.random()
        if roll < 0.25:
            await bot.send(f"hello {step}", user=who)
        elif roll < 0.35:
            await bot.leave(who)
        elif roll < 0.65:
            await bot.send(f"/level {rng.choice(['pph', 'sepsis', 'hbb'])} {rng.choice(['familiar', 'proficient', 'expert'])}",
                           user=who)
        elif roll < 0.85:
            await bot.send(f"/confirmlevel @{who} {rng.choice(['pph', 'sepsis', 'hbb'])}", user="trainer")
        elif roll < 0.9:
            await bot.send("/forgetme confirm", user=who, chat="dm")
            await bot.send("/forgetme confirm", user=who, chat="dm")
        bot.new_messages()
        if step % 10 == 9:
            kept = await progress()
            bot.runtime.plugin_state("leaderboards").pop("progress", None)  # count everyone again
            assert kept == await progress(), step


async def test_progress_counts_again_after_an_hour_and_sees_a_new_chat_administrator(make_bot, monkeypatch):
    from core import Role
    from plugins.leaderboards.services import progress

    bot = await make_bot(plugins={"leaderboards"}, moderators=["trainer"], config={
        "plugins": {"leaderboards": {"modules": {"pph": "PPH"}}},
        "communities": {"default": {"chats": ["telegram:g1"]}}})
    await greet(bot, "amina", "bekele", "chaltu")
    await bot.send("/progress", user="amina")
    assert "Learners: 3" in bot.next_reply().text
    bot.set_platform_role("chaltu", Role.ADMIN)  # promoted in the group: staff from now on
    await bot.send("/progress", user="amina")
    assert "Learners: 3" in bot.next_reply().text  # kept counts: roles are not asked again at every call
    monkeypatch.setattr(progress, "MAX_AGE", 0.0)
    await bot.send("/progress", user="amina")  # answers from the kept counts, recounts in the background
    assert "Learners: 3" in bot.next_reply().text
    monkeypatch.setattr(progress, "MAX_AGE", 3600.0)
    await bot.send("/progress", user="amina")
    assert "Learners: 2" in bot.next_reply().text


async def test_teams_recorded_before_the_upgrade_are_grouped_at_the_next_start(lb):
    bot = await lb()
    await greet(bot, "trainer", "amina", "bekele", "chaltu")
    for name, points in (("amina", 10), ("bekele", 4), ("chaltu", 7)):
        await bot.send(f"/points @{name} +{points} work", user="trainer")
    await bot.send("/top teams all", user="amina")  # the boards are kept from here on
    # profiles of an older version: a team, but no grouping key yet
    await bot.runtime.storage.executemany(
        "INSERT INTO leaderboards_profiles (community, member, team) VALUES (?, ?, ?)",
        [(bot.home, "telegram:amina", "Hope Clinic"), (bot.home, "telegram:bekele", "hope clinic"), (bot.home, "telegram:chaltu", "Gondär")])
    await bot.restart()
    bot.new_messages()
    await bot.send("/top teams all", user="amina")
    assert bot.next_reply().text.splitlines()[1:] == ["1. Gondär — 7 pts per member (1 member)",
                                                      "2. Hope Clinic — 7 pts per member (2 members)"]
    await bot.send("/team Gondar", user="bekele")
    bot.new_messages()
    await bot.send("/top teams all", user="amina")
    assert bot.next_reply().text.splitlines()[1:] == ["1. Hope Clinic — 10 pts per member (1 member)",
                                                      "2. Gondar — 5.5 pts per member (2 members)"]  # first member's spelling
