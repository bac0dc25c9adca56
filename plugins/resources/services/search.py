"""Full-text search of the library: the /search flow, the same on every engine.

Member text becomes required groups of words (`query`); the engine of the database (`db.dialect`)
completes prefixes from its vocabulary, runs one ranked query, and, only when that finds nothing,
corrects unknown words ("did you mean") and runs once more. The engines live apart and offer the same
functions: `search_sqlite` (FTS5, bm25, an in-memory vocabulary) and `search_pg` (a weighted tsvector
with unaccent, ts_rank, a words table with a trigram index). Commands, paging and texts never see which.

Bench entry points (documented in docs/plugins/resources.md):
    await prepare(db)                                        # load the "did you mean" vocabulary (startup does it)
    outcome = await search(db, "default", "oxytocin dose")   # the same code path as /search
    rows = await bare_search(db, "oxytocin dose")            # a bare engine query (bm25 / ts_rank), for comparison
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any

from core import Storage
from plugins.resources import logic
from plugins.resources.services import search_pg, search_sqlite
from plugins.resources.services.query import (CANDIDATES, FUZZY_MIN, PREFIX_CAP, PREFIX_MIN, WINDOW, Group, Outcome,
                                              QueryError, compile_synonyms, expand, expanded, holds, parse_query,
                                              variants)
from plugins.resources.services.search_sqlite import COMMUNITY_INDEX, FTS_SCHEMA, VARIANTS_SCHEMA, match_expression
from plugins.resources.services.vocabulary import Vocabulary, vocabulary_for

__all__ = ["CANDIDATES", "COMMUNITY_INDEX", "FTS_SCHEMA", "FUZZY_MIN", "PREFIX_CAP", "PREFIX_MIN", "VARIANTS_SCHEMA",
           "WINDOW", "Group", "Outcome", "QueryError", "Vocabulary", "answers", "bare_search", "changed", "compact",
           "compile_synonyms", "engine", "expand", "expanded", "match_expression", "parse_query", "prepare", "remember", "search",
           "stop", "variants", "vocabulary_for"]


def engine(db: Storage) -> ModuleType:
    """The search engine module of `db`: `search_pg` on PostgreSQL, `search_sqlite` otherwise."""
    return search_pg if getattr(db, "dialect", "sqlite") == "postgresql" else search_sqlite


async def prepare(db: Storage) -> Any:
    """Index the compounds of items stored before migration 3 and, on SQLite, load the vocabulary now
    (startup, benchmark warm-up) instead of at the first search."""
    return await engine(db).prepare(db)


def remember(db: Storage, *texts: str) -> None:
    """A newly saved item's words can be suggested and completed at once (no restart)."""
    engine(db).remember(db, *texts)


def changed(db: Storage) -> None:
    """Items were added to or deleted from the library (store): on SQLite the index is merged back into
    one piece soon (fts_compaction)."""
    engine(db).changed(db)


async def compact(db: Storage) -> bool:
    """Merge the search index now (SQLite, small libraries; see fts_compaction); True when merged."""
    return bool(await engine(db).compact(db))


async def stop(db: Storage) -> None:
    """At shutdown: no index merge starts any more; the one running is waited for."""
    await engine(db).stop(db)


def _stems(groups: Sequence[Group]) -> set[str]:
    """The folded words the vocabulary is asked about: each prefix phrase's last word, each typed word."""
    stems = {logic.fold(phrase[-1]) for g in groups if g.prefix for phrase in g.alternatives}
    return stems | {g.typed for g in groups if g.typed}


async def search(db: Storage, community: str, query: str, *, synonyms: Mapping[str, Sequence[str]] | None = None,
                 limit: int = 10, fuzzy: bool = True) -> Outcome:
    """Search `community`'s library: the exact code path of /search.

    One ranked query (title first; current and verified items first). Only when it finds nothing,
    unknown words are replaced by the closest indexed word and the query runs once more.

    Args:
        db: the storage.
        community: the community whose items are searched.
        query: member text (any characters; never interpreted as query syntax by either engine).
        synonyms: the community's synonym table (config `synonyms`).
        limit: the most rows returned.
        fuzzy: allow the "did you mean" fallback.

    Raises:
        QueryError: "empty" (no word to search) or "too_long".
    """
    groups = parse_query(query, synonyms)
    side = engine(db)
    vocabulary = await side.lexicon(db, _stems(groups))
    rows = await side.rows(db, expanded(groups, vocabulary), community, limit)
    if rows or not fuzzy:
        return Outcome(rows=rows, groups=groups)
    unknown = [g.typed for g in groups if g.typed and len(g.typed) >= FUZZY_MIN and not vocabulary.known(g.typed)]
    better = await side.suggestions(db, vocabulary, unknown) if unknown else {}
    corrected = [Group(alternatives=((better[g.typed],),), prefix=g.prefix, typed=better[g.typed])
                 if better.get(g.typed) else g for g in groups]
    if not any(better.values()):
        return Outcome(rows=[], groups=groups)
    vocabulary = await side.lexicon(db, _stems(corrected))
    rows = await side.rows(db, expanded(corrected, vocabulary), community, limit)
    if not rows:
        return Outcome(rows=[], groups=groups)
    suggestion = " ".join(g.typed or " ".join(g.alternatives[0]) for g in corrected)
    return Outcome(rows=rows, suggestion=suggestion, groups=corrected)


async def bare_search(db: Storage, query: str, limit: int = 10) -> list[Any]:
    """A bare engine query (the benchmark's baseline): the query's words, no prefix, no synonyms, no
    community filter, no join. Returns (id, score) rows."""
    return list(await engine(db).bare_search(db, query, limit))


async def answers(db: Storage, community: str, concepts: Sequence[Sequence[tuple[str, ...]]], *,
                  threshold: float = 0.6) -> bool:
    """Whether some item of `community` answers a question topic: it holds the topic's first (most
    specific) concept and at least `threshold` of all of them.

    Each concept is given as its alternative phrases of folded words (a synonym set, or one stem);
    a word matches an indexed word or, from PREFIX_MIN characters, the beginning of one.
    """
    wanted = [[p for p in phrases if p] for phrases in concepts if phrases][: logic.MAX_QUERY_TERMS]
    phrases = list(dict.fromkeys(p for alternatives in wanted for p in alternatives))[:40]
    if not phrases:
        return True
    side = engine(db)
    prefixed = [Group(alternatives=(p,), prefix=len(p[-1]) >= PREFIX_MIN) for p in phrases]
    vocabulary = await side.lexicon(db, _stems(prefixed))
    groups = [expand(g, vocabulary, last=True) for g in prefixed]
    for row in await side.texts(db, groups, community, 20):
        present = set(logic.terms(" ".join(str(v or "") for v in row)))
        found = [any(holds(present, p) for p in alternatives) for alternatives in wanted]
        if found[0] and sum(found) >= threshold * len(found):
            return True
    return False
