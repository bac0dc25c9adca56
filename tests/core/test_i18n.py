"""Localization: the member's or the community's language, complete French catalogs, local dates."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from functools import cache
from pathlib import Path

from core import Context
from core.config import parse_config
from core.i18n import Translator, format_datetime, format_duration, load_catalogs, plural_rule
from core.plugins import load_plugins

ROOT = Path(__file__).resolve().parents[2]
UTC = timezone.utc
_PARAM = re.compile(r"(?<!\{)\{([a-zA-Z_][a-zA-Z0-9_]*)[^{}]*\}(?!\})")


def catalog_folders() -> list[Path]:
    """core/locales and every plugins/<name>/locales."""
    return [ROOT / "core" / "locales", *sorted(p for p in (ROOT / "plugins").glob("*/locales") if p.is_dir())]


def flat(path: Path) -> dict[str, str]:
    """{key: text} of one catalog file; a plural table's forms are joined, so their parameters all count."""
    catalogs = load_catalogs(path.parent)
    return {key: value if isinstance(value, str) else " | ".join(value.values())
            for key, value in catalogs[path.stem].items()}


def plural_tables(path: Path) -> dict[str, dict[str, str]]:
    return {key: dict(value) for key, value in load_catalogs(path.parent)[path.stem].items() if not isinstance(value, str)}


@cache  # 100,001 calls of the rule: once per language, not once per plural table
def forms_needed(lang: str) -> frozenset[str]:
    """The plural categories whole-number counts up to 100 000 take in `lang` (French: one, other)."""
    rule = plural_rule(lang)
    return frozenset(rule(n) for n in range(100_001))


def test_every_catalog_is_complete_in_english_and_french():
    problems = []
    for folder in catalog_folders():
        owner = folder.parent.relative_to(ROOT)
        en, fr = folder / "en.toml", folder / "fr.toml"
        if not en.exists() or not fr.exists():
            problems.append(f"{owner}: needs both locales/en.toml and locales/fr.toml")
            continue
        english, french = flat(en), flat(fr)
        problems += [f"{owner}: fr.toml lacks {key!r}" for key in sorted(english.keys() - french.keys())]
        problems += [f"{owner}: en.toml lacks {key!r}" for key in sorted(french.keys() - english.keys())]
        for key in sorted(english.keys() & french.keys()):
            if set(_PARAM.findall(english[key])) != set(_PARAM.findall(french[key])):
                problems.append(f"{owner}: {key!r} has parameters {sorted(set(_PARAM.findall(english[key])))} in en "
                                f"but {sorted(set(_PARAM.findall(french[key])))} in fr")
    assert not problems, "incomplete catalogs:\n" + "\n".join(problems)


def test_counts_use_real_plural_forms_in_every_catalog():
    """No "(s)" shortcut anywhere; each plural table has the forms its language needs, and where one
    form covers several numbers (French "one" is 0 and 1) that form shows the number instead of "1"."""
    problems = []
    for folder in catalog_folders():
        owner = folder.parent.relative_to(ROOT)
        for path in sorted(folder.glob("*.toml")):
            lang = path.stem
            problems += [f"{owner}/{path.name}: {key!r} writes a plural as (s): {text!r}"
                         for key, text in flat(path).items() if "(s)" in text]
            rule = plural_rule(lang)
            shared = {category for category in forms_needed(lang)
                      if sum(1 for n in range(1000) if rule(n) == category) > 1}
            for key, table in plural_tables(path).items():
                missing = forms_needed(lang) - set(table)
                if missing:
                    problems.append(f"{owner}/{path.name}: {key!r} lacks the plural forms {sorted(missing)}")
                problems += [f"{owner}/{path.name}: {key!r} form {category!r} covers several numbers but has no {{count}}"
                             for category in shared & set(table) if not re.search(r"\{count[:}]", table[category])]
    assert not problems, "\n".join(problems)


async def test_plural_messages_follow_each_languages_rules(make_bot):
    """Zero and one take the singular in French, only one in English (homework's social proof post)."""
    bot = await make_bot(plugins={"homework"})
    translator = bot.runtime.translator
    proof = {(lang, n): translator.text("homework", lang, "proof", count=n, total=2, id=1, title="Partograph")
             for lang in ("en", "fr") for n in (0, 1, 2)}
    assert proof["en", 0].startswith("0 members of 2 have done")
    assert proof["en", 1].startswith("1 member of 2 has done")
    assert proof["en", 2].startswith("2 members of 2 have done")
    assert proof["fr", 0].startswith("0 membre sur 2 a fait")
    assert proof["fr", 1].startswith("1 membre sur 2 a fait")
    assert proof["fr", 2].startswith("2 membres sur 2 ont fait")
    assert translator.text("homework", "fr-CA", "proof", count=1, total=3, id=1, title="x").startswith("1 membre sur 3 a fait")


def test_durations_are_exact_to_two_units_and_never_rounded_up():
    assert format_duration(39 * 3600, "en") == "1 day and 15 hours"
    assert format_duration(39 * 3600, "fr") == "1\u00a0jour et 15\u00a0heures"
    assert format_duration(47 * 3600 + 59 * 60, "en") == "1 day and 23 hours"
    assert format_duration(3 * 3600 + 25 * 60 + 40, "en") == "3 hours and 25 minutes"
    assert format_duration(45, "fr") == "45\u00a0secondes"


def test_every_command_has_a_help_line_in_english_and_french(tmp_path):
    loaded = load_plugins(parse_config({}, tmp_path / "plugins.toml"))  # every installed plugin
    translator = Translator()
    for name, info in loaded.infos.items():
        if info.folder is not None:
            translator.add_plugin(name, info.folder / "locales")
    missing = [f"{cmd.plugin}: help.{cmd.name} in {lang}" for cmd in loaded.commands for lang in ("en", "fr")
               if f"help.{cmd.name}" not in translator.catalog(cmd.plugin, lang)]
    assert not missing, "commands without a translated /help line:\n" + "\n".join(missing)


async def test_help_is_fully_french_for_a_french_community(make_bot):
    bot = await make_bot(community={"locale": "fr"}, admins=["owner"])  # every installed plugin, every command visible
    translator = bot.runtime.translator
    await bot.send("/help", user="owner")
    lines = bot.next_reply().text.split("\n")
    assert lines[0] == translator.text("essentials", "fr", "help.header")
    assert lines[-1] == translator.text("essentials", "fr", "help.footer", help="/aide")
    english_lines = {translator.catalog(c.plugin, "en").get(f"help.{c.name}") for c in bot.runtime.commands} - {None}
    french_lines = {translator.catalog(c.plugin, "fr").get(f"help.{c.name}") for c in bot.runtime.commands} - {None}
    assert not any(text in line for line in lines for text in english_lines - french_lines)

    checked = 0
    for cmd in bot.runtime.commands:
        await bot.send(f"/help {cmd.name}", user="owner")
        detail = bot.next_reply().text.split("\n")
        french = translator.catalog(cmd.plugin, "fr").get(f"help.{cmd.name}")
        assert detail[0] == f"/{cmd.word_for('fr')} — {french}", f"/{cmd.name} ({cmd.plugin}) has no French help line"
        assert detail[1].startswith("Utilisation : ")
        checked += 1
    assert checked >= 6


async def test_lang_switches_only_that_members_replies(make_bot):
    bot = await make_bot()
    await bot.send("/lang fr", user="amina")
    assert bot.next_reply().text == "Désormais je vous réponds en Français."
    await bot.send("/whoami", user="amina")
    assert bot.next_reply().text.startswith("Vous êtes amina")
    await bot.send("/whoami", user="bekele")
    assert bot.next_reply().text.startswith("You are bekele")
    await bot.send("/lang xx", user="bekele")
    assert bot.next_reply().text == "I don't speak 'xx' yet. Available: en, fr."

    await bot.restart()  # the choice is stored
    await bot.send("/whoami", user="amina")
    assert bot.next_reply().text.startswith("Vous êtes amina")
    await bot.send("/lang reset", user="amina")
    bot.next_reply()
    await bot.send("/whoami", user="amina")
    assert bot.next_reply().text.startswith("You are amina")


async def test_a_member_can_choose_english_in_a_french_community(make_bot):
    bot = await make_bot(community={"locale": "fr"})
    await bot.send("/whoami", user="bekele")
    assert bot.next_reply().text.startswith("Vous êtes bekele")
    await bot.send("/lang en", user="amina")
    assert bot.next_reply().text == "From now on I answer you in English."


async def test_times_are_shown_in_the_community_zone_and_the_readers_language(make_bot):
    monday_5_utc = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)
    bot = await make_bot(community={"timezone": "Africa/Addis_Ababa", "locale": "fr"})
    community = bot.runtime.config.communities["default"]
    assert Context(bot.runtime, "essentials", community).format_time(monday_5_utc) == "lun. 30 nov. 08:00"
    assert Context(bot.runtime, "essentials", community).format_time(monday_5_utc, with_date=False) == "08:00"

    await bot.send("/lang en", user="amina")
    event = await bot.send("hello", user="amina")
    assert Context(bot.runtime, "essentials", community, event).format_time(monday_5_utc) == "Mon 30 Nov 08:00"
    assert Context(bot.runtime, "essentials", community, event).format_duration(7200) == "2 hours"
    assert Context(bot.runtime, "essentials", community).format_duration(7200) == "2\u00a0heures"  # French puts a no-break space


def test_lookup_order_plugin_then_core_in_the_language_then_english(tmp_path):
    folder = tmp_path / "locales"
    folder.mkdir()
    (folder / "en.toml").write_text('"greet" = "Hello {name}"\n"role.moderator" = "mod"\n"broken" = "50% {off"\n')
    (folder / "fr.toml").write_text('"greet" = "Bonjour {name}"\n')
    translator = Translator()
    translator.add_plugin("demo", folder)
    assert translator.text("demo", "fr", "greet", name="Amina") == "Bonjour Amina"
    assert translator.text("demo", "fr-CA", "greet", name="Amina") == "Bonjour Amina"   # regional -> base language
    assert translator.text("demo", "sw", "greet", name="Amina") == "Hello Amina"        # unknown language -> English
    assert translator.text("demo", "fr", "role.moderator") == "modérateur"  # the core's French beats the plugin's English
    assert translator.text("demo", "en", "role.moderator") == "mod"
    assert translator.text("demo", "fr", "greet") == "Bonjour {name}"  # a missing parameter stays visible
    assert translator.text("demo", "en", "broken") == "50% {off"       # a bad template never breaks a reply
    assert translator.text("demo", "fr", "no.such.key") == "no.such.key"


def test_format_datetime_accepts_regional_and_unknown_locales():
    from zoneinfo import ZoneInfo

    when = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)
    assert format_datetime(when, ZoneInfo("Africa/Addis_Ababa"), "fr-CA") == "lun. 30 nov. 08:00"
    assert format_datetime(when, ZoneInfo("Africa/Addis_Ababa"), "zz") == "Mon 30 Nov 08:00"
