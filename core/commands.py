"""Commands: the `@command` decorator, argument parsing, and the registry.

A plugin declares commands as decorated coroutine functions and returns them from
`practica_register_commands`. Arguments are parsed from the function's signature:

    @command("vote", help="Vote in a text poll.", aliases=("v",))
    async def vote(ctx: Context, poll: int, option: int) -> None: ...

A command also answers to its words in each language of its plugin's catalogs (`"command.rules" =
"regles charte"` in fr.toml): they are registered with the same clash check as names and aliases, and
found with accents ignored ("/règles").

Supported parameter types: `str` (one word, or "quoted words"), `int`, `float`, and `Text` (the rest
of the line, possibly empty; must be last). A parameter with a default is optional. Bad arguments
raise UsageError with the usage line, e.g. "Usage: /vote <poll> <option>".
"""

from __future__ import annotations

import inspect
import re
import typing
import unicodedata
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NewType

from core.errors import NotFound, PluginLoadError, UsageError
from core.i18n import core_english
from core.events import Role

Text = NewType("Text", str)
"""Annotation for a parameter that takes the rest of the command line."""

Where = Literal["any", "group", "direct"]
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_TOKEN = re.compile(r'"([^"]*)"|(\S+)')
MAX_ARGUMENTS_TEXT = 4000
# Whole numbers must fit a signed 64-bit column (SQLite's INTEGER, PostgreSQL's BIGINT): beyond that no
# id, count or amount exists, and the database driver would raise OverflowError instead of answering.
INT_RANGE = range(-(2 ** 63), 2 ** 63)


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    kind: type
    optional: bool
    default: Any = None

    @property
    def usage(self) -> str:
        label = f"{self.name}..." if self.kind is Text else self.name
        return f"[{label}]" if self.optional else f"<{label}>"


@dataclass(frozen=True)
class Command:
    """A command as registered: its owner plugin is filled in by the registry."""

    name: str
    handler: Callable[..., Awaitable[Any]]
    help: str = ""
    role: Role = Role.MEMBER
    aliases: tuple[str, ...] = ()
    cooldown: float = 0.0
    where: Where = "any"
    usage_override: str | None = None
    params: tuple[Param, ...] = ()
    plugin: str = ""
    localized: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(language, words) from the plugin's catalogs (`"command.<name>" = "aide"`); filled by the registry."""
    localized_usage: tuple[tuple[str, str], ...] = ()
    """(language, arguments part of the usage line) from the catalogs (`"usage.vote" = "<sondage> <numéro...>"`)."""

    def words_in(self, lang: str) -> tuple[str, ...]:
        """The command's own words in `lang` ("fr-CA" uses "fr"), best first; () when it has none."""
        return _in_language(self.localized, lang) or ()

    def word_for(self, lang: str) -> str:
        """The word readers of `lang` see for this command: its localized name, else its name."""
        words = self.words_in(lang)
        return words[0] if words else self.name

    def other_words(self, lang: str) -> list[str]:
        """The other words a reader of `lang` may use, for "Also: ..." in /help: the command's name, its
        other words in `lang` and its language-neutral aliases (not the words of other languages)."""
        shown = self.word_for(lang)
        words = [self.name, *self.words_in(lang), *self.aliases]
        return [w for w in dict.fromkeys(words) if w != shown]

    def usage(self, prefix: str = "/", lang: str | None = None) -> str:
        """The usage line, e.g. `/vote <poll> <option>`; in `lang`'s words when given (`/voter <sondage> ...`)."""
        args = (_in_language(self.localized_usage, lang) if lang else None) or (
            self.usage_override if self.usage_override is not None else " ".join(p.usage for p in self.params))
        word = self.word_for(lang) if lang else self.name
        return f"{prefix}{word} {args}".rstrip()

    def parse(self, text: str, prefix: str = "/", t: Translate | None = None, lang: str | None = None) -> list[Any]:
        """Turn the text after the command name into handler arguments, or raise UsageError.

        `t(key, **params)` renders the core's messages in the reader's language `lang` (English by
        default), and the usage line shown is in that language too.
        """
        t = t or core_english
        if len(text) > MAX_ARGUMENTS_TEXT:
            raise UsageError(t("error.too_long", command=self.name, length=len(text), limit=MAX_ARGUMENTS_TEXT))
        usage = self.usage(prefix, lang)
        values: list[Any] = []
        position = 0
        for param in self.params:
            if param.kind is Text:
                rest = text[position:].strip()
                if not rest and not param.optional:
                    raise UsageError(t("error.usage", usage=usage))
                values.append(rest if rest else param.default)
                position = len(text)
                break
            match = _TOKEN.search(text, position)
            if match is None:
                if param.optional:
                    values.append(param.default)
                    continue
                raise UsageError(t("error.usage", usage=usage))
            position = match.end()
            raw = match.group(1) if match.group(1) is not None else match.group(2)
            values.append(_convert(raw, param, usage, t))
        if text[position:].strip() and (not self.params or self.params[-1].kind is not Text):
            raise UsageError(t("error.too_many", usage=usage))
        return values


Translate = Callable[..., str]
_T = typing.TypeVar("_T")


def _in_language(pairs: tuple[tuple[str, _T], ...], lang: str) -> _T | None:
    """The value for `lang` among (language, value) pairs; "fr-CA" falls back to "fr"."""
    wanted = (lang, lang.replace("-", "_"), lang.replace("-", "_").split("_", 1)[0].lower())
    found = dict(pairs)
    return next((found[w] for w in wanted if w in found), None)

def _convert(raw: str, param: Param, usage: str, t: Translate) -> Any:
    shown = repr(raw[:40])
    if param.kind is int:
        try:
            number = int(raw.lstrip("#"))
        except ValueError:
            raise UsageError(t("error.not_integer", name=param.name, value=shown, usage=usage)) from None
        if number not in INT_RANGE:
            digits = str(number)
            raise NotFound(t("error.out_of_range", name=param.name, value=digits if len(digits) <= 24 else digits[:20] + "…"))
        return number
    if param.kind is float:
        try:
            value = float(raw)
        except ValueError:
            raise UsageError(t("error.not_number", name=param.name, value=shown, usage=usage)) from None
        if value != value or value in (float("inf"), float("-inf")):
            raise UsageError(t("error.not_number", name=param.name, value=shown, usage=usage))
        return value
    return raw


def command(name: str | None = None, *, help: str = "", role: Role = Role.MEMBER, aliases: Iterable[str] = (),
            cooldown: float = 0.0, where: Where = "any", usage: str | None = None) -> Callable[[Callable[..., Awaitable[Any]]], Command]:
    """Declare a command. The handler's first parameter is `ctx`; the rest become its arguments.

    Args:
        name: the command word (default: the function's name), lowercase a-z, 0-9, _.
        help: one line shown by /help (translated through the plugin's catalog key `help.<name>`).
        role: the least role that may use it.
        aliases: other words for the same command, language-neutral (`/hw`, `/v`); a command's words in
            a language come from the plugin's catalogs (`"command.help" = "aide"` in fr.toml).
        cooldown: seconds a member must wait between two uses.
        where: "group" or "direct" to refuse the command elsewhere, with a one-line explanation.
        usage: usage text to show instead of the one derived from the signature.
    """

    def decorate(handler: Callable[..., Awaitable[Any]]) -> Command:
        if not inspect.iscoroutinefunction(handler):
            raise PluginLoadError(f"command handler {handler.__qualname__} must be 'async def'.")
        return Command(name=name or handler.__name__, handler=handler, help=help, role=role,
                       aliases=tuple(aliases), cooldown=cooldown, where=where, usage_override=usage,
                       params=_params(handler))

    return decorate


def _params(handler: Callable[..., Any]) -> tuple[Param, ...]:
    hints = typing.get_type_hints(handler)
    params = list(inspect.signature(handler).parameters.values())[1:]  # skip ctx
    out = []
    for i, p in enumerate(params):
        kind = hints.get(p.name, str)
        if typing.get_origin(kind) in (typing.Union, __import__("types").UnionType):
            kind = next(a for a in typing.get_args(kind) if a is not type(None))
        if kind not in (str, int, float, Text):
            raise PluginLoadError(f"command handler {handler.__qualname__}: parameter {p.name!r} has unsupported type {kind!r}; use str, int, float or Text.")
        if kind is Text and i != len(params) - 1:
            raise PluginLoadError(f"command handler {handler.__qualname__}: Text parameter {p.name!r} must be the last one.")
        optional = p.default is not inspect.Parameter.empty
        out.append(Param(p.name, kind, optional, p.default if optional else None))
    return tuple(out)


@dataclass
class CommandRegistry:
    """All commands by name and alias; each word has exactly one owner plugin."""

    commands: dict[str, Command] = field(default_factory=dict)
    _words: dict[str, Command] = field(default_factory=dict)

    def register(self, plugin: str, cmd: Command, localized: Mapping[str, Iterable[str]] | None = None,
                 usages: Mapping[str, str] | None = None) -> Command:
        """Add `cmd` for `plugin`, with its words and usage lines per language (from the plugin's catalogs).

        Raises PluginLoadError naming both plugins (and the languages) when a word is taken.
        """
        if not isinstance(cmd, Command):
            raise PluginLoadError(f"plugin {plugin!r}: practica_register_commands returned {cmd!r}; "
                                  f"decorate handlers with @command(...).")
        pairs = tuple((lang, tuple(words)) for lang, words in sorted((localized or {}).items()) if tuple(words))
        owned = Command(**{**{f: getattr(cmd, f) for f in cmd.__dataclass_fields__}, "plugin": plugin, "localized": pairs,
                           "localized_usage": tuple(sorted((usages or {}).items()))})
        claims: dict[str, str] = {}  # word -> how this command uses it, for the clash message
        for word in (owned.name, *owned.aliases):
            claims.setdefault(word, "")
        for lang, words in pairs:
            for word in words:
                claims.setdefault(word, f" (its {lang} name)")
        for word, how in claims.items():
            if not _NAME.match(word):
                raise PluginLoadError(f"plugin {plugin!r}: command word {word!r}{how} for /{owned.name} must be lowercase "
                                      f"letters without accents, digits or _ (at most 32).")
            if word in self._words:
                other = self._words[word]
                raise PluginLoadError(f"command /{word} is declared by both plugin {other.plugin!r} (/{other.name}"
                                      f"{self._how(other, word)}) and plugin {plugin!r} (/{owned.name}{how}); "
                                      f"disable one of them or rename the command.")
        for word in claims:
            self._words[word] = owned
        self.commands[owned.name] = owned
        return owned

    @staticmethod
    def _how(cmd: Command, word: str) -> str:
        langs = [lang for lang, words in cmd.localized if word in words]
        return f", its {langs[0]} name" if langs and word != cmd.name and word not in cmd.aliases else ""

    def find(self, word: str) -> Command | None:
        """The command a member means by `word`: any of its words, case and accents ignored ("/règles")."""
        word = word.lower()
        found = self._words.get(word)
        if found is None:
            folded = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
            found = self._words.get(folded)
        return found

    def words(self) -> list[tuple[str, Command]]:
        """Every command word (names and aliases) with its command."""
        return list(self._words.items())

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(sorted(self.commands.values(), key=lambda c: c.name))


def split_invocation(text: str, prefix: str, bot_handle: str | None) -> tuple[str, str] | None:
    """`("vote", "3 2")` for "/vote@thisbot 3 2"; None when the text is not a command for us.

    A command addressed to another bot (`/cmd@otherbot`) is not for us.
    """
    if not text.startswith(prefix) or len(text) <= len(prefix):
        return None
    head, _, rest = text[len(prefix):].partition(" ")
    head, _, newline_rest = head.partition("\n")
    if newline_rest:
        rest = newline_rest + (" " + rest if rest else "")
    word, at, target = head.partition("@")
    if at and bot_handle is not None and target.lower() != bot_handle.lower():
        return None
    if not word or not word[0].isalpha():
        return None
    return word.lower(), rest.strip()
