"""Pure domain code of the library: words and compounds, links, /save parsing, question detection.

No I/O here. Text folding mirrors SQLite's `unicode61 remove_diacritics 2` tokenizer closely enough
for the vocabulary and the question groups (the index itself is always queried through FTS5).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from core import fold

# Separators: whitespace, ASCII punctuation and symbols, Latin-1 punctuation, general punctuation,
# arrows and symbols, CJK punctuation, Ethiopic punctuation (፡ ። ፣ ...), full-width forms, emoji.
# Everything else is part of a word, in any script.
_SEPARATORS = re.compile(
    "[\\s!-/:-@\\[-`{-~\u00a1-\u00bf\u00d7\u00f7\u2000-\u206f\u2190-\u2bff\u3000-\u303f"
    "\u1360-\u1368\ufe30-\ufe4f\uff01-\uff0f\uff1a-\uff20\U0001f000-\U0001faff]+")
_SPLIT = re.compile(f"({_SEPARATORS.pattern})")
HYPHENS = frozenset("-\u2010\u2011")  # hyphen-minus, hyphen, non-breaking hyphen: one of them alone joins two words
_HASHTAG = re.compile(r"(?<!\S)#([^\W_][\w-]{0,39})", re.UNICODE)
_URL = re.compile(r"\bhttps?://[^\s<>\"']+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?)]}'\""
_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|si)$", re.IGNORECASE)

STOPWORDS = frozenset("""
a an and are as at be but by can could de des do does did du en et for from how i in into is it la le les
me my of on or our ou par pour que qui quoi the their there this to un une was we what when where which who
why will with would you your est sont au aux ce cet cette ces il elle ils elles nous vous on je tu mon ma mes
ton ta tes son sa ses leur leurs dans sur avec sans pas ne plus comment pourquoi quand quel quelle quels
quelles peut faut should about any some have has had if so than then them they these those its
""".split())

MAX_QUERY_CHARS = 300
MAX_QUERY_TERMS = 12
MAX_TERM_CHARS = 64

_QUESTION_START = re.compile(
    r"^\s*(?:how|what|when|where|why|which|who|whom|whose|can|could|is|are|should|does|do|did|will|would|may|"
    r"comment|pourquoi|quand|quel|quelle|quels|quelles|qui|que|quoi|combien|où|est[- ]ce\s+que|"
    r"qu['’]est[- ]ce|peut[- ]on|peux[- ]tu|pouvez[- ]vous|faut[- ]il|doit[- ]on|y\s+a[- ]t[- ]il)\b",
    re.IGNORECASE)
_QUESTION_END = re.compile(r"[?？؟]\s*$")
QUESTION_MIN_CHARS = 8
QUESTION_MAX_CHARS = 500




def words(text: str) -> list[str]:
    """The words of `text` as typed (split on whitespace and punctuation, any script)."""
    return [w for w in _SEPARATORS.split(unicodedata.normalize("NFC", text)) if w]


def chunks(text: str) -> list[list[str]]:
    """The words of `text` as typed, with hyphenated compounds kept together: "la pré-éclampsie" ->
    [["la"], ["pré", "éclampsie"]]. Members write compounds joined, split or hyphenated (postpartum,
    post partum, post-partum; e-learning, elearning); search indexes and queries both forms.

    Trailing stop words of a chain are split off ("peut-on" -> ["peut"], ["on"]): French inversions
    are not compounds.
    """
    pieces = _SPLIT.split(unicodedata.normalize("NFC", text))
    out: list[list[str]] = []
    chain: list[str] = []
    for index in range(0, len(pieces), 2):
        word = pieces[index]
        if word:
            chain.append(word)
        separator = pieces[index + 1] if index + 1 < len(pieces) else ""
        if word and separator in HYPHENS and index + 2 < len(pieces) and pieces[index + 2]:
            continue
        if chain:
            out.extend(_trim_chain(chain))
            chain = []
    return out


def _trim_chain(chain: list[str]) -> list[list[str]]:
    tail: list[list[str]] = []
    while len(chain) > 1 and (len(fold(chain[-1])) < 2 or fold(chain[-1]) in STOPWORDS):
        tail.insert(0, [chain.pop()])
    return [chain, *tail]


def compound_forms(text: str) -> list[str]:
    """The joined, folded forms of the hyphenated compounds of `text` ("pré-éclampsie" -> "preeclampsie")."""
    seen: dict[str, None] = {}
    for chain in chunks(text):
        if len(chain) > 1:
            seen.setdefault(fold("".join(chain)), None)
    return list(seen)


def phrase_forms(text: str) -> list[tuple[str, ...]]:
    """The folded phrase of `text`, then the same with its compounds joined when it has any
    ("hémorragie du post-partum" -> ("hemorragie", "du", "post", "partum"), ("hemorragie", "du", "postpartum"))."""
    parts = chunks(text)
    split = tuple(fold(w) for chain in parts for w in chain)
    joined = tuple(fold("".join(chain)) for chain in parts)
    return [p for p in dict.fromkeys((split, joined)) if p]


def terms(text: str) -> list[str]:
    """The folded words of `text`, as the index sees them."""
    return [fold(w) for w in words(text)]


def keywords(text: str) -> list[str]:
    """Folded words without stop words and one-letter words (falls back to all words)."""
    folded = terms(text)
    kept = [t for t in folded if len(t) > 1 and t not in STOPWORDS]
    return kept or [t for t in folded if len(t) > 1] or folded


# --- /save ----------------------------------------------------------------------------------------


def hashtags(text: str) -> list[str]:
    """Lower-case tags written `#tag` in `text`, in order, without duplicates."""
    seen: dict[str, None] = {}
    for match in _HASHTAG.finditer(text):
        seen.setdefault(fold(match.group(1)).strip("-"), None)
    return [t for t in seen if t]


def urls(text: str) -> list[str]:
    """The http(s) links in `text`, without trailing punctuation."""
    return [m.group(0).rstrip(_URL_TRAILING) for m in _URL.finditer(text)]


def normalize_url(url: str) -> str:
    """A URL's identity for de-duplication: lower-case host without www, no fragment, no tracking
    parameters, no default port, no trailing slash."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip().lower()
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    try:
        port = parts.port
    except ValueError:
        port = None
    if port and not ((parts.scheme == "http" and port == 80) or (parts.scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)))
    path = parts.path.rstrip("/")
    return urlunsplit(("https" if parts.scheme.lower() in ("http", "https") else parts.scheme.lower(), host, path, query, ""))


@dataclass(frozen=True)
class SaveRequest:
    """What `/save` was asked to keep, parsed from its text (the replied message is handled apart)."""

    title: str
    tags: tuple[str, ...]
    url: str | None
    note: str


def parse_save(text: str) -> SaveRequest:
    """Split `/save` text into title, #tags, a link and a note.

    The first line (without tags and link) is the title; further lines are the note.
    """
    tags = tuple(hashtags(text))
    found = urls(text)
    url = found[0] if found else None
    stripped = _HASHTAG.sub(" ", text)
    if url:
        stripped = stripped.replace(url, " ")
    first, _, rest = stripped.strip().partition("\n")
    title = " ".join(first.split()).strip(" .,;:|-–—")
    note = rest.strip()
    return SaveRequest(title=title[:200], tags=tags, url=url, note=note[:4000])


# Frequent words of each language (folded), questions' words included: short questions have few others.
_FRENCH = frozenset("le la les des du et pour avec dans une sur au aux est sont comment quand quelle quel quels "
                    "quelles faut doit peut que qui ou hemorragie sage femme".split())
_ENGLISH = frozenset("the and for with of in on to how what when which should we is are do does can "
                     "haemorrhage hemorrhage midwife".split())


def guess_language(text: str, default: str) -> str:
    """A cheap guess of an item's language: Ethiopic script -> am, French words -> fr, else `default`."""
    if any("\u1200" <= c <= "\u137f" for c in text):
        return "am"
    folded = set(terms(text))
    french = len(folded & _FRENCH)
    english = len(folded & _ENGLISH)
    if french > english:
        return "fr"
    if english > french:
        return "en"
    return default



def format_size(size: int | None) -> str:
    """'820 B', '12 KB', '1.4 MB' (empty for an unknown size)."""
    if not size or size < 0:
        return ""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size // 1024} KB"
    return f"{size / (1024 * 1024):.1f} MB"


# --- insights ---------------------------------------------------------------------------------


def is_question_mark_ended(text: str) -> bool:
    """Whether `text` ends with a question mark (a well-formed question)."""
    return _QUESTION_END.search(text) is not None


def is_question(text: str) -> bool:
    """Whether a message looks like a question (English or French). Cheap: two precompiled regexes."""
    if not QUESTION_MIN_CHARS <= len(text) <= QUESTION_MAX_CHARS or text[0] in "/!":
        return False
    return _QUESTION_END.search(text) is not None or _QUESTION_START.match(text) is not None
