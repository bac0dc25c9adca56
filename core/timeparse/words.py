"""The words of dates shared by the parsers: text normalisation, weekday and day names (English, French)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from core.text import fold


WEEKDAY_WORDS = {
    "en": ("monday mon", "tuesday tue tues", "wednesday wed", "thursday thu thur thurs", "friday fri",
           "saturday sat", "sunday sun"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
}
DAY_WORDS = {
    "en": {"today": 0, "tomorrow": 1, "tmrw": 1, "day after tomorrow": 2, "the day after tomorrow": 2},
    "fr": {"aujourd'hui": 0, "aujourdhui": 0, "demain": 1, "apres-demain": 2, "apres demain": 2},
}
NEXT_WORDS = {"en": ("next",), "fr": ("prochain", "qui vient")}
THIS_WORDS = {"en": ("this", "coming", "on"), "fr": ("ce", "le")}


def normalize(text: str) -> str:
    """Lowercase, strip accents, straighten apostrophes and collapse spaces."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u2013", "-").replace("\u2014", "-")
    return " ".join(fold(text).split())


def weekday_names(languages: Iterable[str], plural: bool = False) -> dict[str, int]:
    names: dict[str, int] = {}
    for lang in languages:
        for index, words in enumerate(WEEKDAY_WORDS.get(lang, ())):
            for word in words.split():
                names[word] = index
                if plural and len(word) > 4:
                    names[word + "s"] = index
    return names


def alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
