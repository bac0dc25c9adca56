"""Library search on SQLite: the FTS5 index, its vocabulary, the MATCH expression and bm25 ranking.

The engine half of `search` for SQLite (`search_pg` is the PostgreSQL one; both offer the same functions,
`search` picks one by `db.dialect` and runs the shared flow).

Safety: user text never reaches FTS5 as query syntax. The query is split into words (`query`); each word
is double-quoted (a quote character can never be inside a word, it is a separator), and `*` (prefix
search) is added only here. So `"`, `AND(`, `*`, `NEAR`, `^`, `:` in a query are just text.

Cost: bounded whatever the size of the library. A prefix is completed from the in-memory vocabulary (loaded
from fts5vocab) into at most PREFIX_CAP indexed words, never handed to FTS5 as `word*` (which merges the
postings of every word with that prefix first). Candidates are the WINDOW most recent matches of the
community (FTS5 walks its index from the newest row and stops), the best CANDIDATES of them by bm25 are
ordered (current and verified first) and the page is returned. When the vocabulary's counts show that at
most WINDOW items can match (a small library, rare words), the window is skipped: it would hold them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from core import Storage
from plugins.resources import logic
from plugins.resources.services import fts_compaction
from plugins.resources.services.query import CANDIDATES, WINDOW, Group, most_matches, variants
from plugins.resources.services.vocabulary import Vocabulary, vocabulary_for

# Appended to the plugin's migrations by store.MIGRATIONS (migration 2).
FTS_SCHEMA = """
CREATE VIRTUAL TABLE resources_fts USING fts5(
    title, tags, body,
    content='resources_items', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE resources_fts_vocab USING fts5vocab(resources_fts, 'row');
CREATE TRIGGER resources_fts_insert AFTER INSERT ON resources_items BEGIN
    INSERT INTO resources_fts (rowid, title, tags, body) VALUES (new.id, new.title, new.tags, new.body);
END;
CREATE TRIGGER resources_fts_delete AFTER DELETE ON resources_items BEGIN
    INSERT INTO resources_fts (resources_fts, rowid, title, tags, body) VALUES ('delete', old.id, old.title, old.tags, old.body);
END;
CREATE TRIGGER resources_fts_update AFTER UPDATE OF title, tags, body ON resources_items BEGIN
    INSERT INTO resources_fts (resources_fts, rowid, title, tags, body) VALUES ('delete', old.id, old.title, old.tags, old.body);
    INSERT INTO resources_fts (rowid, title, tags, body) VALUES (new.id, new.title, new.tags, new.body);
END;
"""

# Migration 3: a fourth indexed column, `variants`, holds the joined forms of the item's hyphenated
# compounds ("pré-éclampsie" is indexed as "pre", "eclampsie" and "preeclampsie"), so a joined query
# word finds a hyphenated title. Queries do the other half (see parse_query). Rows stored before this
# migration get their variants at startup (prepare).
VARIANTS_SCHEMA = """
DROP TRIGGER resources_fts_insert;
DROP TRIGGER resources_fts_delete;
DROP TRIGGER resources_fts_update;
DROP TABLE resources_fts_vocab;
DROP TABLE resources_fts;
ALTER TABLE resources_items ADD COLUMN variants TEXT;
CREATE VIRTUAL TABLE resources_fts USING fts5(
    title, tags, body, variants,
    content='resources_items', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE resources_fts_vocab USING fts5vocab(resources_fts, 'row');
CREATE TRIGGER resources_fts_insert AFTER INSERT ON resources_items BEGIN
    INSERT INTO resources_fts (rowid, title, tags, body, variants) VALUES (new.id, new.title, new.tags, new.body, new.variants);
END;
CREATE TRIGGER resources_fts_delete AFTER DELETE ON resources_items BEGIN
    INSERT INTO resources_fts (resources_fts, rowid, title, tags, body, variants)
    VALUES ('delete', old.id, old.title, old.tags, old.body, old.variants);
END;
CREATE TRIGGER resources_fts_update AFTER UPDATE OF title, tags, body, variants ON resources_items BEGIN
    INSERT INTO resources_fts (resources_fts, rowid, title, tags, body, variants)
    VALUES ('delete', old.id, old.title, old.tags, old.body, old.variants);
    INSERT INTO resources_fts (rowid, title, tags, body, variants) VALUES (new.id, new.title, new.tags, new.body, new.variants);
END;
INSERT INTO resources_fts (resources_fts) VALUES ('rebuild');
"""

# bm25 column weights: title, tags, body, variants (title weighted above the body; joined compounds
# like tags: they may come from the title or the body).
WEIGHTS = "5.0, 3.0, 1.0, 3.0"

# Migration 7: the community of a matching row from a small index (id, community), not from the item's
# page: the window checks up to WINDOW rows, the index stays in the cache, the items' pages need not.
COMMUNITY_INDEX = "CREATE INDEX resources_items_community_of ON resources_items (id, community);"

# Ranked in SQL, so that only the page leaves the database: the window (rowid and bm25 only), its best
# CANDIDATES, then their items in the final order.
_PAGE_SQL = """
SELECT i.id, i.title, i.kind, i.size, i.added_at, i.verified, i.superseded_by, f.score, i.community
FROM ({candidates}) AS f
CROSS JOIN resources_items AS i ON i.id = f.id
ORDER BY i.superseded_by IS NOT NULL, i.verified DESC, f.score, i.id
LIMIT ?
"""
_MATCHES = f"""SELECT resources_fts.rowid AS id, bm25(resources_fts, {WEIGHTS}) AS score
               FROM resources_fts CROSS JOIN resources_items AS c INDEXED BY resources_items_community_of
                    ON c.id = resources_fts.rowid
               WHERE resources_fts MATCH ? AND c.community = ?"""
_WINDOW_SQL = _PAGE_SQL.format(candidates=f"SELECT id, score FROM ({_MATCHES} ORDER BY resources_fts.rowid DESC "
                                          f"LIMIT {WINDOW}) ORDER BY score, id LIMIT {CANDIDATES}")
# When the vocabulary's counts show at most WINDOW items can match, the window would hold every match:
# the same candidates without it (no newest-first walk of the index, one sort fewer).
_ALL_SQL = _PAGE_SQL.format(candidates=f"{_MATCHES} ORDER BY score, id LIMIT {CANDIDATES}")
_BARE_SQL = f"""
SELECT rowid, bm25(resources_fts, {WEIGHTS}) AS score FROM resources_fts
WHERE resources_fts MATCH ? ORDER BY score LIMIT ?
"""
_TEXT_SQL = """
SELECT i.title, i.tags, i.body, i.variants FROM resources_fts CROSS JOIN resources_items AS i ON i.id = resources_fts.rowid
WHERE resources_fts MATCH ? AND i.community = ? LIMIT ?
"""


def match_expression(groups: Sequence[Group]) -> str:
    """The FTS5 MATCH text: every group required (explicit AND: FTS5 does not accept an implicit AND
    next to a parenthesized OR group)."""
    return " AND ".join(g.expression() for g in groups)



async def prepare(db: Storage) -> Vocabulary:
    """Index the compounds of items stored before migration 3, and load the vocabulary now (startup,
    benchmark warm-up) instead of at the first search. Reads the library once per open database."""
    vocabulary = vocabulary_for(db)
    if vocabulary.loaded:
        return vocabulary
    rows = await db.fetchall("SELECT id, title, tags, body FROM resources_items WHERE variants IS NULL")
    if rows:
        await db.executemany("UPDATE resources_items SET variants = ? WHERE id = ?",
                             [(variants(r[1], r[2], r[3]), r[0]) for r in rows])
    await vocabulary.load(db)
    fts_compaction.changed(db)  # what a run that stopped before its merge left in pieces
    return vocabulary


async def lexicon(db: Storage, stems: Iterable[str]) -> Vocabulary:
    """The vocabulary that completes `stems`: here the whole in-memory one."""
    return await prepare(db)


async def suggestions(db: Storage, vocabulary: Vocabulary, terms: Sequence[str]) -> dict[str, str | None]:
    """The closest indexed word of each term (rapidfuzz over the in-memory vocabulary), or None."""
    return {term: vocabulary.suggest(term) for term in terms}


def remember(db: Storage, *texts: str) -> None:
    """A saved item's words join the in-memory vocabulary (suggested without a restart)."""
    vocabulary_for(db).add_text(*texts)


def changed(db: Storage) -> None:
    """Items were added or deleted (store): the index is merged back into one piece soon."""
    fts_compaction.changed(db)


compact = fts_compaction.compact
stop = fts_compaction.stop


async def rows(db: Storage, groups: Sequence[Group], community: str, limit: int) -> list[Any]:
    """One ranked query over a bounded window: the community's WINDOW most recent matches, their best
    CANDIDATES by bm25 (title weighted), then outdated items last and verified items first. The window
    is skipped when the vocabulary shows it would hold every match anyway (small libraries)."""
    vocabulary = vocabulary_for(db)
    bound = most_matches(groups, vocabulary) if vocabulary.loaded else None
    sql = _ALL_SQL if bound is not None and bound <= WINDOW else _WINDOW_SQL
    return list(await db.fetchall(sql, (match_expression(groups), community, limit)))


async def texts(db: Storage, groups: Sequence[Group], community: str, limit: int) -> list[Any]:
    """(title, tags, body, variants) of up to `limit` items of `community` matching ANY of `groups`."""
    expression = " OR ".join(g.expression() for g in groups)
    return list(await db.fetchall(_TEXT_SQL, (expression, community, limit)))


async def bare_search(db: Storage, query: str, limit: int = 10) -> list[Any]:
    """A bare FTS5 bm25 query (the benchmark's baseline): the query's words quoted, no prefix, no
    synonyms, no community filter, no join. Returns (rowid, score) rows."""
    expression = " ".join('"' + w + '"' for w in logic.terms(query)) or '""'
    return await db.fetchall(_BARE_SQL, (expression, limit))
