"""The library's indexed words, in memory: "did you mean" suggestions and prefix completions.

On SQLite this holds the whole vocabulary; on PostgreSQL the words table is the vocabulary and
`search_pg` fills a Vocabulary with only the words a query needs (the same completion and suggestion
rules then apply to both engines).

Loaded once from the FTS5 vocabulary (`resources_fts_vocab`, with how many items hold each word), then
kept up to date as items are saved. Completing a prefix here, instead of letting FTS5 expand `word*`,
bounds the cost of a short prefix: FTS5 merges the postings of every word that starts with it before it
returns a single row ("hyst" would read most of a million-item index); we search only the few most
common of those words.
"""

from __future__ import annotations

import bisect
import heapq
import weakref
from dataclasses import dataclass, field

from core import Storage
from plugins.resources import logic

FUZZY_CUTOFF = 75.0
_LAST = "\U0010ffff"  # sorts after every character a word can continue with


@dataclass
class Vocabulary:
    """Indexed words (from fts5vocab) and the number of items holding each.

    The index is shared by communities, so a correction is only offered when it finds items in the
    asking community (a word of another community's library is never revealed).
    """

    words: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)
    loaded: bool = False
    _sorted: list[str] = field(default_factory=list)
    _by_length: dict[int, list[str]] = field(default_factory=dict)
    _completions: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    _dirty: bool = True

    async def load(self, db: Storage) -> None:
        rows = await db.fetchall("SELECT term, doc FROM resources_fts_vocab")
        for term, doc in rows:
            self.words.add(term)
            self.counts[term] = int(doc)
        self.loaded = True
        self._dirty = True

    def add_text(self, *texts: str) -> None:
        for text in texts:
            for term in (*logic.terms(text), *logic.compound_forms(text)):
                if term not in self.words:
                    self.words.add(term)
                    self._dirty = True
                self.counts[term] = self.counts.get(term, 0) + 1

    def _refresh(self) -> None:
        if self._dirty:
            self._sorted = sorted(self.words)
            self._by_length = {}
            for word in self._sorted:
                self._by_length.setdefault(len(word), []).append(word)
            self._completions = {}
            self._dirty = False

    def known(self, term: str) -> bool:
        """True when `term` is an indexed word or the beginning of one."""
        if term in self.words:
            return True
        self._refresh()
        index = bisect.bisect_left(self._sorted, term)
        return index < len(self._sorted) and self._sorted[index].startswith(term)

    def completions(self, prefix: str, cap: int) -> list[str]:
        """Up to `cap` indexed words starting with `prefix` (itself included when indexed): the ones held
        by most items first, then the shortest."""
        self._refresh()
        key = (prefix, cap)
        found = self._completions.get(key)
        if found is None:
            start = bisect.bisect_left(self._sorted, prefix)
            words = self._sorted[start:bisect.bisect_left(self._sorted, prefix + _LAST, start)]
            if len(words) > cap:
                words = heapq.nsmallest(cap, words, key=lambda w: (-self.counts.get(w, 0), len(w), w))
            found = words
            if len(self._completions) > 512:
                self._completions.clear()
            self._completions[key] = found
        return found

    def suggest(self, term: str) -> str | None:
        """The closest indexed word of a similar length, or None."""
        self._refresh()
        candidates: list[str] = []
        for length in range(max(1, len(term) - 2), len(term) + 3):
            candidates.extend(self._by_length.get(length, ()))
        if not candidates:
            return None
        from rapidfuzz import fuzz, process  # only for a query that found nothing: not at every start

        found = process.extractOne(term, candidates, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        return found[0] if found else None


_vocabularies: weakref.WeakKeyDictionary[Storage, Vocabulary] = weakref.WeakKeyDictionary()


def vocabulary_for(db: Storage) -> Vocabulary:
    """The in-memory vocabulary of this database (one per open Storage)."""
    vocabulary = _vocabularies.get(db)
    if vocabulary is None:
        vocabulary = _vocabularies[db] = Vocabulary()
    return vocabulary
