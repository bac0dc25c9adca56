"""Question topics for micro-lecture planning: paraphrases grouped, greetings and noise dropped.

Pure code, no I/O. Each logged question or search is reduced to a set of *concepts*:

1. words as members type them, hyphenated compounds joined ("post-partum" -> "postpartum"), folded
   (case and accents), with the community's synonym sets (config `synonyms`) unified first: every
   phrase of a set is one concept, so "ocytocine" = "oxytocin" and "hémorragie du post-partum" = "pph";
2. stop words of each language (English, French) and chat words (greetings, "can I post", "the link",
   "the meeting") dropped; numbers and one-letter words dropped; FTS operators are stop words too;
3. a light stemmer for both languages ("clamping", "clampage", "clamper" -> "clamp"; "stored",
   "storage" -> "stor"); synonyms are also matched on stems, so a set need not list every form;
4. stems one edit apart (length >= 5) are one concept: cognates and typos ("ocytocin", "oxytocin",
   "haemorrhag", "hemorrhag").

A text left with no concept is a greeting or noise and is dropped. Texts with the same concepts are
one *form*. Forms, most asked first, join the topic whose *profile* (the share of its askers using
each concept) they match best: a soft Dice score, concepts weighted by what they tell (specific ones
more than common ones, a word only one member used less). A form must hold one of the topic's key
(heaviest) concepts, and a form and a topic that each name a subject the other lacks never meet:
"misoprostol dose for PPH" and "oxytocin dose for PPH" share the facet, not the subject (facets, the
dose, the storage, the signs, are listed in wordlists.ASPECTS). A second pass joins small topics to
larger ones they match. Topics are ranked by distinct askers (one member asking five times is one).

Questions are compared as asked; a topic is one question a micro-lecture answers, so "oxytocin
storage" and "oxytocin dose" stay two topics.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from core import fold
from plugins.resources import logic
from plugins.resources.services.wordlists import ASPECTS, CHATTER, STOPWORDS

Phrase = tuple[str, ...]
SynonymTable = Mapping[Phrase, tuple[Phrase, ...]]

# Light suffix stripping for English and French together (a message's language is not known).
_SUFFIXES = ("ations", "ation", "ements", "ement", "ings", "ing", "ages", "age", "ions", "ion", "ees", "ee", "ed", "er",
             "ir")
_VERB_ENDINGS = ("er", "ir", "ion")  # need a longer stem: "fever", "water", "lion" stay whole
MIN_STEM = 3
FUZZY_MIN_LENGTH = 5  # stems one edit apart from this length are one concept
RARE = 3  # concepts used by fewer askers weigh less: a word one member used is detail, not the topic
KEY_SHARE = 0.75  # a profile's key concepts weigh at least this share of its heaviest one
CENTRAL = 0.95  # forms this close to the most central one may represent the topic

_GREETING = re.compile(
    r"^\s*(?:(?:hello|hi|hey|dear|good\s+(?:morning|afternoon|evening)|greetings|please|anyone|anybody|"
    r"bonjour|bonsoir|salut|coucou|svp|s['’]il\s+vous\s+pla[iî]t)\b[^,.!?:;]{0,30}[,.!?:;-]+\s*)+", re.IGNORECASE)
_URL = re.compile(r"\bhttps?://\S+", re.IGNORECASE)


def stem(word: str) -> str:
    """A light stem of a folded word: plural, then one derivational or verb ending, then a final e."""
    if len(word) <= MIN_STEM:
        return word
    if word.endswith("ies") and len(word) - 3 >= MIN_STEM:
        word = word[:-3] + "y"
    elif word.endswith(("s", "x")) and not word.endswith(("ss", "us", "is")) and len(word) - 1 >= MIN_STEM:
        word = word[:-1]
    for suffix in _SUFFIXES:
        minimum = MIN_STEM + 1 if suffix in _VERB_ENDINGS else MIN_STEM
        if word.endswith(suffix) and len(word) - len(suffix) >= minimum:
            word = word[: -len(suffix)]
            break
    if word.endswith("e") and len(word) - 1 >= MIN_STEM:
        word = word[:-1]
    return word


_ASPECT_STEMS = frozenset(stem(w) for w in ASPECTS)


@lru_cache(maxsize=65536)
def is_aspect(concept: str) -> bool:
    """A facet shared by many questions ("dose", "=store" when the glossary's set starts with "store")."""
    words = concept[1:].split() if concept.startswith("=") else [concept]
    return all(stem(w) in _ASPECT_STEMS or w in _ASPECT_STEMS for w in words)


@dataclass(frozen=True)
class Glossary:
    """The community's synonym sets, ready to unify phrases (folded, and stemmed) into concepts."""

    table: SynonymTable
    longest: int
    stemmed: Mapping[Phrase, str]  # stemmed phrase -> concept
    anchors: Mapping[str, str]  # stem of a one-word phrase -> concept (cognates and typos join it)
    sets: Mapping[str, tuple[Phrase, ...]]  # concept -> every phrase of its synonym set

    @classmethod
    def build(cls, table: SynonymTable, longest: int) -> Glossary:
        """From `search.compile_synonyms(config.synonyms)`."""
        stemmed: dict[Phrase, str] = {}
        anchors: dict[str, str] = {}
        sets: dict[str, tuple[Phrase, ...]] = {}
        for phrase, alternatives in table.items():
            concept = concept_of(alternatives)
            sets[concept] = alternatives
            stemmed.setdefault(tuple(stem(w) for w in phrase), concept)
            if len(phrase) == 1:
                anchors.setdefault(stem(phrase[0]), concept)
        return cls(table=table, longest=longest, stemmed=stemmed, anchors=anchors, sets=sets)

    def phrases(self, concept: str) -> tuple[Phrase, ...]:
        """What a concept looks like in a text: its synonym set's phrases, or the stem (a prefix)."""
        return self.sets.get(concept) or ((concept,),)

    def concept(self, words: Sequence[str]) -> str | None:
        """The concept of a phrase of folded words, when it is one of the synonym sets."""
        alternatives = self.table.get(tuple(words))
        if alternatives is not None:
            return concept_of(alternatives)
        return self.stemmed.get(tuple(stem(w) for w in words))


EMPTY_GLOSSARY = Glossary(table={}, longest=0, stemmed={}, anchors={}, sets={})


def concept_of(alternatives: Sequence[Phrase]) -> str:
    """The name of a synonym set's concept: "=" and its first phrase."""
    return "=" + " ".join(alternatives[0])


def concepts(text: str, glossary: Glossary = EMPTY_GLOSSARY) -> frozenset[str]:
    """The concepts of one question or search (empty for greetings and noise)."""
    text = _URL.sub(" ", text)
    words = [fold("".join(chain)) for chain in logic.chunks(text)]
    found: set[str] = set()
    longest = max(glossary.longest, 1)
    i = 0
    while i < len(words):
        for size in range(min(longest, len(words) - i), 0, -1):
            if size == 1 and (words[i] in STOPWORDS or words[i] in CHATTER):
                continue  # "filles" is not "fill", whatever the stems say
            concept = glossary.concept(words[i:i + size]) if glossary.longest else None
            if concept is not None:
                found.add(concept)
                i += size
                break
        else:
            word = words[i]
            i += 1
            if len(word) < 2 or word.isdigit() or word in STOPWORDS or word in CHATTER:
                continue
            stemmed = stem(word)
            if stemmed in STOPWORDS or stemmed in CHATTER or any(c.isdigit() for c in stemmed):
                continue
            found.add(glossary.anchors.get(stemmed, stemmed))
    return frozenset(found)


def display(text: str) -> str:
    """A wording as a topic's label: one line, without a leading greeting, starting with a capital."""
    line = " ".join(text.split())
    trimmed = _GREETING.sub("", line)
    if trimmed and trimmed != line:
        line = trimmed
    return line[:1].upper() + line[1:] if line else line


@dataclass(frozen=True)
class Asked:
    """One logged question or search."""

    text: str
    member: str | None
    source: str  # "message" | "search"
    results: int | None = None


@dataclass
class Topic:
    """Similar questions and searches of several members, shown by a representative wording."""

    wording: str
    askers: set[str] = field(default_factory=set)
    asked: int = 0
    profile: Counter[str] = field(default_factory=Counter)  # concept -> askers of forms holding it
    core: tuple[str, ...] = ()  # the concepts most of its askers used, most specific first
    wordings: list[Asked] = field(default_factory=list)

    @property
    def count(self) -> int:
        """Distinct askers (a member asking five times counts once)."""
        return len(self.askers)


@dataclass
class _Form:
    concepts: frozenset[str]
    entries: list[tuple[int, Asked]] = field(default_factory=list)
    askers: set[str] = field(default_factory=set)


def group(entries: Iterable[Asked], *, glossary: Glossary = EMPTY_GLOSSARY, threshold: float = 0.56,
          limit: int = 2000, language: str | None = None) -> list[Topic]:
    """Group questions and searches into topics, most askers first.

    Args:
        entries: logged questions and searches, oldest first (the first asked wins ties).
        glossary: the community's synonyms (see Glossary.build).
        threshold: how similar (0-1) a form must be to a topic's profile to join it.
        limit: at most this many distinct forms are compared (the most asked), so the cost is bounded.
        language: the community's language ("en", "fr"): a topic is shown in it when one of its
            wordings is.
    """
    reduced = [(index, entry, concepts(entry.text, glossary)) for index, entry in enumerate(entries)]
    same = _near_stems(glossary, Counter(c for _, _, found in reduced for c in found))
    forms: dict[frozenset[str], _Form] = {}
    for index, entry, found in reduced:
        if not found:
            continue
        unified = frozenset(same.get(c, c) for c in found)
        form = forms.setdefault(unified, _Form(concepts=unified))
        form.entries.append((index, entry))
        form.askers.add(entry.member or f"#{index}")
    ordered = sorted(forms.values(), key=lambda f: (-len(f.askers), -len(f.entries), f.entries[0][0]))[:limit]
    weight = _weights(ordered)
    board = _Board(weight)
    for form in ordered:
        board.add(form, board.best_match(dict.fromkeys(form.concepts, 1.0), threshold))
    board.merge_similar(threshold)
    finished = [(min(i for form in forms_ for i, _ in form.entries), _finish(topic, forms_, weight, language))
                for topic, forms_ in zip(board.topics, board.members) if forms_]
    finished.sort(key=lambda pair: (-pair[1].count, -pair[1].asked, pair[0]))
    return [topic for _, topic in finished]


class _Board:
    """The topics being built, indexed by their key concepts: a form or a topic can only join a topic
    whose key concept it holds (see _soft_dice), so only those are compared."""

    def __init__(self, weight: Mapping[str, float]) -> None:
        self.weight = weight
        self.topics: list[Topic] = []
        self.members: list[list[_Form]] = []
        self.by_key: dict[str, set[int]] = {}

    def best_match(self, profile: Mapping[str, float], threshold: float, *, minimum: int = 0, exclude: int = -1) -> int:
        """The topic `profile` fits best (score at least `threshold`, at least `minimum` askers), or -1."""
        best, best_score = -1, threshold
        for index in sorted({i for c in profile for i in self.by_key.get(c, ())}):
            if index == exclude or not self.members[index] or len(self.topics[index].askers) < minimum:
                continue
            score = _soft_dice(profile, _shares(self.topics[index]), self.weight)
            if score >= best_score:
                best, best_score = index, score
        return best

    def add(self, form: _Form, index: int) -> None:
        """Put `form` in topic `index` (-1: a new topic)."""
        if index < 0:
            self.topics.append(Topic(wording=""))
            self.members.append([])
            index = len(self.topics) - 1
        topic = self.topics[index]
        self.members[index].append(form)
        topic.askers |= form.askers
        for concept in form.concepts:
            topic.profile[concept] += len(form.askers)
        self._index(index)

    def _index(self, index: int) -> None:
        for key in _keys(_shares(self.topics[index]), self.weight):
            self.by_key.setdefault(key, set()).add(index)

    def merge_similar(self, threshold: float) -> None:
        """Second pass, smallest topics first: a topic whose profile matches a larger one joins it
        (the first pass depends on which form came first, so two halves of one topic meet here)."""
        for small in sorted(range(len(self.topics)), key=lambda i: (len(self.topics[i].askers), -i)):
            if not self.members[small]:
                continue
            topic = self.topics[small]
            best = self.best_match(_shares(topic), threshold, minimum=len(topic.askers), exclude=small)
            if best >= 0:
                target = self.topics[best]
                target.askers |= topic.askers
                target.profile.update(topic.profile)
                self.members[best].extend(self.members[small])
                self.members[small] = []
                self._index(best)


def _near_stems(glossary: Glossary, frequency: Counter[str]) -> dict[str, str]:
    """Stems one edit apart (both at least FUZZY_MIN_LENGTH long, same first letter): one concept,
    the synonym set's when one of them is a one-word synonym, else the most frequent. Cognates and
    typos: "ocytocin" / "oxytocin", "haemorrhag" / "hemorrhag", "misoprostal" / "misoprostol"."""
    plain = [c for c in frequency if not c.startswith("=") and len(c) >= FUZZY_MIN_LENGTH]
    anchors = [a for a in glossary.anchors if len(a) >= FUZZY_MIN_LENGTH]
    buckets: dict[tuple[str, int], list[str]] = {}
    for word in dict.fromkeys([*anchors, *plain]):
        buckets.setdefault((word[0], len(word)), []).append(word)
    parent: dict[str, str] = {}

    def root(word: str) -> str:
        parent.setdefault(word, word)
        while parent[word] != word:
            parent[word] = parent[parent[word]]
            word = parent[word]
        return word

    from rapidfuzz.distance import Levenshtein  # only when topics are grouped (/faq, the dashboard): not at every start

    for word in plain:
        for length in (len(word) - 1, len(word), len(word) + 1):
            for other in buckets.get((word[0], length), ()):
                if other != word and Levenshtein.distance(word, other, score_cutoff=1) <= 1:
                    a, b = root(word), root(other)
                    if a != b:
                        parent[b] = a
    groups: dict[str, list[str]] = {}
    for word in parent:
        groups.setdefault(root(word), []).append(word)
    out: dict[str, str] = {}
    for words in groups.values():
        anchored = [glossary.anchors[w] for w in words if w in glossary.anchors]
        target = anchored[0] if anchored else max(words, key=lambda w: (frequency[w], w))
        out.update({w: target for w in words if w != target})
    return out


def _weights(forms: Sequence[_Form]) -> dict[str, float]:
    """How much each concept tells about a topic in this period: specific concepts (log inverse
    frequency over askers) weigh more than common ones ("newborn"), and words only one or two members
    used weigh less (details of one question, not what the topic is about)."""
    frequency: Counter[str] = Counter()
    total = 0
    for form in forms:
        total += len(form.askers)
        for concept in form.concepts:
            frequency[concept] += len(form.askers)
    return {c: math.log(1 + total / n) * min(1.0, n / RARE) for c, n in frequency.items()}




def _similarity(form: _Form, topic: Topic, weight: Mapping[str, float]) -> float:
    """How well a form fits a topic (see _soft_dice): its centrality, for the representative wording."""
    return _soft_dice(dict.fromkeys(form.concepts, 1.0), _shares(topic), weight)


def _shares(topic: Topic) -> dict[str, float]:
    """A topic's profile: the share of its askers whose wording holds each concept."""
    size = len(topic.askers)
    return {c: n / size for c, n in topic.profile.items()}


def _soft_dice(one: Mapping[str, float], other: Mapping[str, float], weight: Mapping[str, float]) -> float:
    """Soft Dice of two profiles, concepts weighted by what they tell: the mean of how much of each
    side the other explains. 0 unless `one` (a form, or a smaller topic) holds a key concept (one of
    the heaviest) of `other`, and the two do not each have a key subject the other lacks: "oxytocin
    dose for PPH" shares two concepts of three with "misoprostol dose for PPH", but not its subject."""
    if not _keys(other, weight) & one.keys():
        return 0.0
    if _keys(one, weight, subjects=True) - other.keys() and _keys(other, weight, subjects=True) - one.keys():
        return 0.0  # each names a subject the other does not
    common = sum(weight[c] * min(s, other[c]) for c, s in one.items() if c in other)
    left = sum(weight[c] * s for c, s in one.items())
    right = sum(weight[c] * s for c, s in other.items())
    if not common or not left or not right:
        return 0.0
    return (common / left + common / right) / 2




def _keys(profile: Mapping[str, float], weight: Mapping[str, float], *, subjects: bool = False) -> set[str]:
    """The heaviest concepts of a profile (of its subjects only: facets left out)."""
    mass = {c: weight[c] * s for c, s in profile.items() if not (subjects and is_aspect(c))}
    top = max(mass.values(), default=0.0)
    return {c for c, m in mass.items() if m >= KEY_SHARE * top}


def _finish(topic: Topic, members: list[_Form], weight: Mapping[str, float], language: str | None) -> Topic:
    entries = sorted((e for form in members for e in form.entries), key=lambda e: e[0])
    topic.wordings = [entry for _, entry in entries]
    topic.asked = len(entries)
    size = len(topic.askers)
    core = [c for c, n in topic.profile.items() if n * 2 > size] or list(members[0].concepts)
    topic.core = tuple(sorted(core, key=lambda c: (-weight.get(c, 0.0), c)))
    topic.wording = display(_representative(topic, members, weight, language))
    return topic


def _representative(topic: Topic, members: list[_Form], weight: Mapping[str, float], language: str | None) -> str:
    """The wording that says the topic best: a question rather than a search, among the most central
    forms (closest to the topic's profile), in the community's language when there is one, without
    figures, written as a question, asked by the most members, the shortest, the first asked."""
    centrality = {id(form): _similarity(form, topic, weight) for form in members}
    best = max(centrality.values())
    askers: dict[str, set[str]] = {}
    candidates: dict[str, tuple[Any, ...]] = {}
    for form in members:
        central = centrality[id(form)] >= CENTRAL * best
        for index, entry in form.entries:
            text = " ".join(entry.text.split())
            askers.setdefault(fold(text), set()).add(entry.member or f"#{index}")
            guessed = logic.guess_language(text, "") if language else ""
            other_language = 0 if guessed == language else 1 if not guessed else 2
            specific = any(c.isdigit() for c in text)  # "600 or 800 mcg", "10 IU": one case, not the topic
            unfinished = not logic.is_question_mark_ended(text)
            candidates.setdefault(fold(text), (entry.source != "message", not central, other_language, specific,
                                               unfinished, len(text), index, text))
    chosen = min(candidates, key=lambda k: (*candidates[k][:5], -len(askers[k]), *candidates[k][5:]))
    return candidates[chosen][-1]
