"""Full-text search of the library: the one module that knows about SQLite FTS5.

Everything engine-specific lives here: the FTS5 index and its triggers (a migration), the fts5vocab
vocabulary, the MATCH expression and the bm25 ranking. A future PostgreSQL backend replaces this
module only.

Safety: user text never reaches FTS5 as query syntax. The query is split into words here; each word
is double-quoted (a quote character can never be inside a word, it is a separator), and `*` (prefix
search) is added only by this module. So `"`, `AND(`, `*`, `NEAR`, `^`, `:` in a query are just text.

Cost: bounded whatever the size of the library. A prefix ("oxyto", or the last word of any query, which
may still be being typed) is completed from the in-memory vocabulary into at most PREFIX_CAP indexed words
(the most common), never handed to FTS5 as `word*` (which merges the postings of every word with that
prefix first). Whole words elsewhere in the query are searched as they are. Candidates are the WINDOW
most recent matches of the community (FTS5 walks its index from the newest row and stops), the best
CANDIDATES of them by bm25 are ordered (current and verified first) and the page is returned.

Bench entry points (documented in docs/plugins/resources.md):
    await prepare(db)                                        # load the "did you mean" vocabulary (startup does it)
    outcome = await search(db, "default", "oxytocin dose")   # the same code path as /search
    rows = await bare_search(db, "oxytocin dose")            # a bare FTS5 bm25 query, for comparison
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from core import Storage
from plugins.resources import logic
from plugins.resources.services.vocabulary import Vocabulary, vocabulary_for

__all__ = ["Outcome", "QueryError", "Vocabulary", "answers", "bare_search", "parse_query", "prepare", "search",
           "variants", "vocabulary_for"]

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
PREFIX_MIN = 3  # words of at least this many characters also match longer words ("oxyto" -> oxytocin)
PREFIX_CAP = 8  # a prefix is completed into at most this many indexed words (the most common ones)
FUZZY_MIN = 4  # shorter words are never "corrected"

# Migration 7: the community of a matching row from a small index (id, community), not from the item's
# page: the window checks up to WINDOW rows, the index stays in the cache, the items' pages need not.
COMMUNITY_INDEX = "CREATE INDEX resources_items_community_of ON resources_items (id, community);"

WINDOW = 500  # the most recent matches of the community that are ranked (FTS5 stops reading there)
CANDIDATES = 50  # of those, the best bm25 matches are re-ordered (current and verified first)
# Ranked in SQL, so that only the page leaves the database: the window (rowid and bm25 only), its best
# CANDIDATES, then their items in the final order.
_WINDOW_SQL = f"""
SELECT i.id, i.title, i.kind, i.size, i.added_at, i.verified, i.superseded_by, f.score, i.community
FROM (SELECT id, score FROM (SELECT resources_fts.rowid AS id, bm25(resources_fts, {WEIGHTS}) AS score
                             FROM resources_fts CROSS JOIN resources_items AS c INDEXED BY resources_items_community_of
                                  ON c.id = resources_fts.rowid
                             WHERE resources_fts MATCH ? AND c.community = ?
                             ORDER BY resources_fts.rowid DESC LIMIT {WINDOW})
      ORDER BY score, id LIMIT {CANDIDATES}) AS f
CROSS JOIN resources_items AS i ON i.id = f.id
ORDER BY i.superseded_by IS NOT NULL, i.verified DESC, f.score, i.id
LIMIT ?
"""
_BARE_SQL = f"""
SELECT rowid, bm25(resources_fts, {WEIGHTS}) AS score FROM resources_fts
WHERE resources_fts MATCH ? ORDER BY score LIMIT ?
"""
_TEXT_SQL = """
SELECT i.title, i.tags, i.body, i.variants FROM resources_fts CROSS JOIN resources_items AS i ON i.id = resources_fts.rowid
WHERE resources_fts MATCH ? AND i.community = ? LIMIT ?
"""


class QueryError(ValueError):
    """The query cannot be searched; `reason` is "empty" or "too_long" (the command explains it)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- the query --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """One required part of a query: a word, or a set of synonyms (any one of them must match)."""

    alternatives: tuple[tuple[str, ...], ...]  # each alternative is a phrase: a tuple of words
    prefix: bool = False  # the last word also matches longer words (completed by `expand`)
    typed: str = ""  # the folded word as typed (for the fuzzy fallback); "" for synonym groups
    starred: tuple[bool, ...] = ()  # after `expand`: which phrases FTS5 still completes itself (`*`)

    def expression(self) -> str:
        parts = []
        for index, phrase in enumerate(self.alternatives):
            quoted = '"' + " ".join(phrase) + '"'
            star = self.starred[index] if self.starred else self.prefix
            parts.append(quoted + "*" if star else quoted)
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"


def expand(group: Group, vocabulary: Vocabulary, *, last: bool) -> Group:
    """A prefix group with its last words completed from the vocabulary (at most PREFIX_CAP each).

    A whole indexed word that is not the last word of the query is searched as it is. A phrase whose
    last word begins no indexed word keeps FTS5's own `*` (nothing to merge: it costs one lookup).
    """
    if not group.prefix:
        return group
    single = len(group.alternatives) == 1 and len(group.alternatives[0]) == 1
    if single and not last and group.typed in vocabulary.words:
        return Group(alternatives=group.alternatives, typed=group.typed)
    phrases: dict[tuple[str, ...], bool] = {}
    for phrase in group.alternatives:
        stem = logic.fold(phrase[-1])
        found = vocabulary.completions(stem, PREFIX_CAP)
        phrases.setdefault(phrase, not found)
        for word in found:
            phrases.setdefault((*phrase[:-1], word), False)
    return Group(alternatives=tuple(phrases), prefix=True, typed=group.typed, starred=tuple(phrases.values()))


def expanded(groups: Sequence[Group], vocabulary: Vocabulary) -> list[Group]:
    """`expand` every group (the last one may still be being typed)."""
    return [expand(g, vocabulary, last=i == len(groups) - 1) for i, g in enumerate(groups)]


def variants(*texts: str) -> str:
    """What the `variants` column indexes for an item: the joined forms of its hyphenated compounds."""
    return " ".join(dict.fromkeys(form for text in texts for form in logic.compound_forms(text)))


def match_expression(groups: Sequence[Group]) -> str:
    """The FTS5 MATCH text: every group required (explicit AND: FTS5 does not accept an implicit AND
    next to a parenthesized OR group)."""
    return " AND ".join(g.expression() for g in groups)


_compiled: dict[int, tuple[Mapping[str, Sequence[str]], dict[tuple[str, ...], tuple[tuple[str, ...], ...]], int]] = {}


def compile_synonyms(synonyms: Mapping[str, Sequence[str]] | None) -> tuple[dict[tuple[str, ...], tuple[tuple[str, ...], ...]], int]:
    """{folded phrase: every phrase of its synonym set} and the longest phrase length (cached per mapping)."""
    if not synonyms:
        return {}, 0
    cached = _compiled.get(id(synonyms))
    if cached is not None and cached[0] is synonyms:
        return cached[1], cached[2]
    # Sets sharing a phrase are merged ("hpp = [pph]" joins the "pph" set): a small union-find.
    parent: dict[tuple[str, ...], tuple[str, ...]] = {}
    order: list[tuple[str, ...]] = []

    def root(phrase: tuple[str, ...]) -> tuple[str, ...]:
        while parent[phrase] != phrase:
            parent[phrase] = parent[parent[phrase]]
            phrase = parent[phrase]
        return phrase

    for key, values in synonyms.items():
        # Each phrase also in its joined form: "hémorragie du post-partum" = "... du postpartum".
        phrases = [p for text in (key, *values) for p in logic.phrase_forms(text)]
        for phrase in phrases:
            if phrase not in parent:
                parent[phrase] = phrase
                order.append(phrase)
        for phrase in phrases[1:]:
            a, b = root(phrases[0]), root(phrase)
            if a != b:
                parent[b] = a
    sets: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for phrase in order:
        sets.setdefault(root(phrase), []).append(phrase)
    table = {phrase: tuple(sets[root(phrase)]) for phrase in order}
    longest = max((len(p) for p in table), default=0)
    if len(_compiled) > 64:
        _compiled.clear()
    _compiled[id(synonyms)] = (synonyms, table, longest)
    return table, longest


def parse_query(query: str, synonyms: Mapping[str, Sequence[str]] | None = None) -> list[Group]:
    """Turn member text into required groups; raises QueryError("empty" | "too_long")."""
    if len(query) > logic.MAX_QUERY_CHARS:
        raise QueryError("too_long")
    chains = [[w[: logic.MAX_TERM_CHARS] for w in chain] for chain in logic.chunks(query)]
    raw = [w for chain in chains for w in chain]
    folded = [logic.fold(w) for w in raw]
    starts: dict[int, list[str]] = {}  # word position -> the compound starting there
    position = 0
    for chain in chains:
        if len(chain) > 1:
            starts[position] = chain
        position += len(chain)
    table, longest = compile_synonyms(synonyms)
    groups: list[Group] = []
    skipped: list[Group] = []  # stop words and one-letter words, searched only when nothing else is left
    i = 0
    while i < len(folded):
        for size in range(min(longest, len(folded) - i), 0, -1):
            alternatives = table.get(tuple(folded[i:i + size]))
            if alternatives is not None:
                groups.append(Group(alternatives=alternatives))
                i += size
                break
        else:
            chain = starts.get(i)
            if chain is not None:
                groups.append(_compound_group(chain, table))
                i += len(chain)
                continue
            term = folded[i]
            if term:
                # The word as typed (lower case): FTS5 folds it exactly like the indexed text.
                group = Group(alternatives=((raw[i].lower(),),), prefix=len(term) >= PREFIX_MIN, typed=term)
                (skipped if len(term) < 2 or term in logic.STOPWORDS else groups).append(group)
            i += 1
    if not groups:
        groups = skipped
    if not groups:
        raise QueryError("empty")
    if len(groups) > logic.MAX_QUERY_TERMS:
        raise QueryError("too_long")
    return groups


def _compound_group(chain: Sequence[str], table: Mapping[tuple[str, ...], tuple[tuple[str, ...], ...]]) -> Group:
    """A hyphenated query word: its parts as a phrase or its joined form ("post-partum" finds
    "post-partum", "post partum" and "postpartum"); a synonym of the joined form brings its set."""
    lowered = tuple(w.lower() for w in chain)
    joined = "".join(lowered)
    typed = logic.fold(joined)
    alternatives = table.get((typed,))
    if alternatives is not None:
        return Group(alternatives=tuple(dict.fromkeys((lowered, *alternatives))))
    return Group(alternatives=(lowered, (joined,)), prefix=len(logic.fold(chain[-1])) >= PREFIX_MIN, typed=typed)


# --- the vocabulary (plugins.resources.vocabulary) ------------------------------------------------


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
    if db.dialect != "sqlite":  # DIALECT SWITCH (pg-search): PostgreSQL's vocabulary comes from its own index
        vocabulary.loaded = True
        return vocabulary
    await vocabulary.load(db)
    return vocabulary


# --- searching ---------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What a search found: rows (id, title, kind, size, added_at, verified, superseded_by, score),
    and the corrected query when the results come from the "did you mean" fallback."""

    rows: list[Any]
    suggestion: str | None = None
    groups: list[Group] = field(default_factory=list)


async def search(db: Storage, community: str, query: str, *, synonyms: Mapping[str, Sequence[str]] | None = None,
                 limit: int = 10, fuzzy: bool = True) -> Outcome:
    """Search `community`'s library: the exact code path of /search.

    One FTS5 query (bm25, title first; current and verified items first). Only when it finds nothing,
    unknown words are replaced by the closest indexed word and the query runs once more.

    Args:
        db: the storage.
        community: the community whose items are searched.
        query: member text (any characters; never interpreted as FTS5 syntax).
        synonyms: the community's synonym table (config `synonyms`).
        limit: the most rows returned.
        fuzzy: allow the "did you mean" fallback.

    Raises:
        QueryError: "empty" (no word to search) or "too_long".
    """
    groups = parse_query(query, synonyms)
    vocabulary = await prepare(db)
    rows = await _run(db, match_expression(expanded(groups, vocabulary)), community, limit)
    if rows or not fuzzy:
        return Outcome(rows=rows, groups=groups)
    corrected: list[Group] = []
    changed = False
    for group in groups:
        if group.typed and len(group.typed) >= FUZZY_MIN and not vocabulary.known(group.typed):
            better = vocabulary.suggest(group.typed)
            if better is not None:
                corrected.append(Group(alternatives=((better,),), prefix=group.prefix, typed=better))
                changed = True
                continue
        corrected.append(group)
    if not changed:
        return Outcome(rows=[], groups=groups)
    rows = await _run(db, match_expression(expanded(corrected, vocabulary)), community, limit)
    if not rows:
        return Outcome(rows=[], groups=groups)
    suggestion = " ".join(g.typed or " ".join(g.alternatives[0]) for g in corrected)
    return Outcome(rows=rows, suggestion=suggestion, groups=corrected)


async def _run(db: Storage, expression: str, community: str, limit: int) -> list[Any]:
    """One ranked query over a bounded window: the community's WINDOW most recent matches, their best
    CANDIDATES by bm25 (title weighted), then outdated items last and verified items first."""
    return list(await db.fetchall(_WINDOW_SQL, (expression, community, limit)))


async def bare_search(db: Storage, query: str, limit: int = 10) -> list[Any]:
    """A bare FTS5 bm25 query (the benchmark's baseline): the query's words quoted, no prefix, no
    synonyms, no community filter, no join. Returns (rowid, score) rows."""
    expression = " ".join('"' + w + '"' for w in logic.terms(query)) or '""'
    return await db.fetchall(_BARE_SQL, (expression, limit))


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
    vocabulary = await prepare(db)
    groups = [expand(Group(alternatives=(p,), prefix=len(p[-1]) >= PREFIX_MIN), vocabulary, last=True) for p in phrases]
    expression = " OR ".join(g.expression() for g in groups)
    rows = await db.fetchall(_TEXT_SQL, (expression, community, 20))
    for row in rows:
        present = set(logic.terms(" ".join(str(v or "") for v in row)))
        found = [any(_holds(present, p) for p in alternatives) for alternatives in wanted]
        if found[0] and sum(found) >= threshold * len(found):
            return True
    return False


def _holds(present: set[str], phrase: Sequence[str]) -> bool:
    return all(w in present or (len(w) >= PREFIX_MIN and any(t.startswith(w) for t in present)) for w in phrase)
