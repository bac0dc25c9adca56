"""Moderator corrections (bad input included) and members' data export / erase."""

from __future__ import annotations

from tests.exports import exported
from tests.plugins.leaderboards.conftest import QuizAnswered, greet


async def test_points_correction_is_recorded_and_counts(lb):
    bot = await lb()
    await greet(bot, "amina", "bekele")
    await bot.send("/points @amina +5 shared the WHO guideline", user="trainer")
    assert bot.next_reply().text == "amina: +5 points (shared the WHO guideline). Total now 5."
    await bot.send("/points @amina -2 duplicate resource", user="trainer")
    assert bot.next_reply().text == "amina: -2 points (duplicate resource). Total now 3."
    await bot.send("/top", user="bekele")
    assert bot.next_reply().text.splitlines()[1] == "1. amina — 3 pts"


async def test_points_bad_input_gets_one_clear_line(lb):
    bot = await lb(max_adjustment=100)
    await greet(bot, "amina", "bekele")
    await bot.send("/points @amina +5 nice", user="bekele")
    assert bot.next_reply().text == "Only a moderator can use /points."
    for text, answer in (
        ("/points @amina lots because", "'lots' is not a whole number. Example: /points @amina +5 helped with the quiz"),
        ("/points @amina +99999999 wow", "The change must be between -100 and +100, and not zero."),
        ("/points @amina 0 nothing", "The change must be between -100 and +100, and not zero."),
        ("/points @amina +5", "Please give a reason, for example: /points @amina +5 shared a guideline"),
        ("/points", "Usage: /points @member +5 reason"),
        ("/points @ghost +5 who", "I don't know @ghost here. Use their @name, or ask them to write in the group first."),
    ):
        await bot.send(text, user="trainer")
        reply = bot.next_reply().text
        assert reply == answer and "\n" not in reply
    await bot.send("/rank", user="amina")
    assert "0 points in total" in bot.next_reply().text  # nothing was recorded


async def test_export_and_erase_member_data(lb):
    bot = await lb(modules=["pph"])
    await greet(bot, "amina", "bekele")
    await bot.deliver(QuizAnswered(community=bot.home, member=bot.user("amina"), poll_id=4, correct=True))
    await bot.send("/level pph proficient", user="amina")
    await bot.send("/team Hope Clinic", user="amina")
    await bot.send("/leaderboard hide", user="amina")
    await bot.send("/thanks @bekele", user="amina")
    bot.new_messages()
    await bot.send("/mydata", user="amina", chat="dm")
    data = exported(bot)["leaderboards"]
    assert [(r["points"], r["source"], r["reference"]) for r in data["ledger"]] == [(2, "quiz", "quiz:4")]
    assert data["levels"][0]["module"] == "pph" and data["levels"][0]["level"] == 2
    assert data["profiles"] == [{"community": bot.home, "team": "Hope Clinic", "hidden": True}]

    await bot.send("/forgetme confirm", user="amina", chat="dm")
    await bot.send("/forgetme confirm", user="amina", chat="dm")
    bot.new_messages()
    await bot.send("/rank", user="amina")
    assert bot.next_reply().text.startswith("amina: 0 points in total")
    await bot.send("/top all", user="bekele")
    assert bot.next_reply().text.splitlines()[1:] == ["1. bekele — 3 pts"]  # the thanks she gave stay, anonymously
    await bot.send("/level", user="amina")
    assert bot.next_reply().text.startswith("You have not recorded a level yet.")
    await bot.send("/team", user="amina")
    assert bot.next_reply().text.startswith("You have no team yet.")
