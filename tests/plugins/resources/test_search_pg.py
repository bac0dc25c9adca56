"""Library search on a real PostgreSQL server: words cut as on SQLite, accents folded in the database,
title above tags above body, bounded prefixes, "did you mean" from the words table, several workers."""

from __future__ import annotations

import pytest

from core.engines import open_storage
from plugins.resources import logic, store
from plugins.resources.services import search, search_pg

TEXTS = [
    "Prise en charge de l'hémorragie du post-partum",
    "ጤና። የእናቶች ጤና መመሪያ ኦክሲቶሲን",
    "E-learning: oxytocin/misoprostol (2nd edition), 5°C à 8°C — «fiche» [v2] {x} a_b x+y",
    "Pré‑éclampsie · HPP… “quotes” ‘single’ 3×2 ÷ 10%",
    "ÉCLAMPSIE sévère, Ça va? naïve café déjà-vu",
    "emoji 🙂 between🙂words and full-width！mark",
]


@pytest.fixture
def practica_community() -> str:
    return "default"  # once, not once per community


@pytest.fixture
def practica_engine() -> str:
    return "postgresql"


@pytest.fixture
async def db(practica_database):
    storage = await open_storage(await practica_database("library"))
    await storage.migrate("resources", store.MIGRATIONS)
    yield storage
    await storage.close()


def _item(title: str, *, body: str = "", tags: tuple[str, ...] = (), community: str = "default") -> store.NewItem:
    return store.NewItem(community=community, kind="note", title=title, body=body, tags=tags,
                         added_at="2026-11-01T08:00:00.000000Z")


async def _ids(db, query: str, **kwargs) -> list[int]:
    return [row[0] for row in (await search.search(db, "default", query, **kwargs)).rows]


@pytest.mark.parametrize("text", TEXTS)
async def test_the_index_cuts_and_folds_words_as_sqlite_does(db, text):
    indexed = await db.fetchval("SELECT tsvector_to_array(resources_words(?))", (text,))
    assert sorted(indexed) == sorted(set(logic.terms(text)))


async def test_accents_and_case_are_folded_in_the_database_both_ways(db):
    await store.add_items(db, [_item("E\u0301CLAMPSIE SE\u0301VE\u0300RE"), _item("Fievre puerperale")])
    await search.prepare(db)
    assert await _ids(db, "éclampsie") == [1]
    assert await _ids(db, "eclampsie severe") == [1]
    assert await _ids(db, "FIÈVRE puerpérale") == [2]


async def test_title_ranks_above_tags_and_tags_above_body(db):
    await store.add_items(db, [_item("Breastfeeding basics", body="Check the partograph every hour."),
                               _item("Labour monitoring", tags=("partograph",)),
                               _item("Partograph filling guide")])
    await search.prepare(db)
    assert await _ids(db, "partograph") == [3, 2, 1]


async def test_a_short_prefix_searches_only_the_most_common_completions(db):
    # 12 words starting with "par": "parka" .. "parkl" held by 12 .. 1 items
    words = [f"park{chr(ord('a') + n)}" for n in range(12)]
    await store.add_items(db, [_item(f"Note {n}", body=" ".join(words[:12 - n])) for n in range(12)])
    await search.prepare(db)  # counts the items of each word, as at start
    vocabulary = await search_pg.lexicon(db, ["par"])
    assert vocabulary.completions("par", search.PREFIX_CAP) == words[:search.PREFIX_CAP]
    template, searched = search_pg.tsquery(search.expanded(search.parse_query("par"), vocabulary))
    assert ":*" not in template and searched == ["par", *words[:search.PREFIX_CAP]]  # the word as typed, and 8
    assert sorted(await _ids(db, "par")) == list(range(1, 11))  # notes 11 and 12 hold only rarer words


async def test_user_text_is_never_tsquery_syntax(db):
    await store.add_items(db, [_item("Oxytocin dosing for the third stage")])
    await search.prepare(db)
    # unaccent turns some letters into quotes, colons or angle brackets: they are folded after quoting
    for query in ("oxytocinʼ", "ʻoxytocin", "ŉ oxytocin", "˂oxytocin˃", "oxytocinː*", "'oxytocin':*", "oxy&|!"):
        outcome = await search.search(db, "default", query)
        assert isinstance(outcome.rows, list)
    assert await _ids(db, "ʻoxytocin") == [1]  # the modifier letter folds to an apostrophe, which cuts words


async def test_a_word_saved_through_one_worker_is_suggested_by_another_at_once(db, practica_database):
    other = await open_storage(db.path)  # a second `practica run` on the same database
    try:
        await search.prepare(other)
        outcome = await search.search(other, "default", "partograf")
        assert outcome.rows == [] and outcome.suggestion is None
        await store.add_item(db, _item("Partograph filling guide"))
        outcome = await search.search(other, "default", "partograf")
        assert outcome.suggestion == "partograph" and [r[0] for r in outcome.rows] == [1]
        assert await _ids(other, "partogr") == [1]  # and completed as a prefix
    finally:
        await other.close()


async def test_another_communitys_words_are_never_suggested(db):
    await store.add_items(db, [_item("Partograph filling guide", community="cohort8")])
    await search.prepare(db)
    outcome = await search.search(db, "default", "partograf")
    assert outcome.rows == [] and outcome.suggestion is None


async def test_an_edited_item_is_found_by_its_new_words(db):
    await store.add_items(db, [_item("Cord clamping")])
    await db.execute("UPDATE resources_items SET title = ? WHERE id = 1", ("Delayed umbilical cord clamping",))
    assert await _ids(db, "umbilical") == [1]
    outcome = await search.search(db, "default", "umbilicl")
    assert outcome.suggestion == "umbilical"


async def test_members_saving_at_once_through_two_workers_all_get_their_items_and_counts(db):
    import asyncio

    other = await open_storage(db.path)
    try:
        titles = [f"Misoprostol {' '.join(f'w{(n * 7 + k) % 12}' for k in range(6))} note {n}" for n in range(12)]
        tags = [("pph", "drill") if n % 3 else ("drill", "pph", f"t{n % 2}") for n in range(12)]  # orders differ
        saved = await asyncio.gather(*(store.add_item(db if n % 2 else other, _item(t, tags=tags[n]))
                                       for n, t in enumerate(titles)))
        assert sorted(item_id for item_id, created in saved if created) == list(range(1, 13))
        assert await store.count_items(other, "default") == 12  # the kept counts: no save lost, none deadlocked
        assert [tuple(row) for row in await store.top_tags(other, "default", 10)] == [
            ("drill", 12), ("pph", 12), ("t0", 2), ("t1", 2)]
        assert sorted(await _ids(db, "misoprostol", limit=20)) == list(range(1, 13))
        words = await db.fetchval("SELECT count(*) FROM resources_words WHERE word LIKE 'w%'")
        assert words == 12  # each new word stored once, whoever saved it first
    finally:
        await other.close()
