"""The engine-neutral half of library search: member text -> required groups of words.

Both engines (SQLite FTS5 in `search`, PostgreSQL tsvector in `search_pg`) search the groups this module
makes: the query's words (folded), hyphenated compounds as a phrase or their joined form, the community's
synonym sets, prefixes completed from the vocabulary into at most PREFIX_CAP indexed words (`expand`).
Nothing here talks to a database.
"""

from __future__ import annotations

import unicodedata

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from plugins.resources import logic
from plugins.resources.services.vocabulary import Vocabulary

PREFIX_MIN = 3  # words of at least this many characters also match longer words ("oxyto" -> oxytocin)
PREFIX_CAP = 8  # a prefix is completed into at most this many indexed words (the most common ones)
FUZZY_MIN = 4  # shorter words are never "corrected"
WINDOW = 500  # the most recent matches of the community that are ranked (the engine stops reading there)
CANDIDATES = 50  # of those, the best-ranked matches are re-ordered (current and verified first)


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
    starred: tuple[bool, ...] = ()  # after `expand`: which phrases the engine still completes itself (`*`, `:*`)

    def expression(self) -> str:
        """The group as FTS5 MATCH text (SQLite; `search_pg.Template` writes the tsquery)."""
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


def most_matches(groups: Sequence[Group], vocabulary: Vocabulary) -> int | None:
    """At most how many items can match every group, from the vocabulary's counts of items per word
    (counts only grow while the library is open, so this never undercounts), or None when a word is not
    counted (a word FTS5 splits, one indexed since the load, a phrase FTS5 still completes with `*`).

    A required group matches at most the items of its alternatives; a phrase at most those of its
    rarest word; all groups at most those of the rarest group. When this is within WINDOW, the window of
    the most recent matches holds every match and the engine can skip it (same answer, less work).
    """
    least: int | None = None
    for group in groups:
        total = 0
        for index, phrase in enumerate(group.alternatives):
            if group.starred[index] if group.starred else group.prefix:
                return None
            counts = [vocabulary.counts.get(_token(word)) for word in phrase]
            if not counts or None in counts:
                return None
            total += min(c for c in counts if c is not None)
        least = total if least is None else min(least, total)
    return least


def _token(word: str) -> str:
    """`word` as FTS5's unicode61 tokenizer indexes it (lower case, diacritics removed) when `fold` gives
    the same, else "" (counted for no word): a fold that differs (a ligature) is never taken as a count."""
    folded = logic.fold(word)
    if word.isascii():
        return folded
    stripped = "".join(c for c in unicodedata.normalize("NFD", word.lower()) if not unicodedata.combining(c))
    return folded if stripped == folded else ""


def variants(*texts: str) -> str:
    """What the `variants` column indexes for an item: the joined forms of its hyphenated compounds."""
    return " ".join(dict.fromkeys(form for text in texts for form in logic.compound_forms(text)))


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


@dataclass
class Outcome:
    """What a search found: rows (id, title, kind, size, added_at, verified, superseded_by, score),
    and the corrected query when the results come from the "did you mean" fallback."""

    rows: list[Any]
    suggestion: str | None = None
    groups: list[Group] = field(default_factory=list)


def holds(present: set[str], phrase: Sequence[str]) -> bool:
    """Whether the words `present` in an item hold `phrase` (each word, or from PREFIX_MIN characters the
    beginning of one): how `answers` checks a question topic's concept on either engine."""
    return all(w in present or (len(w) >= PREFIX_MIN and any(t.startswith(w) for t in present)) for w in phrase)
