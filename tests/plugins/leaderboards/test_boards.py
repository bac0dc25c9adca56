"""Boards: /top (week, month, all, teams), /rank, privacy, and the weekly reset announcement."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from core import DirectMessage, Reply, User, hookimpl
from tests.engines import SQLITE_ONLY
from tests.plugins.leaderboards.conftest import HomeworkSubmitted, QuizAnswered, greet

ADDIS = {"timezone": "Africa/Addis_Ababa", "chats": ["telegram:g1"]}


async def give(bot, name, points, ref):
    """`points` via a moderator correction (exact and immediate)."""
    await bot.send(f"/points @{name} +{points} {ref}", user="trainer")
    assert f"+{points} points" in bot.next_reply().text


def group_posts(bot):
    return [m.text for m in bot.new_messages() if isinstance(m, Reply) and m.reply_to is None]


async def test_weekly_reset_announces_at_local_monday_0800(lb):
    bot = await lb(community=ADDIS, announce_top=2)
    await greet(bot, "amina", "bekele", "chaltu", "trainer")
    await give(bot, "amina", 20, "week one")
    await give(bot, "bekele", 5, "week one")
    await give(bot, "chaltu", 100, "week one")
    await bot.send("/leaderboard hide", user="chaltu")
    bot.new_messages()
    # Thursday 09:00 UTC -> Monday 04:59 UTC (07:59 in Addis Ababa): not yet
    await bot.advance(days=3, hours=19, minutes=59)
    assert group_posts(bot) == []
    await bot.advance(minutes=1)  # Monday 08:00 in Addis Ababa = 05:00 UTC
    posts = group_posts(bot)
    assert len(posts) == 1
    lines = posts[0].splitlines()
    assert lines[1:4] == ["1. amina — 20 pts", "2. bekele — 5 pts", "Most improved: amina (+20 points on the week before)."]
    assert "chaltu" not in posts[0]
    # the weekly board starts over; all-time keeps everything
    await bot.send("/top", user="amina")
    assert bot.next_reply().text.startswith("No points yet this week.")
    await bot.send("/top all", user="amina")
    assert bot.next_reply().text.splitlines()[1:] == ["1. amina — 20 pts", "2. bekele — 5 pts"]
    # second week: bekele improves most
    await give(bot, "bekele", 15, "week two")
    await give(bot, "amina", 10, "week two")
    await bot.advance(days=7)
    posts = group_posts(bot)
    assert len(posts) == 1
    assert posts[0].splitlines()[1:4] == ["1. bekele — 15 pts", "2. amina — 10 pts",
                                          "Most improved: bekele (+10 points on the week before)."]


async def test_weekly_job_is_scheduled_once_across_restarts(lb):
    bot = await lb(community=ADDIS)
    await greet(bot, "amina", "trainer")
    await give(bot, "amina", 3, "x")
    await bot.restart()
    await bot.restart()
    await bot.advance(days=4)
    posts = [a.text for a in bot.actions(Reply) if "Top learners" in a.text]
    assert len(posts) == 1


async def test_quiet_week_posts_nothing(lb):
    bot = await lb(community=ADDIS)
    await bot.advance(days=5)
    assert group_posts(bot) == []


async def test_top_week_month_all_and_bad_period(lb):
    bot = await lb(top=2)
    await greet(bot, "amina", "bekele", "chaltu", "trainer")
    await give(bot, "amina", 3, "a")
    await give(bot, "bekele", 9, "b")
    await give(bot, "chaltu", 5, "c")
    await bot.send("/top", user="amina")
    text = bot.next_reply().text
    assert text.splitlines()[1:] == ["1. bekele — 9 pts", "2. chaltu — 5 pts"]  # top N = 2
    await bot.advance(days=6)  # December: a new month
    bot.new_messages()  # the weekly post, in a community with a group of its own
    await bot.send("/top month", user="amina")
    assert bot.next_reply().text == "No points yet this month."
    await bot.send("/top all", user="amina")
    assert bot.next_reply().text.splitlines()[1] == "1. bekele — 9 pts"
    await bot.send("/top yesterday", user="amina")
    assert bot.next_reply().text == "I don't know the period 'yesterday'. Use week, month, all or teams."


async def test_hidden_member_never_on_public_boards_but_sees_own_rank(lb):
    bot = await lb()
    await greet(bot, "amina", "bekele", "trainer")
    await give(bot, "amina", 10, "a")
    await give(bot, "bekele", 4, "b")
    await bot.send("/team Hope Clinic", user="amina")
    await bot.send("/team Hope Clinic", user="bekele")
    await bot.send("/leaderboard hide", user="amina")
    bot.new_messages()
    for board in ("/top", "/top month", "/top all"):
        await bot.send(board, user="bekele")
        text = bot.next_reply().text
        assert "amina" not in text and "1. bekele — 4 pts" in text
    await bot.send("/top teams", user="bekele")
    assert bot.next_reply().text.splitlines()[1] == "1. Hope Clinic — 4 pts per member (1 member)"
    await bot.send("/rank @amina", user="bekele")
    assert bot.next_reply().text == "amina keeps their rank private."
    await bot.send("/rank", user="amina")
    private = bot.next_reply()
    assert isinstance(private, DirectMessage) and "amina: 10 points in total" in private.text
    assert "Place 1 of 2." in private.text
    assert bot.next_reply().text == "I sent you your rank in a private message."
    await bot.send("/leaderboard show", user="amina")
    bot.new_messages()
    await bot.send("/top", user="bekele")
    assert bot.next_reply().text.splitlines()[1] == "1. amina — 10 pts"


async def test_teams_rank_by_average_so_small_facilities_can_win(lb):
    bot = await lb()
    await greet(bot, "amina", "bekele", "chaltu", "trainer")
    await bot.send("/team Hope Clinic", user="amina")
    await bot.send("/team hope clinic", user="bekele")
    await bot.send("/team Small HC", user="chaltu")
    assert bot.new_messages()[-1].text == "Your team is now Small HC. See /top teams."
    await give(bot, "amina", 10, "a")
    await give(bot, "chaltu", 8, "c")
    await bot.send("/top teams", user="amina")
    assert bot.next_reply().text.splitlines()[1:] == ["1. Small HC — 8 pts per member (1 member)",
                                                      "2. Hope Clinic — 5 pts per member (2 members)"]
    await bot.send("/team", user="bekele")
    assert bot.next_reply().text == "Your team: hope clinic."
    await bot.send("/team " + "x" * 60, user="bekele")
    assert bot.next_reply().text == "A team name can have at most 40 characters."


async def test_rank_shows_points_position_and_week(lb):
    bot = await lb()
    await greet(bot, "amina", "bekele")
    await bot.deliver(HomeworkSubmitted(community=bot.home, member=bot.user("bekele"), assignment_id=1, on_time=True))
    await bot.deliver(QuizAnswered(community=bot.home, member=bot.user("amina"), poll_id=1, correct=True))
    await bot.send("/rank", user="amina")
    assert bot.next_reply().text == "amina: 2 points in total, 2 this week.\nPlace 2 of 2."
    await bot.send("/rank @bekele", user="amina")
    assert bot.next_reply().text == "bekele: 10 points in total, 10 this week.\nPlace 1 of 2."
    await bot.send("/rank @ghost", user="amina")
    assert bot.next_reply().text.startswith("I don't know @ghost here.")


async def test_french_boards(lb):
    bot = await lb(community={"locale": "fr"})
    await greet(bot, "amina", "trainer")
    await give(bot, "amina", 4, "aide")
    await bot.send("/top semaine", user="amina")
    assert bot.next_reply().text.startswith("Classement de la semaine (depuis")
    await bot.send("/top equipes", user="amina")
    assert bot.next_reply().text.startswith("Aucune équipe pour l'instant.")
    await bot.send("/help top", user="amina")
    assert bot.next_reply().text.startswith("/top — Le classement")
    await bot.send("/help thanks", user="amina")
    assert bot.next_reply().text.startswith("/merci — Remercier un membre")


@pytest.mark.parametrize("platform", ["console", "telegram"])
async def test_team_confirmation_names_the_team_board_in_the_readers_words(lb, platform):
    bot = await lb(platform=platform, community={"locale": "fr"})
    await bot.send("/equipe Bahir Dar", user="amina")
    assert bot.next_reply().text == "Votre équipe est maintenant Bahir Dar. Voir /top equipes."
    await bot.send("/top equipes", user="amina")
    assert bot.next_reply().text.startswith("Équipes cette semaine")
    await bot.send("/lang en", user="bekele", chat="dm")
    bot.next_reply()
    await bot.send("/team Gondar", user="bekele")
    assert bot.next_reply().text == "Your team is now Gondar. See /top teams."


async def _committed_thanks(bot) -> int:
    """Thank-you rows that a second connection sees: what is committed, which a crash cannot take back."""
    sql = "SELECT COUNT(*) FROM leaderboards_ledger WHERE source = 'thanks'"
    if not str(bot.database).startswith("postgres"):
        with sqlite3.connect(bot.database) as db:
            return int(db.execute(sql).fetchone()[0])
    import asyncpg

    conn = await asyncpg.connect(str(bot.database))
    try:
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()


async def test_top_shows_thank_you_points_at_once_and_what_it_shows_is_already_stored(lb, monkeypatch):
    """Thank-you replies are written behind; /top shows them at once, hidden members stay off, and what
    /top showed is already in the database file (a crash right after the answer cannot take it back)."""
    from plugins.leaderboards.services import ledger

    monkeypatch.setattr(ledger, "FLUSH_AFTER", 3600.0)  # nothing is written by the timer during the test
    bot = await lb(thanks={"points": 3, "cooldown_minutes": 0, "per_giver_daily": 0})
    await greet(bot, "amina", "bekele", "chaltu", "dawit", "trainer")
    await give(bot, "amina", 5, "start")
    await give(bot, "bekele", 4, "start")
    await give(bot, "dawit", 2, "start")
    await bot.send("/leaderboard hide", user="dawit")
    bot.new_messages()
    for helper, thanker in (("bekele", "amina"), ("chaltu", "amina"), ("chaltu", "bekele"), ("dawit", "amina")):
        answer = await bot.send(f"Here is the partograph chart, {thanker}.", user=helper)
        await bot.send("thank you!", user=thanker, reply_to=answer)
    bot.assert_no_replies()
    assert await _committed_thanks(bot) == 0  # queued, not written yet
    expected = ["1. bekele — 7 pts", "2. chaltu — 6 pts", "3. amina — 5 pts"]  # dawit (hidden) not shown
    await bot.send("/top all", user="amina")
    assert bot.next_reply().text.splitlines()[1:] == expected
    assert await _committed_thanks(bot) == 4
    await bot.send("/top", user="amina")  # this week's board too
    assert bot.next_reply().text.splitlines()[1:] == expected


@SQLITE_ONLY  # one connection: the timed write waits for the task that holds it
async def test_a_thank_you_whose_timed_write_waits_for_the_database_is_on_the_board_read_meanwhile(lb, monkeypatch):
    """The timed write of queued thank-you points fires while another task (a /top whose unit of work
    began first) holds the database: that task's board still shows them, and they are stored once."""
    from plugins.leaderboards.services import ledger

    monkeypatch.setattr(ledger, "FLUSH_AFTER", 0.2)
    bot = await lb(thanks={"points": 3, "cooldown_minutes": 0, "per_giver_daily": 0})
    await greet(bot, "amina", "bekele")
    answer = await bot.send("Here is the partograph chart, amina.", user="bekele")
    await bot.send("thank you!", user="amina", reply_to=answer)
    db = bot.runtime.storage
    async with db.transaction():
        await db.fetchval("SELECT 1")  # this task holds the database from here on
        await asyncio.sleep(0.5)  # the timer fires; its write waits for the connection
        shown = await ledger.top(db, await ledger.window(db, bot.home), 10)
    assert shown == [("telegram:bekele", 3)]
    await asyncio.sleep(0.3)  # the timed write now has the connection
    assert await _committed_thanks(bot) == 1  # stored once, by the board's read; the timed write found nothing left
    await bot.send("/top all", user="amina")
    assert bot.next_reply().text.splitlines()[1:] == ["1. bekele — 3 pts"]


async def test_boards_name_members_by_their_latest_name_before_and_after_a_restart(lb):
    """/top names each member as they last appeared (a new display name shows at once, even before
    the directory has written it), and the same after a restart; an erased member is never named."""
    bot = await lb()
    await greet(bot, "amina", "bekele", "chaltu", "trainer")
    await give(bot, "amina", 5, "start")
    await give(bot, "bekele", 4, "start")
    await give(bot, "chaltu", 2, "start")
    renamed = User(bot.platform, "bekele", "Bekele Tadesse", "bekele")
    await bot.send("I changed my name on the app", user=renamed)
    await bot.send("/top all", user="amina")
    expected = ["1. amina — 5 pts", "2. Bekele Tadesse — 4 pts", "3. chaltu — 2 pts"]
    assert bot.next_reply().text.splitlines()[1:] == expected
    await bot.restart()
    await bot.send("/top all", user="amina")
    assert bot.next_reply().text.splitlines()[1:] == expected
    await bot.send("/forgetme confirm", user="chaltu", chat="dm")
    await bot.press(bot.buttons(bot.next_reply())["Yes, delete"], user="chaltu")
    bot.new_messages()
    await bot.send("/top all", user="amina")
    assert bot.next_reply().text.splitlines()[1:] == expected[:2]


async def test_top_writes_queued_thanks_when_they_change_the_rows_shown_and_never_shows_unstored_points(lb, monkeypatch):
    """/top shows the stored board; queued thank-you points are written first whenever they could
    change what it shows (a member shown, or one lifted in, ties going to the lower member id), so
    every point on the board is committed; points that cannot reach it wait for their batch."""
    from plugins.leaderboards.services import ledger

    monkeypatch.setattr(ledger, "FLUSH_AFTER", 3600.0)  # nothing is written by the timer during the test
    bot = await lb(top=2, thanks={"points": 1, "cooldown_minutes": 0, "per_giver_daily": 0})
    await greet(bot, "amina", "bekele", "chaltu", "dawit", "trainer")
    await give(bot, "amina", 9, "start")
    await give(bot, "chaltu", 5, "start")
    await give(bot, "dawit", 3, "start")
    bot.new_messages()

    async def thank(helper: str) -> None:
        answer = await bot.send(f"See the chart, {helper}.", user=helper)
        await bot.send("thank you!", user="trainer", reply_to=answer)

    async def board() -> list[str]:
        await bot.send("/top all", user="trainer")
        return bot.next_reply().text.splitlines()[1:]

    await thank("dawit")  # 3 -> 4: still below chaltu's 5
    assert await board() == ["1. amina — 9 pts", "2. chaltu — 5 pts"]
    assert await _committed_thanks(bot) == 0  # could not change the board: left for its batch
    await thank("dawit")  # 4 -> 5, tied with chaltu, and "chaltu" < "dawit": still out
    assert await board() == ["1. amina — 9 pts", "2. chaltu — 5 pts"]
    assert await _committed_thanks(bot) == 0
    await thank("bekele")
    await thank("bekele")
    await thank("bekele")
    await thank("bekele")
    await thank("bekele")  # 0 -> 5, tied with chaltu, and "bekele" < "chaltu": lifted in
    assert await board() == ["1. amina — 9 pts", "2. bekele — 5 pts"]
    assert await _committed_thanks(bot) == 7  # what the board shows is stored (the whole batch went)
    await thank("amina")  # a member shown: her new total is written before she is shown
    assert await board() == ["1. amina — 10 pts", "2. bekele — 5 pts"]
    assert await _committed_thanks(bot) == 8


class FlushesThenFails:
    """A plugin call that writes the queued points (as any read of the ledger does) and then fails."""

    @hookimpl
    async def practica_on_message(self, event, ctx):
        if event.text == "boom":
            from plugins.leaderboards import store  # the test reaches in; plugins never import each other

            await store.flush(ctx.db)
            raise RuntimeError("the plugin failed after the write")


async def test_queued_points_written_by_a_plugin_call_that_fails_are_queued_again_not_lost(lb, monkeypatch):
    """The call's writes are rolled back with it, and so the points it wrote go back to the queue: the
    board shows them and they are stored, instead of vanishing with the failed call."""
    from plugins.leaderboards.services import ledger

    monkeypatch.setattr(ledger, "FLUSH_AFTER", 3600.0)
    bot = await lb(extra_plugins={"boom": FlushesThenFails()}, thanks={"points": 3, "cooldown_minutes": 0,
                                                                        "per_giver_daily": 0})
    await greet(bot, "amina", "bekele")
    answer = await bot.send("Here is the partograph chart, amina.", user="bekele")
    await bot.send("thank you!", user="amina", reply_to=answer)
    await bot.send("boom", user="amina")
    bot.assert_no_replies()  # a failing plugin says nothing into the chat
    assert await _committed_thanks(bot) == 0
    await bot.send("/top all", user="amina")
    assert bot.next_reply().text.splitlines()[1:] == ["1. bekele — 3 pts"]
    assert await _committed_thanks(bot) == 1
