"""Searching: ranking, typos, accents, prefixes, synonyms, French and Amharic text, hostile input."""

from __future__ import annotations

import logging

import pytest

from tests.plugins.resources.conftest import save

SYNONYMS = {"pph": ["postpartum haemorrhage", "postpartum hemorrhage", "hémorragie du post-partum"]}


async def _library(bot) -> dict[str, int]:
    ids = {}
    ids["oxy"] = await save(bot, "/save https://example.org/oxy Oxytocin dosing for the third stage #pph")
    ids["fr"] = await save(bot, "/save https://example.org/hpp Prise en charge de l'hémorragie du post-partum #hpp")
    ids["en"] = await save(bot, "/save https://example.org/pph Postpartum haemorrhage: bimanual compression")
    ids["am"] = await save(bot, "/save https://example.org/am የእናቶች ጤና መመሪያ ኦክሲቶሲን")
    ids["kmc"] = await save(bot, "/save Kangaroo mother care\nSkin-to-skin contact for low birth weight babies, every day.")
    return ids


def _ids(text: str) -> list[int]:
    return [int(line[1:].split()[0]) for line in text.splitlines() if line.startswith("#")]


@pytest.fixture
async def bot(library_bot):
    return await library_bot(synonyms=SYNONYMS)


async def test_exact_prefix_and_case(bot):
    ids = await _library(bot)
    for query in ("oxytocin", "OXYTOCIN", "oxyto", "dosing third"):
        await bot.send(f"/search {query}")
        assert _ids(bot.next_reply().text) == [ids["oxy"]], query


async def test_title_ranks_above_body(bot):
    body_only = await save(bot, "/save Breastfeeding basics\nAfter birth, oxytocin helps milk flow.")
    in_title = await save(bot, "/save Oxytocin storage in the cold chain\nKeep it between 2 and 8 degrees.")
    await bot.send("/search oxytocin storage")
    assert _ids(bot.next_reply().text) == [in_title]
    await bot.send("/search oxytocin")
    ranked = _ids(bot.next_reply().text)
    assert ranked.index(in_title) < ranked.index(body_only)


async def test_title_ranks_above_tags_and_tags_above_body(bot):
    in_body = await save(bot, "/save Breastfeeding basics\nCheck the partograph every hour.")
    tagged = await save(bot, "/save https://example.org/lm Labour monitoring #partograph")
    in_title = await save(bot, "/save https://example.org/pg Partograph filling guide")
    await bot.send("/search partograph")
    assert _ids(bot.next_reply().text) == [in_title, tagged, in_body]


async def test_a_deleted_items_words_are_not_suggested(bot):
    item = await save(bot, "/save Partograph filling guide")
    await bot.send(f"/delete {item}", user="trainer")
    bot.next_reply()
    await bot.send("/search partograf")
    text = bot.next_reply().text
    assert "Nothing found" in text and "Did you mean" not in text


async def test_accents_either_way(bot):
    ids = await _library(bot)
    await bot.send("/search hemorragie")
    assert ids["fr"] in _ids(bot.next_reply().text)
    plain = await save(bot, "/save Fievre puerperale (sans accents)")
    await bot.send("/search fièvre puerpérale")
    assert _ids(bot.next_reply().text) == [plain]


async def test_typo_finds_the_word_with_did_you_mean(bot):
    ids = await _library(bot)
    await bot.send("/search oxitocin")
    text = bot.next_reply().text
    assert "Did you mean: oxytocin?" in text
    assert _ids(text) == [ids["oxy"]]
    await bot.send("/search kangaru mother")
    text = bot.next_reply().text
    assert "kangaroo" in text and _ids(text) == [ids["kmc"]]


async def test_nonsense_finds_nothing_and_says_so(bot):
    await _library(bot)
    await bot.send("/search zzqxv")
    assert 'Nothing found for "zzqxv"' in bot.next_reply().text


async def test_synonyms_and_abbreviations_across_languages(bot):
    ids = await _library(bot)
    await bot.send("/search pph")
    found = set(_ids(bot.next_reply().text))
    assert {ids["oxy"], ids["fr"], ids["en"]} <= found  # tag #pph, French phrase, English phrase
    await bot.send("/search postpartum hemorrhage")  # a synonym phrase expands to the whole set too
    assert {ids["oxy"], ids["fr"], ids["en"]} <= set(_ids(bot.next_reply().text))


async def test_french_text(bot):
    ids = await _library(bot)
    await bot.send("/search prise en charge hémorragie")
    assert _ids(bot.next_reply().text) == [ids["fr"]]


async def test_amharic_text_tokenizes_and_matches(bot):
    ids = await _library(bot)
    await bot.send("/search ኦክሲቶሲን")
    assert _ids(bot.next_reply().text) == [ids["am"]]
    await bot.send("/search የእናቶች ጤና")
    assert _ids(bot.next_reply().text) == [ids["am"]]
    await bot.send("/search መመሪ")  # prefix of an Ethiopic word
    assert _ids(bot.next_reply().text) == [ids["am"]]
    await bot.send("/search ጤና።")  # Ethiopic full stop is punctuation
    assert _ids(bot.next_reply().text) == [ids["am"]]


async def test_results_are_limited_to_a_page(library_bot):
    bot = await library_bot(page_size=3)
    for n in range(5):
        await save(bot, f"/save https://example.org/v{n} Vaccine schedule part {n}")
    await bot.send("/search vaccine")
    text = bot.next_reply().text
    assert len(_ids(text)) == 3 and "More results" in text


@pytest.mark.parametrize("query", [
    '"oxytocin', 'oxytocin"', 'AND(', 'oxytocin AND(', '*', 'oxy*', 'NEAR(oxytocin dosing, 2)', 'oxytocin NOT',
    'title:oxytocin', '^oxytocin', '-oxytocin', '(((', "'; DROP TABLE resources_items; --", '{title}: x', 'OR', '+',
    # letters that PostgreSQL's unaccent turns into quotes, colons, angle brackets, bars
    "oxytocinʼ", "ʻoxytocin':*", "ŉ oxytocin", "˂oxytocin˃ & !x", "oxytocinː*", "‖ oxytocin", "«oxytocin»",
])
async def test_query_syntax_is_plain_text(bot, query, caplog):
    await _library(bot)
    caplog.set_level(logging.ERROR)
    await bot.send(f"/search {query}")
    text = bot.next_reply().text
    assert "went wrong" not in text.lower() and "error" not in text.lower()
    assert text.startswith("#") or "Nothing found" in text or "no words to search" in text or "Did you mean" in text, text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    await bot.send("/search oxytocin")  # the library is intact
    assert _ids(bot.next_reply().text)


async def test_operator_words_are_searched_as_words(bot):
    near = await save(bot, "/save Near miss review and audit")
    await bot.send("/search NEAR miss")
    assert _ids(bot.next_reply().text) == [near]


async def test_empty_punctuation_and_too_long_queries(bot, caplog):
    caplog.set_level(logging.ERROR)
    await bot.send("/search")
    assert "What should I look for?" in bot.next_reply().text
    await bot.send('/search "" * ( ) ?')
    assert "no words to search" in bot.next_reply().text
    await bot.send("/search " + "oxytocin " * 40)
    assert "too long" in bot.next_reply().text
    await bot.send("/search " + "a" * 5000)
    assert "too long" in bot.next_reply().text
    await bot.send("/search " + " ".join(f"w{n}" for n in range(20)))
    assert "too long" in bot.next_reply().text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_browse_by_tag(bot):
    ids = await _library(bot)
    await bot.send("/resources #PPH")
    assert _ids(bot.next_reply().text) == [ids["oxy"]]
    await bot.send("/resources")
    text = bot.next_reply().text
    assert "#pph (1)" in text and "#hpp (1)" in text
    await bot.send("/resources #nothing")
    assert "No item is tagged #nothing" in bot.next_reply().text


async def test_new_words_are_suggested_without_restart(bot):
    await bot.send("/search partograph")
    assert "Nothing found" in bot.next_reply().text
    item = await save(bot, "/save Partograph filling guide")
    await bot.send("/search partograf")
    text = bot.next_reply().text
    assert "partograph" in text and _ids(text) == [item]


async def test_synonym_sets_join_and_phrases_with_small_words_match(library_bot):
    bot = await library_bot(synonyms={"pph": ["postpartum haemorrhage", "hémorragie du post-partum"], "hpp": ["pph"]})
    ids = await _library(bot)
    await bot.send("/search hpp")  # hpp -> pph -> every phrase of the pph set
    assert {ids["oxy"], ids["fr"], ids["en"]} <= set(_ids(bot.next_reply().text))
    await bot.send("/search hémorragie du post-partum compression")
    assert _ids(bot.next_reply().text) == [ids["en"]]


async def test_random_hostile_queries_never_reach_sqlite_as_syntax(library_bot):
    import random

    from plugins.resources.services import search

    bot = await library_bot(synonyms=SYNONYMS)
    await _library(bot)
    pieces = ['"', "'", "(", ")", "*", "^", ":", "-", "+", "{", "}", "AND", "OR", "NOT", "NEAR", "NEAR(", "pph", "du",
              "oxytocin", "ኦክሲቶሲን", "é", "title:", "\\", ";", "%", "_", "a", "postpartum", "haemorrhage", "  ",
              "ʼ", "ŉ", "˂", "ː", "‖", "&", "|", "!", "<->", "#1#", "?", "$1", "\u0301", "x\u0301", "‼"]
    rng = random.Random(10)
    for _ in range(400):
        query = "".join(rng.choice(pieces) + rng.choice(["", " "]) for _ in range(rng.randint(1, 12)))
        try:
            await search.search(bot.runtime.storage, "default", query, synonyms=bot.runtime.plugin_config("resources", "default").synonyms)
        except search.QueryError:
            pass
