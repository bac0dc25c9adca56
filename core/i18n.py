"""Localization: message catalogs per plugin, the community's or member's language, local dates.

Catalogs are TOML files of `key = "text with {params}"`: `core/locales/<lang>.toml` for the core and
`plugins/<name>/locales/<lang>.toml` for each plugin. Adding a language is adding files. Lookup order:
the plugin's catalog in the wanted language, then the core's, then the same two in English, then the
key itself (logged once, so a missing string is visible but never breaks a reply). A regional
language ("fr-CA") falls back to its base ("fr") before English.

Plural forms: a message that depends on a number is a table of CLDR plural categories, chosen by the
`count` parameter with the language's plural rules (Babel):

    "proof" = { one = "{count} member has done it", other = "{count} members have done it" }

English needs `one` and `other`; French `one` (0 and 1: "0 membre", "1 membre") and `other`. A form the
table lacks falls back to `other` (French `many` is only for exact millions). A table whose keys are not
all plural categories is a namespace: `[top] week = "..."` is the key "top.week".

Localized command words: `"command.<name>" = "word [other words]"` names a command in the catalog's
language (`"command.help" = "aide"` in fr.toml). The first word is the one shown to readers of that
language (in /help and the platform menus); every word is accepted from everyone, and a word claimed
by two plugins stops the start (see `core.commands.CommandRegistry`). `"usage.<name>"` is what follows
the command in its usage line, in the catalog's language (`"usage.vote" = "<sondage> <numéro...>"`).
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

log = logging.getLogger("practica.i18n")

FALLBACK = "en"
CORE_LOCALES = Path(__file__).parent / "locales"
PLURAL_CATEGORIES = frozenset({"zero", "one", "two", "few", "many", "other"})
COMMAND_KEY = "command."
USAGE_KEY = "usage."

Entry = str | Mapping[str, str]
"""A catalog value: a template, or a plural table {category: template}."""


class _Params(dict[str, Any]):
    """format_map helper: a missing parameter stays visible as {name} instead of raising."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def load_catalogs(folder: Path) -> dict[str, dict[str, Entry]]:
    """{lang: {key: template or plural table}} from every `<lang>.toml` in `folder` ({} when none)."""
    catalogs: dict[str, dict[str, Entry]] = {}
    if not folder.is_dir():
        return catalogs
    for file in sorted(folder.glob("*.toml")):
        with file.open("rb") as fh:
            data = tomllib.load(fh)
        catalogs[file.stem] = _flatten(data)
    return catalogs


def is_plural_table(value: Any) -> bool:
    """Whether a catalog value is a plural table (every key a CLDR plural category)."""
    return isinstance(value, Mapping) and bool(value) and set(value) <= PLURAL_CATEGORIES


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Entry]:
    out: dict[str, Entry] = {}
    for key, value in data.items():
        if is_plural_table(value):
            out[f"{prefix}{key}"] = {str(k): str(v) for k, v in value.items()}
        elif isinstance(value, Mapping):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = str(value)
    return out


def command_words(catalogs: Mapping[str, Mapping[str, Entry]], name: str) -> dict[str, tuple[str, ...]]:
    """{lang: words} for command `name` from `"command.<name>"` entries (the command's own name left out)."""
    out: dict[str, tuple[str, ...]] = {}
    for lang, catalog in catalogs.items():
        value = catalog.get(COMMAND_KEY + name)
        if isinstance(value, str):
            words = tuple(dict.fromkeys(w.lower() for w in value.replace(",", " ").split() if w.lower() != name))
            if words:
                out[lang] = words
    return out


def command_usages(catalogs: Mapping[str, Mapping[str, Entry]], name: str) -> dict[str, str]:
    """{lang: arguments part of the usage line} for command `name` from `"usage.<name>"` entries."""
    return {lang: value for lang, catalog in catalogs.items()
            if isinstance(value := catalog.get(USAGE_KEY + name), str) and value.strip()}


@lru_cache(maxsize=32)
def plural_rule(lang: str) -> Callable[[float], str]:
    """The CLDR plural rule of `lang` (English's for a language Babel does not know)."""
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(_babel_locale(lang)).plural_form
    except (UnknownLocaleError, ValueError):
        return Locale.parse(FALLBACK).plural_form


def plural_form(table: Mapping[str, str], lang: str, count: Any) -> str:
    """The template of `table` for `count` in `lang` (`other` when the count is missing or the form is)."""
    category = "other"
    if isinstance(count, (int, float)) and not isinstance(count, bool):
        category = plural_rule(lang)(abs(count))
    return table.get(category) or table.get("other") or next(iter(table.values()))


class Translator:
    """Holds every catalog; `text(plugin, lang, key, **params)` renders one message."""

    def __init__(self) -> None:
        self._catalogs: dict[str, dict[str, dict[str, Entry]]] = {"core": load_catalogs(CORE_LOCALES)}
        self._missing_logged: set[tuple[str, str]] = set()

    def add_plugin(self, plugin: str, folder: Path) -> None:
        """Load a plugin's `locales/` folder (nothing happens when it has none)."""
        self._catalogs[plugin] = load_catalogs(folder)

    @property
    def languages(self) -> list[str]:
        """Languages the core is translated into (what `/lang` accepts)."""
        return sorted(self._catalogs["core"])

    def catalog(self, plugin: str, lang: str) -> Mapping[str, Entry]:
        """One catalog as loaded ({} when the plugin has none in `lang`)."""
        return self._catalogs.get(plugin, {}).get(lang, {})

    def _entry(self, plugin: str, lang: str, key: str) -> tuple[Entry, str] | None:
        """The entry of `key` and the language of the catalog it came from (its plural rules apply)."""
        owners = (self._catalogs.get(plugin, {}), self._catalogs["core"]) if plugin != "core" else (self._catalogs["core"],)
        for language in _candidates(lang):
            for catalogs in owners:
                entry = catalogs.get(language, {}).get(key)
                if entry is not None:
                    return entry, language
        return None

    def lookup(self, plugin: str, lang: str, key: str, count: Any = None) -> str | None:
        """The template of `key`: the plugin's catalog, then the core's, in `lang` (then its base
        language: "fr" for "fr-CA"), then the same in English; None when no catalog has it.
        A plural table gives its form for `count` (`other` without one)."""
        found = self._entry(plugin, lang, key)
        if found is None:
            return None
        entry, language = found
        return entry if isinstance(entry, str) else plural_form(entry, language, count)

    def text(self, plugin: str, lang: str, key: str, /, **params: Any) -> str:
        """The message `key` in `lang` with `params` filled in.

        A missing parameter stays visible as `{name}`; a template that is not a valid format string
        is returned as written. Neither breaks a reply; both are logged once.
        """
        template = self.lookup(plugin, lang, key, params.get("count"))
        if template is None:
            if (plugin, key) not in self._missing_logged:
                self._missing_logged.add((plugin, key))
                log.warning("plugin %s: no message %r in any catalog", plugin, key)
            return key
        try:
            return template.format_map(_Params(params))
        except (ValueError, IndexError, AttributeError, KeyError) as exc:
            if (plugin, key) not in self._missing_logged:
                self._missing_logged.add((plugin, key))
                log.warning("plugin %s: message %r (%s) is not a valid template: %s", plugin, key, lang, exc)
            return template


@lru_cache(maxsize=1)
def _core_english() -> Mapping[str, Entry]:
    return load_catalogs(CORE_LOCALES).get(FALLBACK, {})


def core_english(key: str, /, **params: Any) -> str:
    """Core's message `key` in English, for code that has no reader (error texts of pure functions)."""
    template = _core_english().get(key)
    return template.format(**params) if isinstance(template, str) else key


def _candidates(lang: str) -> tuple[str, ...]:
    """Languages to try for `lang`, best first: "fr-CA" -> ("fr-CA", "fr_CA", "fr", "en")."""
    lang = lang or FALLBACK
    out = [lang]
    normalized = lang.replace("-", "_")
    base = normalized.split("_", 1)[0].lower()
    for candidate in (normalized, base, FALLBACK):
        if candidate not in out:
            out.append(candidate)
    return tuple(out)


def format_datetime(when: datetime, tz: ZoneInfo, lang: str, *, with_date: bool = True) -> str:
    """A time in the community's zone and the reader's language, e.g. "Mon 30 Nov 18:00" / "lun. 30 nov. 18:00"."""
    pattern = "EEE d MMM HH:mm" if with_date else "HH:mm"
    return _babel_datetime(when, pattern, tz, lang)


def format_day(when: datetime, tz: ZoneInfo, lang: str) -> str:
    """The local day of `when` with its year, e.g. "20 Nov 2026" / "20 nov. 2026" (lists of old items)."""
    return _babel_datetime(when, "d MMM y", tz, lang)


# Babel formats a date in about 40 us; lists (/search, /homework) show the same few days again and again.
# The patterns above show nothing finer than the minute and no zone, so the local time to the minute
# decides the text: formatted texts are kept by (pattern, zone, language, local minute).
_MINUTE_PATTERNS = frozenset({"EEE d MMM HH:mm", "HH:mm", "d MMM y"})
_formatted: dict[tuple[str, str, str, datetime], str] = {}
_FORMATTED_KEPT = 4096


def _babel_datetime(when: datetime, pattern: str, tz: ZoneInfo, lang: str) -> str:
    if pattern not in _MINUTE_PATTERNS or when.tzinfo is None:
        return _babel_format(when, pattern, tz, lang)
    key = (pattern, str(tz), lang, when.astimezone(tz).replace(second=0, microsecond=0, tzinfo=None))
    text = _formatted.get(key)
    if text is None:
        if len(_formatted) >= _FORMATTED_KEPT:
            _formatted.clear()
        text = _formatted[key] = _babel_format(when, pattern, tz, lang)
    return text


def _babel_format(when: datetime, pattern: str, tz: ZoneInfo, lang: str) -> str:
    from babel.dates import format_datetime as babel_format  # imported lazily: ~20 ms

    try:
        return babel_format(when, pattern, tzinfo=tz, locale=_babel_locale(lang))
    except Exception:  # unknown locale in config: fall back rather than fail a reply
        return babel_format(when, pattern, tzinfo=tz, locale=FALLBACK)


_DURATION_UNITS = (("duration-day", 86400), ("duration-hour", 3600), ("duration-minute", 60), ("duration-second", 1))


def format_duration(seconds: float | timedelta, lang: str) -> str:
    """A human duration in `lang`, exact to its two largest units and never rounded up.

    39 hours is "1 day and 15 hours" / "1 jour et 15 heures" (not "2 days"); 2 hours is "2 hours";
    under a minute it counts seconds ("45 seconds"), from one minute on the seconds are dropped.
    """
    from babel.lists import format_list
    from babel.units import format_unit

    total = seconds.total_seconds() if isinstance(seconds, timedelta) else float(seconds)
    total = max(0, int(total)) if total < 60 else int(total) // 60 * 60
    pieces: list[tuple[str, int]] = []
    for unit, size in _DURATION_UNITS:
        amount, total = divmod(total, size)
        if amount or pieces:
            pieces.append((unit, amount))
        if len(pieces) == 2:
            break
    pieces = [(unit, amount) for unit, amount in pieces if amount] or [("duration-second", 0)]
    locale = _babel_locale(lang)
    try:
        return format_list([format_unit(amount, unit, locale=locale) for unit, amount in pieces], locale=locale)
    except Exception:  # unknown locale in config: fall back rather than fail a reply
        return format_list([format_unit(amount, unit, locale=FALLBACK) for unit, amount in pieces], locale=FALLBACK)


def render_params(params: Mapping[str, Any], tz: ZoneInfo, lang: str) -> dict[str, Any]:
    """`params` with datetimes shown in `tz` and durations (timedelta) in words, both in `lang`.

    Passing a datetime to a message, instead of a string formatted beforehand, keeps the date in the
    language of the sentence around it, whoever the sentence is for.
    """
    out = dict(params)
    for name, value in params.items():
        if isinstance(value, datetime):
            out[name] = format_datetime(value, tz, lang)
        elif isinstance(value, timedelta):
            out[name] = format_duration(value, lang)
    return out


def _babel_locale(lang: str) -> str:
    """Babel spells locales with an underscore ("fr_CA"); members and configs may write "fr-CA"."""
    return (lang or FALLBACK).replace("-", "_")


def zone_label(when: datetime, tz: ZoneInfo, lang: str) -> str:
    """The zone a local time is shown in, as people write it: "EAT", "CET", "UTC"; where the zone has no
    common abbreviation (zoneinfo says "+04"), Babel's localized offset ("GMT+04:00", "UTC+04:00")."""
    abbreviation = when.astimezone(tz).tzname() or ""
    if abbreviation.isalpha():
        return abbreviation
    from babel.dates import format_datetime as babel_format

    try:
        return babel_format(when, "ZZZZ", tzinfo=tz, locale=_babel_locale(lang))
    except Exception:
        return babel_format(when, "ZZZZ", tzinfo=tz, locale=FALLBACK)
