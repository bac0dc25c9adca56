"""Library search on PostgreSQL: a weighted tsvector with unaccent, ts_rank, a words table with trigrams.

The engine half of `search` for PostgreSQL; it offers the same functions as `search_sqlite` and gives the
same answers (the plugin's search tests run on both engines).

- The index: `resources_items.search`, a stored generated tsvector (title A, tags B, body C, the joined
  forms of compounds B), built by `resources_document()`: the text is unaccented, split on exactly the
  separators `logic.words` splits on (so Ethiopic punctuation, hyphens and apostrophes cut words as on
  SQLite) and lower-cased; text search configuration 'simple' (no stemming, no stop words: what FTS5's
  unicode61 tokenizer does, so whole words and prefixes match the same items). A GIN index serves `@@`.
- The query: the groups of `query` as a tsquery template (`&`, `|`, `<->` for phrases, `:*` for a prefix
  left to PostgreSQL) whose words are passed apart, as an array; `resources_query()` folds each word and
  quotes it inside the database. User text is never tsquery syntax: `'`, `&`, `!`, `:*` are just text.
- Ranking: ts_rank with weights in the ratio of the SQLite bm25 weights (title 5, tags 3, body 1), over a
  bounded window exactly like SQLite: the community's WINDOW most recent matches, their CANDIDATES best,
  then current and verified items first.
- The vocabulary: `resources_words` (word, items holding it): a trigger adds an item's new words in the
  item's own transaction (so every worker sees them at once; nothing is held in memory), the counts are
  taken at start. Prefixes are completed from its btree into at most PREFIX_CAP words, the most common;
  "did you mean" takes the nearest words by trigram distance (pg_trgm, GiST) and picks among them with
  the same rapidfuzz scorer as SQLite.

`unaccent` and `pg_trgm` ship with PostgreSQL (contrib) and are trusted extensions: the database owner
can create them. Functions pin the search_path they were created with, so a dump restores.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from core import Storage
from plugins.resources import logic
from plugins.resources.services.query import CANDIDATES, PREFIX_CAP, WINDOW, Group, variants
from plugins.resources.services.vocabulary import Vocabulary

# logic._SEPARATORS as a PostgreSQL regular expression (tests/plugins/resources/test_search_pg.py checks
# that both split the same text into the same words).
SEPARATORS = (r"[[:space:]!-/:-@[-`{-~\u00a1-\u00bf\u00d7\u00f7\u2000-\u206f\u2190-\u2bff\u3000-\u303f"
              r"\u1360-\u1368\ufe30-\ufe4f\uff01-\uff0f\uff1a-\uff20\U0001f000-\U0001faff]+")
# ts_rank weights {D, C, B, A}: body (C) 0.2, tags and compounds (B) 0.6, title (A) 1.0 (SQLite: 1, 3, 5).
RANK_WEIGHTS = "'{0.1, 0.2, 0.6, 1.0}'"
SUGGEST_CANDIDATES = 30  # nearest words by trigram distance, among which rapidfuzz picks the suggestion

# Migration 2 on PostgreSQL: the extensions, the folding functions and the words table.
FUNCTIONS_SCHEMA = f"""
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE FUNCTION resources_fold(word text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
    AS $$ SELECT lower(unaccent('unaccent'::regdictionary, word)) $$;
CREATE FUNCTION resources_words(body text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT
    AS $$ SELECT to_tsvector('simple'::regconfig, lower(regexp_replace(
              unaccent('unaccent'::regdictionary, normalize(coalesce(body, ''), NFC)), '{SEPARATORS}', ' ', 'g'))) $$;
CREATE FUNCTION resources_document(title text, tags text, body text, variants text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT
    AS $$ SELECT setweight(resources_words(title), 'A') || setweight(resources_words(tags), 'B')
                 || setweight(resources_words(body), 'C') || setweight(resources_words(variants), 'B') $$;
CREATE FUNCTION resources_query(template text, words text[]) RETURNS tsquery
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT
    AS $$
DECLARE
    parts text[] := string_to_array(template, '#');
    written text := '';
    folded text;
BEGIN
    -- the template's odd pieces are operators, the even ones word numbers: a word is never read as either
    FOR i IN 1 .. coalesce(array_length(parts, 1), 0) LOOP
        IF i % 2 = 1 THEN
            written := written || parts[i];
        ELSE
            folded := coalesce(nullif(resources_fold(words[parts[i]::integer]), ''), '-');
            written := written || '''' || replace(replace(folded, '\\', '\\\\'), '''', '''''') || '''';
        END IF;
    END LOOP;
    RETURN to_tsquery('simple'::regconfig, written);
END
$$;
CREATE TABLE resources_words (
    word TEXT COLLATE "C" PRIMARY KEY,
    items INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX resources_words_trigrams ON resources_words USING gist (word gist_trgm_ops);
"""

# Migration 4 on PostgreSQL: the columns searched, the index, and new words into the words table (a row
# trigger: plpgsql keeps its plan). Words are only added here, never counted: counting would update the
# same rows ("guide", "the") for every item, so members saving at once would queue behind each other's
# locks and a bulk load would pile up row versions. The counts are taken at start (`prepare`), as SQLite
# reads its vocabulary at start; a word whose items were all deleted stays until then (harmless: a
# completion or suggestion that finds nothing is never shown).
DOCUMENT_SCHEMA = """
ALTER TABLE resources_items ADD COLUMN variants TEXT;
ALTER TABLE resources_items ADD COLUMN search tsvector
    GENERATED ALWAYS AS (resources_document(title, tags, body, variants)) STORED;
CREATE INDEX resources_items_search ON resources_items USING gin (search);
CREATE FUNCTION resources_words_add() RETURNS trigger
    LANGUAGE plpgsql SET search_path FROM CURRENT
    AS $$
BEGIN
    INSERT INTO resources_words (word, items)
        SELECT w, 1 FROM unnest(tsvector_to_array(NEW.search)) AS w ORDER BY w
        ON CONFLICT (word) DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER resources_words_insert AFTER INSERT ON resources_items
    FOR EACH ROW EXECUTE FUNCTION resources_words_add();
CREATE TRIGGER resources_words_update AFTER UPDATE ON resources_items
    FOR EACH ROW WHEN (OLD.search IS DISTINCT FROM NEW.search) EXECUTE FUNCTION resources_words_add();
"""
# At start: how many items hold each word, from the index itself; words no item holds any more go.
_RECOUNT_SQL = """
WITH counted AS MATERIALIZED (SELECT word, ndoc FROM ts_stat('SELECT search FROM resources_items')),
     gone AS (DELETE FROM resources_words AS w WHERE NOT EXISTS (SELECT 1 FROM counted AS c WHERE c.word = w.word))
INSERT INTO resources_words AS known (word, items)
SELECT word, ndoc FROM counted ORDER BY word
ON CONFLICT (word) DO UPDATE SET items = excluded.items WHERE known.items <> excluded.items
"""

_RANK = f"ts_rank({RANK_WEIGHTS}, m.search, q.q)"
# The window (id and tsvector only), its best CANDIDATES, then their items in the final order. The score
# is negated so that, as with bm25 on SQLite, lower is better.
_WINDOW_SQL = f"""
SELECT i.id, i.title, i.kind, i.size, i.added_at, i.verified, i.superseded_by, f.score, i.community
FROM (SELECT m.id, -{_RANK} AS score
      FROM (SELECT resources_query(?, ?::text[]) AS q) AS q,
           LATERAL (SELECT id, search FROM resources_items
                    WHERE search @@ q.q AND community = ? ORDER BY id DESC LIMIT {WINDOW}) AS m
      ORDER BY score, m.id LIMIT {CANDIDATES}) AS f
JOIN resources_items AS i ON i.id = f.id
ORDER BY i.superseded_by IS NOT NULL, i.verified DESC, f.score, i.id
LIMIT ?
"""
_BARE_SQL = f"""
SELECT m.id, -{_RANK} AS score FROM resources_items AS m, resources_query(?, ?::text[]) AS q(q)
WHERE m.search @@ q.q ORDER BY score LIMIT ?
"""
_TEXT_SQL = """
SELECT title, tags, body, variants FROM resources_items
WHERE search @@ resources_query(?, ?::text[]) AND community = ? LIMIT ?
"""
# For each stem: the indexed word equal to it, and its PREFIX_CAP most common completions.
_COMPLETIONS_SQL = f"""
SELECT w.word, w.items FROM unnest(?::text[]) AS s(stem)
CROSS JOIN LATERAL (SELECT word, items FROM resources_words
                    WHERE word >= s.stem AND word < s.stem || U&'\\+10FFFF'
                    ORDER BY items DESC, length(word), word LIMIT {PREFIX_CAP}) AS w
UNION
SELECT w.word, w.items FROM unnest(?::text[]) AS s(stem) JOIN resources_words AS w ON w.word = s.stem
"""
_NEAREST_SQL = f"""
SELECT t.term, w.word FROM unnest(?::text[]) AS t(term)
CROSS JOIN LATERAL (SELECT word FROM resources_words
                    WHERE length(word) BETWEEN length(t.term) - 2 AND length(t.term) + 2
                    ORDER BY word <-> t.term LIMIT {SUGGEST_CANDIDATES}) AS w
"""


class Template:
    """A tsquery being written: the operators here, each word as `#n#` (folded and quoted by
    `resources_query` in SQL; a word that folds to nothing becomes `'-'`, which matches no lexeme and is
    dropped by to_tsquery, as FTS5 drops a word without letters)."""

    def __init__(self) -> None:
        self.words: list[str] = []

    def word(self, word: str) -> str:
        self.words.append(word)
        return f"#{len(self.words)}#"

    def group(self, group: Group) -> str:
        parts = []
        for index, phrase in enumerate(group.alternatives):
            star = group.starred[index] if group.starred else group.prefix
            text = " <-> ".join(self.word(w) for w in phrase) + (":*" if star else "")
            parts.append(f"({text})" if len(phrase) > 1 else text)
        return parts[0] if len(parts) == 1 else "(" + " | ".join(parts) + ")"

    def all_of(self, groups: Sequence[Group]) -> str:
        return " & ".join(self.group(g) for g in groups)

    def any_of(self, groups: Sequence[Group]) -> str:
        return " | ".join(self.group(g) for g in groups)


def tsquery(groups: Sequence[Group], *, any_group: bool = False) -> tuple[str, list[str]]:
    """(template, words) for `resources_query`: every group required (or any one of them)."""
    template = Template()
    text = template.any_of(groups) if any_group else template.all_of(groups)
    return text, template.words


async def prepare(db: Storage) -> None:
    """Index the compounds of items stored without them, and count how many items hold each word (the
    order of prefix completions): once per start, one statement over the index."""
    rows = await db.fetchall("SELECT id, title, tags, body FROM resources_items WHERE variants IS NULL")
    if rows:
        await db.executemany("UPDATE resources_items SET variants = ? WHERE id = ?",
                             [(variants(r[1], r[2], r[3]), r[0]) for r in rows])
    await db.execute(_RECOUNT_SQL)


def remember(db: Storage, *texts: str) -> None:
    """Nothing to do: the triggers added the item's words in its own transaction."""


def changed(db: Storage) -> None:
    """Nothing to do: a GIN index needs no merging by the plugin (autovacuum tidies it)."""


async def compact(db: Storage) -> bool:
    """Nothing to merge on PostgreSQL (see `changed`)."""
    return False


async def stop(db: Storage) -> None:
    """Nothing runs in the background here."""


async def lexicon(db: Storage, stems: Iterable[str]) -> Vocabulary:
    """The part of the vocabulary that completes `stems`: each one's PREFIX_CAP most common completions
    and the stem itself when indexed (enough for `query.expand` and `Vocabulary.known`), in one query."""
    wanted = sorted({s for s in stems if s})
    vocabulary = Vocabulary(loaded=True)
    if wanted:
        for row in await db.fetchall(_COMPLETIONS_SQL, (wanted, wanted)):
            vocabulary.words.add(row[0])
            vocabulary.counts[row[0]] = int(row[1])
    return vocabulary


async def suggestions(db: Storage, vocabulary: Vocabulary, terms: Sequence[str]) -> dict[str, str | None]:
    """The closest indexed word of each term: the nearest words by trigram distance (GiST), then the
    same rapidfuzz choice among them as on SQLite (`Vocabulary.suggest`); None when none is close."""
    near: dict[str, Vocabulary] = {term: Vocabulary(loaded=True) for term in terms}
    for row in await db.fetchall(_NEAREST_SQL, (list(near),)):
        near[row[0]].words.add(row[1])
    return {term: candidates.suggest(term) for term, candidates in near.items()}


async def rows(db: Storage, groups: Sequence[Group], community: str, limit: int) -> list[Any]:
    """One ranked query over a bounded window: the community's WINDOW most recent matches, their best
    CANDIDATES by ts_rank (title weighted), then outdated items last and verified items first."""
    template, words = tsquery(groups)
    return list(await db.fetchall(_WINDOW_SQL, (template, words, community, limit)))


async def texts(db: Storage, groups: Sequence[Group], community: str, limit: int) -> list[Any]:
    """(title, tags, body, variants) of up to `limit` items of `community` matching ANY of `groups`."""
    template, words = tsquery(groups, any_group=True)
    return list(await db.fetchall(_TEXT_SQL, (template, words, community, limit)))


async def bare_search(db: Storage, query: str, limit: int = 10) -> list[Any]:
    """A bare ts_rank query (the benchmark's baseline): the query's words, all required, no prefix, no
    synonyms, no community filter, no window. Returns (id, score) rows."""
    found = logic.terms(query)
    template = " & ".join(f"#{n}#" for n in range(1, len(found) + 1))
    return await db.fetchall(_BARE_SQL, (template, found, limit))
