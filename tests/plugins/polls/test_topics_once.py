"""One topic poll at a time per community, even when two chats ask at the same moment and the topics
provider takes its time to answer."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from core import ChatRef, Context, DomainEvent, SendPoll, command, hookimpl


@dataclass(frozen=True, slots=True, kw_only=True)
class TopicsSuggested(DomainEvent):
    request_id: str
    topics: tuple[str, ...]


class SlowResources:
    """A topics provider that answers only when a test member sends /answer (the real one groups
    questions off the event loop, so other chats' messages are handled meanwhile)."""

    def __init__(self) -> None:
        self.waiting: list[object] = []

    @hookimpl
    def practica_register_commands(self):  # type: ignore[no-untyped-def]
        @command("answer")
        async def answer(ctx: Context) -> None:
            for request in self.waiting:
                await ctx.emit(TopicsSuggested(community=request.community, request_id=request.request_id,
                                               topics=("Misoprostol dose for PPH?", "Oxytocin storage?")))
            self.waiting.clear()

        return (answer,)

    @hookimpl
    async def practica_on_event(self, event, ctx):  # type: ignore[no-untyped-def]
        if type(event).__name__ == "TopicsRequested":
            self.waiting.append(event)


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
    await bot.send("/poll topics", user="amina", chat=rooms[0])
    bot.new_messages()
    await bot.send("/poll topics", user="bekele", chat=rooms[1])  # before the provider answered the first
    assert bot.next_reply().text.startswith(PREPARING[lang])
    assert len(provider.waiting) == 1
    await bot.send("/answer", user="amina", chat=rooms[0])
    assert len(_posted_polls(bot)) == 1
    bot.new_messages()
    await bot.send("/poll topics", user="chaltu", chat=rooms[1])
    assert bot.next_reply().text.startswith(ALREADY[lang])
    await bot.send("/polls", user="chaltu", chat=rooms[1])
    listing = bot.next_reply().text
    assert "#1" in listing and "#2" not in listing and len(_posted_polls(bot)) == 1
