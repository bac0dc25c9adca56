"""`practica new-plugin NAME`: a working plugin folder and its passing test, in the built-in shape."""

from __future__ import annotations

import keyword
import re
import sys
from pathlib import Path

from core.plugins import BUILTIN_DIR

_NAME = re.compile(r"^[a-z][a-z0-9_]{1,30}$")

INIT = '''"""{title}: says hello (a starting point; replace with what your plugin does)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from core import Command, Context, hookimpl
from . import commands, store
from .config import {cls}Config


class Plugin:
    """{title}: greets members and counts greetings."""

    @hookimpl
    def practica_config_schema(self) -> type:
        return {cls}Config

    @hookimpl
    def practica_register_commands(self) -> Iterable[Command]:
        return commands.ALL

    @hookimpl
    def practica_register_migrations(self) -> tuple[str, ...]:
        return store.MIGRATIONS

    @hookimpl
    async def practica_user_data(self, member: str, ctx: Context, erase: bool) -> Mapping[str, Any] | None:
        if erase:
            return {{"greetings_deleted": await store.erase(ctx.db, member)}}
        count = await store.count(ctx.db, member)
        return {{"greetings": count}} if count else None
'''

CONFIG = '''"""Settings of the {name} plugin: `[plugins.{name}]` in plugins.toml."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class {cls}Config:
    greeting: str = "Hello"

    def __post_init__(self) -> None:
        if not self.greeting.strip():
            raise ValueError("key 'greeting' must not be empty")
'''

COMMANDS = '''"""Commands of the {name} plugin."""

from __future__ import annotations

from core import Context, Text, command

from . import store


@command("{command}", help="Say hello.")
async def {name}_command(ctx: Context, who: Text = Text("")) -> None:
    user = ctx.user
    assert user is not None
    total = await store.record(ctx.db, ctx.community.name, user.uid, ctx.now())
    await ctx.reply(ctx.t("hello", greeting=ctx.config.greeting, name=who or user.name, count=total))


ALL = ({name}_command,)
'''

STORE = '''"""SQL of the {name} plugin (tables prefixed `{name}_`; migrations are append-only)."""

from __future__ import annotations

from datetime import datetime

from core import Storage

MIGRATIONS = (
    """
    CREATE TABLE {name}_greetings (
        id INTEGER PRIMARY KEY,
        community TEXT NOT NULL,
        member TEXT NOT NULL,
        at TEXT NOT NULL
    );
    """,
)


async def record(db: Storage, community: str, member: str, at: datetime) -> int:
    """Store one greeting; return how many this member has sent."""
    await db.execute("INSERT INTO {name}_greetings (community, member, at) VALUES (?, ?, ?)", (community, member, at.isoformat()))
    return await count(db, member)


async def count(db: Storage, member: str) -> int:
    return int(await db.fetchval("SELECT COUNT(*) FROM {name}_greetings WHERE member = ?", (member,), 0))


async def erase(db: Storage, member: str) -> int:
    return await db.execute_rowcount("DELETE FROM {name}_greetings WHERE member = ?", (member,))
'''

EN = '''"help.{command}" = "Say hello."
"hello" = "{{greeting}}, {{name}}! (greeting number {{count}})"
"mydata.title" = "{title}"
"mydata.greetings" = "greetings"
'''

FR = '''"help.{command}" = "Dire bonjour."
"hello" = "{{greeting}}, {{name}} ! (salutation numéro {{count}})"
# The command's French word, shown to French readers in /aide and the menus (and in en.toml the same key
# with the English word); a message that depends on a number is a table: {{ one = "...", other = "..." }}.
# "command.{command}" = "salut"
"mydata.title" = "{title}"
"mydata.greetings" = "salutations"
'''

TEST = '''"""Conversation tests for the {name} plugin, through the practica test kit."""

from __future__ import annotations

import json

import pytest

from core import UploadFile


@pytest.mark.parametrize("platform", ["console", "telegram", "discord"])
async def test_greets_and_counts(make_bot, platform):
    bot = await make_bot(platform=platform, plugins={{"{name}"}})
    await bot.send("/{command}", user="amina")
    assert bot.next_reply().text == "Hello, amina! (greeting number 1)"
    await bot.send("/{command} everyone", user="amina")
    assert bot.next_reply().text == "Hello, everyone! (greeting number 2)"


async def test_greeting_is_configurable_and_french(make_bot):
    bot = await make_bot(plugins={{"{name}"}}, config={{"plugins": {{"{name}": {{"greeting": "Bonjour"}}}}}},
                         community={{"locale": "fr"}})
    await bot.send("/{command}", user="awa")
    assert bot.next_reply().text == "Bonjour, awa ! (salutation numéro 1)"


async def test_member_data_export_and_erase(make_bot):
    bot = await make_bot(plugins={{"{name}"}})
    await bot.send("/{command}", user="amina")
    bot.next_reply()
    await bot.send("/mydata", user="amina")
    assert "• {title}: greetings: 1" in bot.next_reply().text  # the summary, in the member's language
    export = json.loads(bot.actions(UploadFile)[-1].content)  # the full data, as a JSON file
    assert export["{name}"] == {{"greetings": 1}}
    await bot.send("/forgetme confirm", user="amina")
    await bot.send("/forgetme confirm", user="amina")
    await bot.send("/mydata", user="amina")
    assert "{name}" not in json.loads(bot.actions(UploadFile)[-1].content)
'''


def new_plugin(name: str, root: Path | None = None) -> int:
    """Create plugins/NAME with a plugin, its catalogs, and tests/plugins/NAME with a passing test."""
    if not _NAME.match(name) or keyword.iskeyword(name):
        print(f"practica: plugin names are lowercase letters, digits and _ (2 to 31, starting with a letter); got {name!r}.",
              file=sys.stderr)
        return 1
    base = (root / "plugins") if root is not None else BUILTIN_DIR
    target = base / name
    if target.exists():
        print(f"practica: {target} already exists; choose another name.", file=sys.stderr)
        return 1
    cls = "".join(part.capitalize() for part in name.split("_"))
    values = {"name": name, "cls": cls, "title": name.replace("_", " ").capitalize(), "command": name.replace("_", "")[:32]}
    files = {
        target / "__init__.py": INIT, target / "config.py": CONFIG, target / "commands.py": COMMANDS,
        target / "store.py": STORE, target / "locales" / "en.toml": EN, target / "locales" / "fr.toml": FR,
    }
    tests_dir = base.parent / "tests" / "plugins" / name
    files[tests_dir / f"test_{name}.py"] = TEST
    files[tests_dir / "__init__.py"] = ""
    for path, template in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.format(**values), encoding="utf-8")
    print(f"Created plugin {name!r} in {target} with its test in {tests_dir}.")
    print(f"Try it: `make test`, then `printf '/{values['command']}\\n' | make run`.")
    return 0
