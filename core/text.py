"""Plain-text helpers for what users send and what the bot says: cleaning and splitting."""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Make user text safe to store and echo: no lone surrogates, no control characters, NFC form."""
    if not text:
        return ""
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace") if _has_surrogates(text) else text
    return unicodedata.normalize("NFC", _CONTROL.sub("", text))


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True


def utf16_len(text: str) -> int:
    """Length as platforms count it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int) -> list[str]:
    """Split `text` into ordered parts of at most `limit` UTF-16 units, on line, then word boundaries."""
    if limit < 1:
        raise ValueError("limit must be positive")
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if utf16_len(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
            current = ""
        while utf16_len(line) > limit:
            cut = _cut_point(line, limit)
            parts.append(line[:cut].rstrip())
            line = line[cut:].lstrip()
        current = line
    if current or not parts:
        parts.append(current)
    return [p for p in parts if p] or [""]


def _cut_point(line: str, limit: int) -> int:
    """Index to cut `line` so the head fits `limit`: the last space if there is one, else a hard cut."""
    units, hard = 0, 0
    for i, ch in enumerate(line):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            hard = i
            break
    else:
        return len(line)
    space = line.rfind(" ", 0, hard)
    return space if space > hard // 2 else max(hard, 1)


def excerpt(text: str, limit: int = 80) -> str:
    """A one-line excerpt for logs meant for moderators (never used at info level for bodies)."""
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"
