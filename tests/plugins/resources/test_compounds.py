"""Hyphenated and compound words: members type them joined, split or hyphenated, in English and French;
every spelling finds the items written with any other."""

from __future__ import annotations

import pytest

from tests.plugins.resources.conftest import save

HEADERS = {"en": "Send /get <number> to receive an item.", "fr": "Envoyez /recevoir <numéro> pour recevoir un élément."}


def _ids(text: str) -> set[int]:
    return {int(line[1:].split()[0]) for line in text.splitlines() if line.startswith("#")}


async def _library(bot) -> dict[str, int]:
    return {
        "pre_fr": await save(bot, "/save https://example.org/pe Prise en charge de la pré-éclampsie #protocole"),
        "pre_en": await save(bot, "/save https://example.org/pe-en Preeclampsia screening at every visit"),
        "pp_fr": await save(bot, "/save https://example.org/pp Soins du post-partum à domicile"),
        "pp_en": await save(bot, "/save https://example.org/pp-en Postpartum checklist for the first week"),
        "el_dash": await save(bot, "/save https://example.org/el E-learning: the Safe Delivery modules"),
        "el_joined": await save(bot, "/save https://example.org/el2 How to open the elearning platform offline"),
    }


@pytest.mark.parametrize("platform", ["console", "telegram"])
@pytest.mark.parametrize("lang", ["en", "fr"])
async def test_hyphenated_and_joined_spellings_find_each_other(library_bot, platform, lang):
    bot = await library_bot(platform=platform, community={"locale": lang})
    ids = await _library(bot)
    expected = {
        "preeclampsie": {ids["pre_fr"]},  # the case: the joined word finds the hyphenated title
        "pré-éclampsie": {ids["pre_fr"]},
        "pre-eclampsia": {ids["pre_en"]},  # and the hyphenated query finds the joined title
        "postpartum": {ids["pp_fr"], ids["pp_en"]},
        "post-partum": {ids["pp_fr"], ids["pp_en"]},
        "post‑partum soins": {ids["pp_fr"]},  # a non-breaking hyphen (U+2011), as some phones type it
        "elearning": {ids["el_dash"], ids["el_joined"]},
        "e-learning": {ids["el_dash"], ids["el_joined"]},
        "e-learn": {ids["el_dash"], ids["el_joined"]},  # prefixes still work on compounds
    }
    for query, wanted in expected.items():
        await bot.send(f"/search {query}")
        text = bot.next_reply().text
        assert _ids(text) == wanted, (query, text)
        assert text.endswith(HEADERS[lang])


async def test_compounds_inside_synonym_phrases(library_bot):
    bot = await library_bot(platform="telegram", synonyms={"hpp": ["hémorragie du post-partum"]})
    fr = await save(bot, "/save https://example.org/h Prévenir l'hémorragie du postpartum")
    other = await save(bot, "/save https://example.org/h2 HPP : le massage utérin")
    for query in ("hpp", "hémorragie du post-partum", "hemorragie du postpartum"):
        await bot.send(f"/search {query}")
        assert _ids(bot.next_reply().text) == {fr, other}, query


async def test_items_saved_before_the_upgrade_are_found_by_either_spelling(library_bot):
    from plugins.resources.services import search

    bot = await library_bot(platform="console")
    item = await save(bot, "/save https://example.org/old Suivi du post-partum immédiat")
    # An item stored by an older version has no joined forms yet: startup computes them.
    await bot.runtime.storage.execute("UPDATE resources_items SET variants = NULL")
    if bot.runtime.storage.dialect == "sqlite":  # PostgreSQL's generated tsvector follows the update itself
        await bot.runtime.storage.execute("INSERT INTO resources_fts (resources_fts) VALUES ('rebuild')")
    await bot.send("/search postpartum")
    assert "Nothing found" in bot.next_reply().text
    await bot.restart()
    assert search  # the startup hook prepares the index
    await bot.send("/search postpartum")
    assert _ids(bot.next_reply().text) == {item}
