"""Search reads a bounded part of the index whatever the size of the library: a common word, several words
or a short prefix cost the same SQLite work with 3,000 or 30,000 items (instructions counted, no clock;
both beyond the window of the most recent matches, which a smaller library skips),
and a prefix is completed into a few indexed words instead of FTS5's `word*` over all of them."""

from __future__ import annotations

import re

from plugins.resources import search, store
from tests.engines import SQLITE_ONLY
from tests.sqlwork import record_statements, total_steps

TOPICS = ["partograph", "oxytocin dose", "neonatal resuscitation", "kangaroo care", "sepsis signs"]
# 60 words starting with "par": a broad prefix
PAR = [f"par{a}{b}" for a in "abcdefghij" for b in "klmnop"]


async def _library(library_bot, size: int):
    bot = await library_bot()
    items = [store.NewItem(community=bot.home, kind="note", added_at="2026-11-01T08:00:00.000000Z",
                           title=f"{TOPICS[i % 5].capitalize()} guide {i}", body=f"{PAR[i % len(PAR)]} notes for module {i % 12}")
             for i in range(size)]
    await store.add_items(bot.runtime.storage, items)
    await bot.restart()  # the vocabulary is read at start
    return bot


async def _search(bot, log, query: str) -> tuple[int, list[str]]:
    log.clear()
    log.recording = True
    await bot.send(f"/search {query}")
    log.recording = False
    assert bot.next_reply().text.startswith("#"), query
    statements = log.matching("resources_fts", "MATCH")
    return total_steps(bot.database, statements), [str(params[0]) for _, params in statements]


@SQLITE_ONLY  # counts SQLite's VM instructions; test_search_pg.py checks PostgreSQL's bounded prefixes
async def test_search_costs_the_same_with_ten_times_more_items(library_bot, monkeypatch):
    log = record_statements(monkeypatch)
    small, large = await _library(library_bot, 3_000), await _library(library_bot, 30_000)
    for query in ("partograph", "oxytocin dose", "neonatal resuscitation guide", "par", "oxyto"):
        (cost_small, _), (cost_large, expressions) = await _search(small, log, query), await _search(large, log, query)
        assert cost_large <= cost_small * 1.3 + 500, (query, cost_small, cost_large)
        assert all("*" not in e for e in expressions), expressions  # every prefix was completed here
    _, [expression] = await _search(large, log, "par")
    assert len(re.findall(r'"[^"]*"', expression)) <= search.PREFIX_CAP + 1, expression


async def test_a_whole_word_is_searched_as_it_is_and_the_last_word_as_a_prefix(library_bot):
    bot = await library_bot()
    vaccine = await _save(bot, "/save Vaccine schedule for newborns")
    vaccination = await _save(bot, "/save Vaccination campaign checklist")
    plural = await _save(bot, "/save Vaccines: the schedule explained")
    await bot.send("/search vaccine schedule")  # "vaccine" is a whole word here: not "vaccine*"
    assert _ids(bot.next_reply().text) == [vaccine]
    await bot.send("/search schedule vaccine")  # as the last word it may still be being typed
    assert sorted(_ids(bot.next_reply().text)) == sorted([vaccine, plural])
    await bot.send("/search vaccin")
    assert sorted(_ids(bot.next_reply().text)) == sorted([vaccine, vaccination, plural])
    await bot.send("/search checklist vacc")
    assert _ids(bot.next_reply().text) == [vaccination]


async def _save(bot, text: str) -> int:
    await bot.send(text)
    return int(bot.next_reply().text.split("#", 1)[1].split()[0].rstrip(":"))


def _ids(text: str) -> list[int]:
    return [int(line[1:].split()[0]) for line in text.splitlines() if line.startswith("#")]


@SQLITE_ONLY  # the window is SQLite's (FTS5 walks its index newest first); PostgreSQL ranks its own way
async def test_a_small_library_gets_the_same_page_with_less_work_than_the_window(library_bot, monkeypatch):
    """When the vocabulary shows that at most WINDOW items can match, the window of the most recent
    matches would hold them all: search skips it, and the page is exactly the window query's."""
    from plugins.resources.services import search_sqlite

    log = record_statements(monkeypatch)
    bot = await library_bot()
    db = bot.runtime.storage
    items = [store.NewItem(community=bot.home if i % 4 else "elsewhere", kind="note", added_at="2026-11-01T08:00:00.000000Z",
                           title=f"{TOPICS[i % 5].capitalize()} guide {i}" + (" oxytocin" if i % 7 == 0 else ""),
                           body=f"{PAR[i % len(PAR)]} notes for module {i % 12}" + (" dose" * (i % 3)))
             for i in range(search.WINDOW * 3)]
    await store.add_items(db, items)
    await db.execute("UPDATE resources_items SET verified = 1 WHERE id % 3 = 0")
    await db.execute("UPDATE resources_items SET superseded_by = id + 1 WHERE id % 5 = 0")
    await bot.restart()  # the vocabulary (and its counts) is read at start
    db = bot.runtime.storage
    # "oxytocin dose": a few hundred items at most (rare word); "guide notes": every item, beyond the window
    for query, windowed in (("oxytocin dose", False), ("partograph oxytocin", False), ("guide notes", True)):
        log.clear()
        log.recording = True
        outcome = await search.search(db, bot.home, query, limit=10)
        log.recording = False
        [(sql, params)] = log.matching("resources_fts", "MATCH")
        assert ("rowid DESC" in sql) is windowed, query
        assert outcome.rows, query
        assert [tuple(r) for r in outcome.rows] == [tuple(r) for r in await db.fetchall(search_sqlite._WINDOW_SQL, params)], query
        if not windowed:
            assert total_steps(bot.database, [(sql, params)]) < total_steps(bot.database, [(search_sqlite._WINDOW_SQL, params)])
