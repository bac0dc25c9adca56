"""Search reads a bounded part of the index whatever the size of the library: a common word, several words
or a short prefix cost the same SQLite work with 2,000 or 20,000 items (instructions counted, no clock),
and a prefix is completed into a few indexed words instead of FTS5's `word*` over all of them."""

from __future__ import annotations

import re

from plugins.resources import search, store
from tests.sqlwork import record_statements, total_steps
from tests.engines import SQLITE_ONLY

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


@SQLITE_ONLY  # counts SQLite VM instructions (tests/sqlwork.py)
async def test_search_costs_the_same_with_ten_times_more_items(library_bot, monkeypatch):
    log = record_statements(monkeypatch)
    small, large = await _library(library_bot, 2_000), await _library(library_bot, 20_000)
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
