"""Demand polls from the topics provider's answer, and members' data (export and erase)."""

from __future__ import annotations

import json

from core import DirectMessage, SendPoll, hookimpl
from tests.exports import exported, exported_text


class FakeResources:
    """Answers the `practica_frequent_topics` question with fixed frequent questions."""

    def __init__(self, topics: tuple[str, ...]) -> None:
        self.topics = topics
        self.limits: list[int] = []

    @hookimpl
    async def practica_frequent_topics(self, limit, ctx):
        self.limits.append(limit)
        return self.topics[:limit]


TOPICS_CONFIG = {"plugins": {"polls": {"topics_provider": "fake_resources", "topics_limit": 4}}}


async def test_topics_poll_from_frequent_questions(make_bot):
    fake = FakeResources(("Cord clamping timing?", "Kangaroo care at night?", "cord clamping timing?",
                          "Iron after birth?", "Mastitis signs?", "Fifth"))
    bot = await make_bot(platform="telegram", plugins={"polls", "fake_resources"}, config=TOPICS_CONFIG,
                         extra_plugins={"fake_resources": fake})
    await bot.send("/poll topics", user="trainer")
    assert fake.limits == [4]
    spec = bot.actions(SendPoll)[0].poll
    assert spec.question == "Which topic should the next micro-lecture cover?"
    assert spec.options == ("Cord clamping timing?", "Kangaroo care at night?", "Iron after birth?")
    await bot.advance(days=3)
    assert any("Final results of poll #1" in m.text for m in bot.new_messages())


async def test_topics_not_enough_questions(make_bot):
    fake = FakeResources(("Only one?",))
    bot = await make_bot(plugins={"polls", "fake_resources"}, config=TOPICS_CONFIG,
                         extra_plugins={"fake_resources": fake})
    await bot.send("/poll sujets")
    texts = [m.text for m in bot.new_messages()]
    assert texts[-1] == "There are not enough frequent questions yet to make a topic poll (at least 2 are needed)."
    await bot.send("/polls")
    assert "No open polls" in bot.next_reply().text


async def test_topics_without_the_resources_plugin(make_bot):
    bot = await make_bot(plugins={"polls"})
    await bot.send("/poll topics")
    text = bot.next_reply().text
    assert text == "Topic polls need the resources plugin (the resource library), which is not enabled in this community."
    bot.assert_no_replies()


async def test_export_and_erase_member_data(make_bot):
    bot = await make_bot(plugins={"polls"})
    await bot.send("/poll Day? | Mon | Tue", user="amina")
    await bot.send("/poll anonymous | Safe? | Yes | No", user="trainer")
    await bot.send("/vote 1 2", user="amina")
    await bot.send("/vote 1 1", user="bekele")
    await bot.send("/vote 2 1", user="amina", chat="dm")
    bot.new_messages()
    await bot.send("/mydata", user="amina", chat="dm")
    answer = bot.next_reply()  # the answer in her private chat
    assert isinstance(answer, DirectMessage) or answer.chat.is_direct
    data = exported(bot)["polls"]
    assert data["votes"] == [{"poll": 1, "question": "Day?", "chosen": ["Tue"]}]
    assert data["anonymous_polls_voted"] == [{"poll": 2, "question": "Safe?", "voted": True}]
    assert "Yes" not in json.dumps(data["anonymous_polls_voted"])
    assert [p["poll"] for p in data["polls_created"]] == [1]

    await bot.send("/forgetme confirm", user="amina")
    await bot.send("/forgetme confirm", user="amina")
    bot.new_messages()
    await bot.send("/results 1")
    assert "1 vote" in bot.next_reply().text  # amina's vote is gone; bekele's stays
    await bot.send("/results 2")
    assert "0 votes" in bot.next_reply().text
    await bot.send("/closepoll 1", user="amina")  # authorship was anonymized
    assert bot.next_reply().text == "Only the author of poll #1 or a moderator can close it."
    await bot.send("/mydata", user="amina", chat="dm")
    assert '"polls"' not in exported_text(bot)
