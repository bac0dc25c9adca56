"""The command menu: practica commands -> setMyCommands lists per scope and language (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from telegram import BotCommand, BotCommandScope, BotCommandScopeAllChatAdministrators, BotCommandScopeDefault

from core.adapter import CommandInfo
from core.events import Role

COMMANDS_MAX = 100
DESCRIPTION_MAX = 256
LANGUAGES = (None, "fr")  # None: the default list (English), shown when no list matches the user's language
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")


def valid_command_name(name: str) -> bool:
    """Whether Telegram accepts `name` as a command (lowercase a-z, 0-9 and _, 1 to 32 characters)."""
    return bool(_COMMAND_NAME.fullmatch(name))


def _description(info: CommandInfo, locale: str | None) -> str:
    text = (locale and info.descriptions.get(locale)) or info.descriptions.get("en") \
        or next(iter(info.descriptions.values()), "") or info.usage or info.name
    text = " ".join(text.split())
    return text if len(text) <= DESCRIPTION_MAX else text[:DESCRIPTION_MAX - 1] + "…"


def _word(info: CommandInfo, locale: str | None) -> str:
    """The command's word for readers of `locale` ("aide" for French), when Telegram accepts it."""
    word = info.names.get(locale, "") if locale else ""
    return word if valid_command_name(word) else info.name


def _menu(commands: Iterable[CommandInfo], locale: str | None) -> list[BotCommand]:
    out: list[BotCommand] = []
    used: set[str] = set()
    for info in commands:
        word = _word(info, locale)
        word = word if word not in used else info.name
        used.add(word)
        out.append(BotCommand(word, _description(info, locale)))
    return out[:COMMANDS_MAX]


def command_menus(commands: Sequence[CommandInfo]) -> list[tuple[BotCommandScope, str | None, list[BotCommand]]]:
    """The setMyCommands calls for `commands`: (scope, language_code, commands).

    Members' commands go to the default scope; group admins additionally see moderator+ commands.
    Each list exists in English (language_code None, the default) and French ("fr"); the French list
    shows each command under its French word (/aide, /regles), which the bot accepts from everyone.
    Names that Telegram does not accept (lowercase a-z, 0-9, _ up to 32 characters) are left out.
    """
    valid = [c for c in commands if valid_command_name(c.name)]
    members = [c for c in valid if c.role <= Role.TRUSTED]
    staff = members + [c for c in valid if c.role > Role.TRUSTED]
    out: list[tuple[BotCommandScope, str | None, list[BotCommand]]] = []
    for locale in LANGUAGES:
        out.append((BotCommandScopeDefault(), locale, _menu(members, locale)))
        out.append((BotCommandScopeAllChatAdministrators(), locale, _menu(staff, locale)))
    return out
