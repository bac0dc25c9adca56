"""Plain-text helpers for what users send and what the bot says: cleaning and splitting."""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Invisible characters that change how the text around them looks or hide inside words: bidi
# embeddings, overrides and isolates (U+202A-E, U+2066-9: "\u202eFDP.exe" shows as "exe.PDF"),
# zero-width space, word joiner, invisible operators, byte-order mark, Mongolian vowel separator.
# Left-to-right / right-to-left marks (U+200E/F, U+061C) stay: they only nudge neutral characters
# and right-to-left writers use them.
_INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\u200b\u2060-\u2064\ufeff\u180e]")
# Zero-width (non-)joiners are needed inside emoji sequences and some scripts (Persian, Indic), so
# they are removed only next to ASCII, spaces or the ends of the text, where they only hide things.
_LOOSE_JOINER = re.compile("(?:^|(?<=[\x00-\x7f]))[\u200c\u200d]+|[\u200c\u200d]+(?=[\x00-\x7f]|$)")


def clean_text(text: str) -> str:
    """Make user text safe to store and echo: no lone surrogates, no control characters, no bidi
    overrides or zero-width characters that disguise text, NFC form."""
    if not text:
        return ""
    if text.isascii():  # the common case: only control characters can be wrong
        return _CONTROL.sub("", text) if _CONTROL.search(text) else text
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace") if _has_surrogates(text) else text
    text = _CONTROL.sub("", text)
    text = _INVISIBLE.sub("", text)
    text = _LOOSE_JOINER.sub("", text)
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True


class _FoldTable(dict[int, str]):
    """code point -> its folded form, computed once per character on first sight (for str.translate)."""

    def __missing__(self, code: int) -> str:
        folded = "".join(c for c in unicodedata.normalize("NFKD", chr(code).lower()) if not unicodedata.combining(c))
        self[code] = folded
        return folded


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """Lower case without accents ("Énergie" -> "energie", "Compétent" -> "competent").

    Used to compare words typed by people (blocklists, thank-you words, search terms, poll options).
    Any script works; per-character results are cached, so this costs one C-level pass per message.
    """
    return text.lower() if text.isascii() else text.translate(_FOLD)


def utf16_len(text: str) -> int:
    """Length as platforms count it (UTF-16 code units)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def split_text(text: str, limit: int) -> list[str]:
    """Split `text` into ordered parts of at most `limit` UTF-16 units, on line, then word boundaries.

    Whole lines are packed into a part while they fit; a line longer than `limit` is cut at its last
    space that fits (or hard-cut, never inside a surrogate pair, when a single word is longer). The
    newline or space at a cut is dropped, so joining the parts gives back the text modulo the
    whitespace at the cuts. Runs in linear time.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    parts: list[str] = []
    lines: list[str] = []
    size = 0  # UTF-16 units of "\n".join(lines)
    for line in text.split("\n"):
        length = utf16_len(line)
        extra = length + (1 if lines else 0)
        if size + extra <= limit:
            lines.append(line)
            size += extra
            continue
        if lines:
            parts.append("\n".join(lines))
            lines, size = [], 0
        while length > limit:
            cut = _cut_point(line, limit)
            head = line[:cut].rstrip(" ")
            if head:
                parts.append(head)
            line = line[cut:].lstrip(" ")
            length = utf16_len(line)
        lines, size = [line], length
    if lines:
        parts.append("\n".join(lines))
    kept = [p for p in parts if p.strip()]
    return kept or [""]


def _cut_point(line: str, limit: int) -> int:
    """Index to cut `line` so the head fits `limit`: after the last space that fits, else a hard cut."""
    units, hard = 0, len(line)
    for i, ch in enumerate(line):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            hard = i
            break
    space = line.rfind(" ", 0, hard + 1)  # a space right at the limit is a fine place to cut
    return space if space > 0 else max(hard, 1)


def excerpt(text: str, limit: int = 80) -> str:
    """`text` on one line, cut to `limit` characters with "…" (evidence excerpts, titles from free text)."""
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1].rstrip() + "…"
