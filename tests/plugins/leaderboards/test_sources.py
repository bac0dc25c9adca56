"""Points from each source, with cooldowns, caps and refusals."""

from __future__ import annotations

from core import Reply, Verdict, hookimpl
from tests.plugins.leaderboards.conftest import HomeworkSubmitted, QuizAnswered, ResourceVerified, greet


async def rank_text(bot, user="amina"):
    await bot.send("/rank", user=user)
    return bot.next_reply().text


async def test_homework_quiz_and_resource_score_once_each(lb):
    bot = await lb()
    await greet(bot, "amina")
    amina, trainer = bot.user("amina"), bot.user("trainer")
    await bot.deliver(HomeworkSubmitted(community=bot.home, member=amina, assignment_id=1, on_time=True, module="pph"))
    await bot.deliver(HomeworkSubmitted(community=bot.home, member=amina, assignment_id=1, on_time=True, module="pph"))
    await bot.deliver(HomeworkSubmitted(community=bot.home, member=amina, assignment_id=2, on_time=False))
    await bot.deliver(QuizAnswered(community=bot.home, member=amina, poll_id=7, correct=True))
    await bot.deliver(QuizAnswered(community=bot.home, member=amina, poll_id=8, correct=False))
    await bot.deliver(ResourceVerified(community=bot.home, member=amina, item_id=3, verified_by=trainer))
    bot.assert_no_replies()
    # 10 on time + 5 late + 2 quiz + 5 resource
    assert "amina: 22 points in total, 22 this week." in await rank_text(bot)


async def test_quiz_daily_cap_and_cooldown(lb):
    bot = await lb(quiz={"points": 2, "daily_cap": 5, "cooldown_minutes": 0})
    await greet(bot, "amina")
    amina = bot.user("amina")
    for poll in range(1, 5):
        await bot.deliver(QuizAnswered(community=bot.home, member=amina, poll_id=poll, correct=True))
    assert "5 points in total" in await rank_text(bot)
    await bot.advance(hours=24)  # a new day: the cap starts again
    await bot.deliver(QuizAnswered(community=bot.home, member=amina, poll_id=9, correct=True))
    assert "7 points in total" in await rank_text(bot)

    bot2 = await lb(quiz={"points": 2, "daily_cap": 0, "cooldown_minutes": 30})
    await greet(bot2, "amina")
    await bot2.deliver(QuizAnswered(community=bot2.home, member=amina, poll_id=1, correct=True))
    await bot2.deliver(QuizAnswered(community=bot2.home, member=amina, poll_id=2, correct=True))
    assert "2 points in total" in await rank_text(bot2)
    await bot2.advance(minutes=31)
    await bot2.deliver(QuizAnswered(community=bot2.home, member=amina, poll_id=3, correct=True))
    assert "4 points in total" in await rank_text(bot2)


async def test_thanks_by_reply_and_by_command(lb):
    bot = await lb(thanks={"points": 3, "cooldown_minutes": 60, "per_giver_daily": 5})
    await greet(bot, "bekele", "chaltu")
    answer = await bot.send("Give oxytocin 10 IU IM within one minute of birth.", user="bekele")
    await bot.send("Merci beaucoup !", user="amina", reply_to=answer)
    bot.assert_no_replies()  # thank-you replies are counted quietly
    await bot.send("ok", user="chaltu", reply_to=answer)  # no thank-you word: nothing
    assert "bekele: 3 points" in await rank_text(bot, "bekele")
    await bot.send("/thanks @chaltu", user="amina", mentions=["chaltu"])
    assert bot.next_reply().text == "Thanks sent to chaltu (+3 points)."
    # the same giver thanking the same member again within the cooldown earns nothing more
    await bot.send("thank you again", user="amina", reply_to=await bot.send("more help", user="bekele"))
    assert "bekele: 3 points" in await rank_text(bot, "bekele")


async def test_self_thanks_is_refused_and_never_scores(lb):
    bot = await lb()
    await greet(bot, "amina")
    await bot.send("/thanks @amina", user="amina")
    assert bot.next_reply().text == "You can't thank yourself, but thank you for being here!"
    mine = await bot.send("I found the answer myself", user="amina")
    await bot.send("thanks", user="amina", reply_to=mine)
    assert "0 points in total" in await rank_text(bot)


async def test_thanks_limited_per_giver_per_day(lb):
    bot = await lb(thanks={"points": 2, "per_giver_daily": 2, "cooldown_minutes": 0})
    await greet(bot, "b1", "b2", "b3")
    for name in ("b1", "b2"):
        await bot.send(f"/thanks @{name}", user="amina")
        assert bot.next_reply().text.startswith("Thanks sent to")
    await bot.send("/thanks @b3", user="amina")
    assert bot.next_reply().text == "Thanks noted for b3. You have given 2 point-earning thanks today; try again tomorrow."
    assert "b3: 0 points" in await rank_text(bot, "b3")
    # the limit is kept across a restart (counted from the ledger)
    await bot.restart()
    await bot.send("/thanks @b3", user="amina")
    assert "try again tomorrow" in bot.actions(Reply)[-1].text  # (the kit's read cursor does not follow a restart)


async def test_thanks_to_unknown_member_or_bot(lb):
    bot = await lb()
    await greet(bot, "amina")
    await bot.send("/thanks @nobody", user="amina")
    assert bot.next_reply().text == "I don't know @nobody here. Use their @name, or ask them to write in the group first."
    helper = bot.user("helperbot", is_bot=True)
    await bot.send("/thanks @helperbot", user="amina", mentions=[helper])
    assert bot.next_reply().text == "helperbot is a bot: thank a person who helped you."
    await bot.send("/thanks", user="amina")
    assert bot.next_reply().text == "Usage: /thanks @member"


async def test_message_activity_is_off_by_default(lb):
    bot = await lb()
    for _ in range(3):
        await bot.send("A long enough message about postpartum care.", user="amina")
    assert "0 points in total" in await rank_text(bot)


class DropSpam:
    """A tiny moderation plugin: drops messages containing 'buy now'."""

    @hookimpl
    async def practica_filter_message(self, event, ctx):
        return Verdict("spam") if "buy now" in event.text.lower() else None


async def test_message_activity_cooldown_length_and_moderation(lb):
    bot = await lb(activity={"enabled": True, "points": 1, "cooldown_minutes": 10, "min_length": 20, "daily_cap": 3},
                   extra_plugins={"dropspam": DropSpam()})
    await bot.send("BUY NOW cheap pills, a very long spam message", user="spammer")
    assert "0 points in total" in await rank_text(bot, "spammer")
    await bot.send("short", user="amina")
    assert "0 points in total" in await rank_text(bot)
    await bot.send("Does anyone have the new PPH guideline?", user="amina")
    await bot.send("And the sepsis one too, please, thank you?", user="amina")  # within the cooldown
    assert "1 point in total" in await rank_text(bot)
    for _ in range(4):
        await bot.advance(minutes=11)
        await bot.send("Another useful long message for the group", user="amina")
    assert "3 points in total" in await rank_text(bot)  # daily cap


async def test_verifying_ones_own_resource_earns_nothing(lb):
    bot = await lb()
    trainer = bot.user("trainer")
    await bot.deliver(ResourceVerified(community=bot.home, member=trainer, item_id=5, verified_by=trainer))
    assert "0 points in total" in await rank_text(bot, "trainer")
