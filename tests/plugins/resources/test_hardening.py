"""Hostile text and concurrency around the library: invisible control characters never come back to
members, and a link saved by many members at once is stored once with a clear answer for everyone."""

from __future__ import annotations

import asyncio

import pytest

from core import ChatRef

from tests.plugins.resources.conftest import pdf, save

# Right-to-left override, left-to-right embedding, isolates, zero-width space / joiner / non-joiner,
# word joiner, byte-order mark: each one changes how the text around it looks, or hides inside a word.
INVISIBLE = "\u202e\u202a\u2066\u2069\u200b\u200c\u200d\u2060\ufeff"

SAVED = {"en": "Saved as #{id}: {title}", "fr": "Enregistré sous le numéro #{id} : {title}"}
ALREADY = {"en": "This is already in the library as #{id}.", "fr": "C'est déjà dans la bibliothèque sous le numéro #{id}."}
NOTHING = {"en": 'Nothing found for "{query}"', "fr": "Rien trouvé pour « {query} »"}


def _visible(text: str) -> bool:
    return not any(c in text for c in INVISIBLE)


@pytest.mark.parametrize("platform", ["console", "telegram"])
@pytest.mark.parametrize("lang", ["en", "fr"])
async def test_bidi_overrides_and_zero_width_characters_are_never_echoed(library_bot, platform, lang):
    bot = await library_bot(platform=platform, community={"locale": lang})
    # Inline title: "Oxytocin" spelled with a zero-width space inside and a right-to-left override in front.
    await bot.send("/save https://example.org/oxy \u202eOxy\u200btocin\u2060 protocol #pph")
    answer = bot.next_reply().text
    assert answer.startswith(SAVED[lang].format(id=1, title="Oxytocin protocol")) and _visible(answer)
    # A file name and a replied message carry them too (they do not come through the command text).
    shared = await bot.send("", user="chaltu", attachments=[pdf(ref="F-2", name="\u202eFDP.\u200bpartograph.pdf")])
    await save(bot, "/save #labour", reply_to=shared)
    tip = await bot.send("Keep miso\u200bprostol dry \u2066below 25 °C\u2069", user="bekele")
    await save(bot, "/save #storage", reply_to=tip)
    await bot.send("/get 3")
    assert bot.next_reply().text.endswith("Keep misoprostol dry below 25 °C")
    await bot.send("/search partograph")
    found = bot.next_reply().text
    assert "#2 FDP.partograph.pdf" in found and _visible(found)
    await bot.send("/search oxy\u200btocin")  # the hidden character does not split the word either
    found = bot.next_reply().text
    assert "#1 Oxytocin protocol" in found and _visible(found)
    await bot.send("/search \u202emagnesium\u2066")
    missing = bot.next_reply().text
    assert missing.startswith(NOTHING[lang].format(query="magnesium")) and _visible(missing)
    await bot.send("/resources")
    assert _visible(bot.next_reply().text)
    await bot.send("/get 2")
    assert _visible(bot.actions()[-1].caption)


async def test_emoji_sequences_keep_their_joiners(library_bot):
    bot = await library_bot(platform="console")
    await bot.send("/save Midwife tips \U0001f469\u200d\u2695\ufe0f #tips")
    assert bot.next_reply().text.startswith("Saved as #1: Midwife tips \U0001f469\u200d\u2695\ufe0f")


@pytest.mark.parametrize("platform", ["console", "telegram"])
@pytest.mark.parametrize("lang", ["en", "fr"])
async def test_ten_simultaneous_saves_of_one_link_give_one_item_and_clear_answers(make_bot, platform, lang):
    chats = [ChatRef(platform=platform, id=f"g{n}", kind="group", title=f"Cohort 7 room {n}") for n in range(10)]
    config = {"communities": {"cohort7": {"chats": [c.key for c in chats], "locale": lang}}}
    bot = await make_bot(platform=platform, plugins={"resources"}, config=config)

    async def save_in(n: int) -> None:
        await bot.send("/save https://www.safedelivery.org/module/pph?utm_source=chat Safe Delivery PPH module #pph",
                       user=f"midwife{n}", chat=chats[n])

    await asyncio.gather(*(save_in(n) for n in range(10)))
    texts = sorted(m.text for m in bot.new_messages())
    assert len(texts) == 10
    saved = [t for t in texts if t.startswith(SAVED[lang].format(id=1, title="Safe Delivery PPH module"))]
    already = [t for t in texts if t.startswith(ALREADY[lang].format(id=1))]
    assert len(saved) == 1 and len(already) == 9, texts
    await bot.send("/resources", chat=chats[0])
    listing = bot.next_reply().text
    assert listing.count("Safe Delivery PPH module") == 1 and "#2" not in listing
