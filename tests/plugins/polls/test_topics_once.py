"""One topic poll at a time per community, even when two chats ask at the same moment and the topics
provider takes its time to answer."""

from __future__ import annotations

import asyncio

import pytest

from core import ChatRef, MessageEvent, Reply, SendPoll, hookimpl

TOPICS = ("Misoprostol dose for PPH?", "Oxytocin storage?")


class SlowResources:
    """A topics provider that yields to the other chats many times before it answers (the real one
    groups questions off the event loop, so other chats' messages are handled meanwhile)."""

    def __init__(self) -> None:
        self.asked = 0

    @hookimpl
    async def practica_frequent_topics(self, limit, ctx):  # type: ignore[no-untyped-def]
        self.asked += 1
        for _ in range(50):
            await asyncio.sleep(0)
        return TOPICS[:limit]


def _posted_polls(bot) -> list[object]:
    """Polls members see: native polls, or numbered text polls."""
    return [a for a in bot.actions() if isinstance(a, SendPoll) or "\n1. Misoprostol" in getattr(a, "text", "")]


PREPARING = {"en": "A topic poll for this community is being prepared right now",
             "fr": "Un sondage de sujets pour cette communauté est en préparation"}
ALREADY = {"en": "A topic poll is already open: poll #1.", "fr": "Un sondage de sujets est déjà ouvert : le sondage n°1."}


@pytest.mark.parametrize("platform", ["console", "telegram"])
@pytest.mark.parametrize("lang", ["en", "fr"])
async def test_two_rooms_asking_at_once_get_one_topic_poll(make_bot, platform, lang):
    rooms = [ChatRef(platform=platform, id=f"g{n}", kind="group", title=f"Cohort 7 room {n}") for n in (1, 2)]
    config = {"communities": {"cohort7": {"chats": [r.key for r in rooms], "locale": lang}},
              "plugins": {"polls": {"topics_provider": "slow_resources"}}}
    provider = SlowResources()
    bot = await make_bot(platform=platform, plugins={"polls", "slow_resources"}, config=config,
                         extra_plugins={"slow_resources": provider})
    asks = [MessageEvent(id=f"ask{n}", chat=room, author=bot.user(name), text="/poll topics", timestamp=bot.clock.now())
            for n, (room, name) in enumerate(zip(rooms, ("amina", "bekele")))]
    await asyncio.gather(*(bot.runtime.deliver(ask) for ask in asks))  # both stored before either is answered
    await bot.runtime.idle()
    assert len(_posted_polls(bot)) == 1
    answers = [a.text for a in bot.actions(Reply) if a.reply_to in ("ask0", "ask1")]
    assert sum(text.startswith(PREPARING[lang]) for text in answers) == 1  # the room that came second
    assert provider.asked == 1
    bot.new_messages()
    await bot.send("/poll topics", user="chaltu", chat=rooms[1])
    assert bot.next_reply().text.startswith(ALREADY[lang])
    await bot.send("/polls", user="chaltu", chat=rooms[1])
    listing = bot.next_reply().text
    assert "#1" in listing and "#2" not in listing and len(_posted_polls(bot)) == 1
