"""The coordinator's micro-lecture planning, as it went wrong in issue #17 (item 2): the most asked
question was missing from the topic poll, the poll offered junk and duplicates, /faq listed a greeting,
and asking twice opened two identical polls. Played with the real polls and resources plugins."""

from __future__ import annotations

import pytest

from core import ChatRef, SendPoll

from tests.plugins.resources.conftest import save

SYNONYMS = {"pph": ["hpp", "postpartum haemorrhage", "hémorragie du post-partum"], "oxytocin": ["ocytocine"],
            "store": ["storage", "keep", "kept", "conserver", "stocker", "garder"],
            "fridge": ["frigo", "réfrigérateur", "cold chain"], "cord": ["cordon"], "clamp": ["clamper", "clampage"]}

CONVERSATION = {
    "en": [
        ("trainer", "/save https://example.org/oxy Oxytocin dose for PPH: 10 IU IM protocol #pph"),
        ("amina", "hello, can I post now?"),
        ("amina", "What is the dose of misoprostol for PPH?"),
        ("bekele", "How much misoprostol do we give for postpartum haemorrhage?"),
        ("chaltu", "Misoprostol for PPH: how many tablets?"),
        ("desta", "Anyone knows the misoprostol dose for PPH?"),
        ("amina", "/search misoprostol"),
        ("bekele", '/search AND( "* NEAR'),
        ("fatuma", "How should we store oxytocin?"),
        ("genet", "Can oxytocin be kept outside the fridge?"),
        ("hana", "What temperature for oxytocin storage?"),
        ("iman", "When should we clamp the cord?"),
        ("jemila", "/search cord clamping"),
        ("kidist", "KMC at night?"),
        ("kidist", "KMC at night??"),
        ("kidist", "Please, KMC at night?"),
        ("lemlem", "What is the dose of oxytocin for PPH?"),
        ("meron", "Oxytocin dose for PPH?"),
        ("chaltu", "Is anyone here?"),
    ],
    "fr": [
        ("trainer", "/save https://example.org/oxy Ocytocine : dose pour l'HPP, 10 UI en IM #hpp"),
        ("amina", "bonjour, je peux poster maintenant ?"),
        ("amina", "Quelle est la dose de misoprostol pour une HPP ?"),
        ("bekele", "Combien de misoprostol faut-il donner pour une hémorragie du post-partum ?"),
        ("chaltu", "Misoprostol pour l'HPP : combien de comprimés ?"),
        ("desta", "Quelqu'un connaît la dose de misoprostol en cas d'HPP ?"),
        ("amina", "/chercher misoprostol"),
        ("bekele", '/chercher AND( "* NEAR'),
        ("fatuma", "Comment conserver l'ocytocine ?"),
        ("genet", "Peut-on garder l'ocytocine hors du frigo ?"),
        ("hana", "À quelle température stocker l'ocytocine ?"),
        ("iman", "Quand faut-il clamper le cordon ?"),
        ("jemila", "/chercher clampage du cordon"),
        ("kidist", "La méthode kangourou la nuit ?"),
        ("kidist", "La méthode kangourou la nuit ??"),
        ("kidist", "Svp, la méthode kangourou la nuit ?"),
        ("lemlem", "Quelle est la dose d'ocytocine pour une HPP ?"),
        ("meron", "Dose d'ocytocine pour l'HPP ?"),
        ("chaltu", "Il y a quelqu'un ?"),
    ],
}

FAQ = {
    "en": ["Most asked in the last 30 days (number of members who asked):",
           "Not answered in the library yet:",
           "1. What is the dose of misoprostol for PPH? (4)",
           "2. How should we store oxytocin? (3)",
           "3. When should we clamp the cord? (2)",
           "4. KMC at night? (1)",
           "Answered in the library:",
           "5. Oxytocin dose for PPH? (2)"],
    "fr": ["Questions les plus posées ces 30 derniers jours (nombre de membres qui les ont posées) :",
           "Sans réponse dans la bibliothèque pour l'instant :",
           "1. Quelle est la dose de misoprostol pour une HPP ? (4)",
           "2. Comment conserver l'ocytocine ? (3)",
           "3. Quand faut-il clamper le cordon ? (2)",
           "4. La méthode kangourou la nuit ? (1)",
           "Avec une réponse dans la bibliothèque :",
           "5. Dose d'ocytocine pour l'HPP ? (2)"],
}
NOTHING = {"en": 'Nothing found for "misoprostol"', "fr": "Rien trouvé pour « misoprostol »"}
ALREADY = {"en": "A topic poll is already open: poll #{id}. Vote there, or see the votes so far with /results {id}.",
           "fr": "Un sondage de sujets est déjà ouvert : le sondage n°{id}. Votez-y, ou voyez les votes avec /results {id}."}
OPEN_POLLS = {"en": "Open polls:", "fr": "Sondages ouverts :"}


def _cohort(platform: str, lang: str) -> dict:
    room = f"{platform}:g1"
    other_room = f"{platform}:g2"
    return {"communities": {"cohort7": {
        "chats": [room, other_room], "locale": lang, "moderators": [f"{platform}:trainer"],
        "plugins": {"resources": {"insights": True, "synonyms": SYNONYMS}}}}}


def _poll_options(bot) -> list[tuple[str, ...]]:
    """Every poll posted so far, as members see its options (native poll or numbered text)."""
    out = []
    for action in bot.actions():
        if isinstance(action, SendPoll):
            out.append(action.poll.options)
        elif "\n1. " in getattr(action, "text", "") and "/vote" in action.text:
            out.append(tuple(line.split(". ", 1)[1] for line in action.text.splitlines()[1:] if line[:1].isdigit()))
    return out


@pytest.mark.parametrize("platform", ["console", "telegram"])
@pytest.mark.parametrize("lang", ["en", "fr"])
async def test_topics_are_grouped_ranked_and_polled_once(make_bot, platform, lang):
    bot = await make_bot(platform=platform, plugins={"resources", "polls"}, config=_cohort(platform, lang))
    for member, text in CONVERSATION[lang]:
        if text.startswith("/save"):
            await save(bot, text, user=member)
        else:
            await bot.send(text, user=member)
    assert any(m.text.startswith(NOTHING[lang]) for m in bot.new_messages())  # the library has nothing on it

    await bot.send("/faq", user="trainer")
    faq = bot.next_reply().text.splitlines()
    assert faq == FAQ[lang]

    await bot.send("/poll topics", user="iman")
    polls = _poll_options(bot)
    assert len(polls) == 1
    expected = [line.split(". ", 1)[1].rsplit(" (", 1)[0] for line in FAQ[lang][2:6]]
    assert list(polls[0]) == expected  # the most asked first; no greeting, no junk, one option per topic
    bot.new_messages()

    # Asking again, here or in the cohort's other room, points at the open poll instead of a copy.
    await bot.send("/poll topics", user="jemila")
    again = bot.next_reply().text
    assert again.startswith(ALREADY[lang].format(id=1))
    other_room = ChatRef(platform=platform, id="g2", kind="group", title="Cohort 7, second room")
    await bot.send("/poll sujets", user="kidist", chat=other_room)
    assert bot.next_reply().text.startswith(ALREADY[lang].format(id=1))
    assert len(_poll_options(bot)) == 1
    await bot.send("/polls")
    listing = bot.next_reply().text.splitlines()
    assert listing[0] == OPEN_POLLS[lang] and sum(line.startswith("#") or "#" in line[:4] for line in listing[1:-1]) == 1

    # Once it has closed, the next topic poll can be asked for.
    await bot.advance(days=3, minutes=1)
    bot.new_messages()
    await bot.send("/poll topics", user="iman")
    assert len(_poll_options(bot)) == 2
