"""Question insights: logging (batched, opt-in), /faq, retention, topic suggestions for polls, members' data."""

from __future__ import annotations

from typing import Any

from core import CommandContext, Role, command, hookimpl

from tests.plugins.resources.conftest import save
from tests.exports import exported_text


class PollsStandIn:
    """A tiny plugin: /asktopics asks the `practica_frequent_topics` question, as polls does; answers are recorded."""

    def __init__(self) -> None:
        self.answers: list[Any] = []

    @hookimpl
    def practica_register_commands(self):  # type: ignore[no-untyped-def]
        @command("asktopics")
        async def ask(ctx: CommandContext, limit: int = 3) -> None:
            self.answers.append(await ctx.ask("practica_frequent_topics", limit=limit))

        return (ask,)


OXYTOCIN = ["What is the dose of oxytocin for PPH?", "what dose of oxytocin for pph?", "Oxytocin dose for PPH?",
            "Quelle est la dose d'oxytocine pour une HPP ?"]
VACCINES = ["How do I store BCG vaccines without a fridge?", "how to store bcg vaccine without fridge"]


async def test_faq_groups_paraphrased_questions_unanswered_first(library_bot):
    bot = await library_bot(insights=True, synonyms={"pph": ["hpp", "postpartum haemorrhage"], "oxytocin": ["ocytocine"]})
    await save(bot, "/save https://example.org/bcg Storing BCG vaccines without a fridge #vaccines")
    for i, text in enumerate(OXYTOCIN + VACCINES):
        await bot.send(text, user=f"m{i}")
    await bot.send("Good morning everyone")  # not a question
    await bot.send("/search misoprostol storage")
    await bot.send("/search misoprostol storage", user="bekele")
    bot.new_messages()
    await bot.send("/faq", user="trainer")
    assert bot.next_reply().text.splitlines() == [
        "Most asked in the last 30 days (number of members who asked):",
        "Not answered in the library yet:",
        "1. Oxytocin dose for PPH? (4)",  # English and French paraphrases together, the shortest wording shown
        "2. Misoprostol storage (2)",  # a search that found nothing, by two members
        "Answered in the library:",
        "3. How do I store BCG vaccines without a fridge? (2)",
    ]


async def test_faq_is_for_moderators_and_says_when_insights_are_off(library_bot):
    bot = await library_bot()
    await bot.send("/faq", user="amina")
    assert "moderator" in bot.next_reply().text
    await bot.send("/faq", user="trainer")
    assert "insights are off" in bot.next_reply().text
    bot2 = await library_bot(insights=True)
    await bot2.send("/faq -3", user="trainer")
    assert "between 1 and" in bot2.next_reply().text


async def test_questions_are_not_logged_when_insights_are_off(library_bot):
    bot = await library_bot(insights=False)
    await bot.send("What is the dose of oxytocin for PPH?")
    await bot.send("/mydata")
    assert "oxytocin" not in bot.next_reply().text and "oxytocin" not in exported_text(bot)


async def test_buffered_questions_survive_a_restart(library_bot):
    bot = await library_bot(insights=True, flush_batch=1000)
    await bot.send("Comment conserver le vaccin BCG sans frigo ?")
    await bot.restart()
    await bot.send("/faq", user="trainer")
    assert "Comment conserver le vaccin BCG sans frigo ? (1)" in bot.next_reply().text


async def test_retention_deletes_old_questions(library_bot):
    bot = await library_bot(insights=True, retention_days=2, faq_days=30)
    await bot.send("Why do we clamp the cord late?")
    await bot.advance(days=1)
    await bot.send("/faq", user="trainer")
    assert "clamp the cord late" in bot.next_reply().text
    await bot.advance(days=3)
    await bot.send("/faq", user="trainer")
    text = bot.next_reply().text
    assert "clamp" not in text and "No questions recorded" in text


async def test_topics_requested_gets_unanswered_topics(library_bot):
    polls = PollsStandIn()
    bot = await library_bot(insights=True, extra={"pollsstandin": polls})
    await save(bot, "/save https://example.org/bcg Storing BCG vaccines without a fridge #vaccines")
    for i, text in enumerate(OXYTOCIN + VACCINES + ["When should we start kangaroo care?"]):
        await bot.send(text, user=f"m{i}")
    await bot.send("/search eclampsia magnesium")
    await bot.send("/asktopics 5")
    assert len(polls.answers) == 1
    answer = polls.answers[0]
    assert isinstance(answer, tuple)
    assert "oxytocin" in answer[0].lower()  # the most asked, unanswered
    assert any("kangaroo" in t for t in answer) and "Eclampsia magnesium" in answer
    assert not any("bcg" in t.lower() for t in answer)  # the library answers it


async def test_topics_asked_with_insights_off_get_an_empty_answer(library_bot):
    polls = PollsStandIn()
    bot = await library_bot(extra={"pollsstandin": polls})
    await bot.send("What is the dose of oxytocin for PPH?")
    await bot.send("/asktopics")
    assert polls.answers == [()]


async def test_export_and_erase_of_a_members_data(library_bot):
    bot = await library_bot(insights=True)
    shared = await bot.send("protocol attached", user="amina")
    item = await save(bot, "/save https://example.org/p Oxytocin protocol", user="amina")
    await bot.send("/search oxytocin protocol", user="amina")
    await bot.send("Is oxytocin safe in the cold chain?", user="amina")
    await bot.send("How long is the cold chain?", user="bekele")
    bot.new_messages()
    assert shared
    await bot.send("/mydata", user="amina", chat="dm")
    export = exported_text(bot)
    assert "Oxytocin protocol" in export and "Is oxytocin safe in the cold chain?" in export
    assert "oxytocin protocol" in export  # the logged search
    assert "How long is the cold chain?" not in export
    await bot.send("/forgetme confirm", user="amina", chat="dm")
    bot.new_messages()
    await bot.send("/forgetme confirm", user="amina", chat="dm")
    assert "resources" in bot.next_reply().text
    await bot.send("/mydata", user="amina", chat="dm")
    export = exported_text(bot) + bot.next_reply().text
    assert "Oxytocin" not in export and "cold chain" not in export
    await bot.send(f"/get {item}", user="bekele")  # the shared item stays, without its contributor
    assert "Oxytocin protocol" in bot.next_reply().text
    await bot.send("/faq", user="trainer")
    faq = bot.next_reply().text
    assert "How long is the cold chain?" in faq and "safe in the cold chain" not in faq


async def test_erased_contributor_can_no_longer_delete_but_a_moderator_can(library_bot):
    bot = await library_bot()
    item = await save(bot, "/save https://example.org/q Cord clamping", user="amina")
    await bot.send("/forgetme confirm", user="amina")
    bot.new_messages()
    await bot.send("/forgetme confirm", user="amina")
    bot.new_messages()
    await bot.send(f"/delete {item}", user="amina")
    assert "Only the member who added" in bot.next_reply().text
    bot.set_platform_role("trainer", Role.MODERATOR)
    await bot.send(f"/delete {item}", user="trainer")
    assert "removed" in bot.next_reply().text
