"""Localization: message catalogs per plugin, the community's or member's language, local dates.

Catalogs are TOML files of `key = "text with {params}"`: `core/locales/<lang>.toml` for the core and
`plugins/<name>/locales/<lang>.toml` for each plugin. Adding a language is adding files. Lookup order:
the plugin's catalog in the wanted language, then the core's, then the same two in English, then the
key itself (logged once, so a missing string is visible but never breaks a reply). A regional
language ("fr-CA") falls back to its base ("fr") before English.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

log = logging.getLogger("practica.i18n")

FALLBACK = "en"
CORE_LOCALES = Path(__file__).parent / "locales"


class _Params(dict[str, Any]):
    """format_map helper: a missing parameter stays visible as {name} instead of raising."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def load_catalogs(folder: Path) -> dict[str, dict[str, str]]:
    """{lang: {key: text}} from every `<lang>.toml` in `folder` (empty when there is none)."""
    catalogs: dict[str, dict[str, str]] = {}
    if not folder.is_dir():
        return catalogs
    for file in sorted(folder.glob("*.toml")):
        with file.open("rb") as fh:
            data = tomllib.load(fh)
        catalogs[file.stem] = {str(k): str(v) for k, v in _flatten(data).items()}
    return catalogs


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


class Translator:
    """Holds every catalog; `text(plugin, lang, key, **params)` renders one message."""

    def __init__(self) -> None:
        self._catalogs: dict[str, dict[str, dict[str, str]]] = {"core": load_catalogs(CORE_LOCALES)}
        self._missing_logged: set[tuple[str, str]] = set()

    def add_plugin(self, plugin: str, folder: Path) -> None:
        """Load a plugin's `locales/` folder (nothing happens when it has none)."""
        self._catalogs[plugin] = load_catalogs(folder)

    @property
    def languages(self) -> list[str]:
        """Languages the core is translated into (what `/lang` accepts)."""
        return sorted(self._catalogs["core"])

    def catalog(self, plugin: str, lang: str) -> Mapping[str, str]:
        """One catalog as loaded ({} when the plugin has none in `lang`)."""
        return self._catalogs.get(plugin, {}).get(lang, {})

    def lookup(self, plugin: str, lang: str, key: str) -> str | None:
        """The template of `key`: the plugin's catalog, then the core's, in `lang` (then its base
        language: "fr" for "fr-CA"), then the same in English; None when no catalog has it."""
        owners = (self._catalogs.get(plugin, {}), self._catalogs["core"]) if plugin != "core" else (self._catalogs["core"],)
        for language in _candidates(lang):
            for catalogs in owners:
                text = catalogs.get(language, {}).get(key)
                if text is not None:
                    return text
        return None

    def text(self, plugin: str, lang: str, key: str, /, **params: Any) -> str:
        """The message `key` in `lang` with `params` filled in.

        A missing parameter stays visible as `{name}`; a template that is not a valid format string
        is returned as written. Neither breaks a reply; both are logged once.
        """
        template = self.lookup(plugin, lang, key)
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
    from babel.dates import format_datetime as babel_format  # imported lazily: ~20 ms

    pattern = "EEE d MMM HH:mm" if with_date else "HH:mm"
    try:
        return babel_format(when, pattern, tzinfo=tz, locale=_babel_locale(lang))
    except Exception:  # unknown locale in config: fall back rather than fail a reply
        return babel_format(when, pattern, tzinfo=tz, locale=FALLBACK)


def format_duration(seconds: float, lang: str) -> str:
    """A short human duration: "2 hours", "3 jours"."""
    from babel.dates import format_timedelta

    try:
        return format_timedelta(seconds, locale=_babel_locale(lang), threshold=1.1)
    except Exception:
        return format_timedelta(seconds, locale=FALLBACK, threshold=1.1)


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
