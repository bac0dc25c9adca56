"""`practica new-plugin NAME`: a working plugin folder and its passing test, in the built-in shape.

Written into the current folder: `plugins/NAME/` and `tests/plugins/NAME/test_NAME.py`. In a folder of
its own (not practica's repository) it also writes a `plugins.toml` that loads `plugins/` (`plugin_dirs`)
and talks on the console, so `practica run` and `python -m pytest` work there at once: the test kit is
installed with practica and finds the plugins of `<rootdir>/plugins`.
"""

from __future__ import annotations

import keyword
import re
import sys
from pathlib import Path

from core.plugins import BUILTIN_DIR

_NAME = re.compile(r"^[a-z][a-z0-9_]{1,30}$")

INIT = '''"""{title}: says hello (a starting point; replace with what your plugin does)."""

from __future__ import annotations

import core
from .config import {cls}Config


class Plugin(core.Plugin):
    """{title}: greets members and counts greetings."""

    config = {cls}Config  # the [plugins.{name}] table, validated at start
    # core.Plugin finds the rest by the layout's names: commands.ALL, store.MIGRATIONS, members.user_data,
    # and, once you add them, jobs.KINDS and dashboard.PAGES. Other hooks are methods marked @hookimpl
    # that call the plugin's modules, e.g.
    #     @hookimpl
    #     async def practica_on_message(self, event: MessageEvent, ctx: Context) -> None:
    #         await service.on_message(event, ctx)
'''

MEMBERS = '''"""Members' data of the {name} plugin: what /mydata exports and /forgetme erases."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core import Context

from . import store


async def user_data(member: str, ctx: Context, erase: bool) -> Mapping[str, Any] | None:
    """Export (erase=False) or erase (erase=True) everything this plugin stores about `member`."""
    if erase:
        return {{"greetings_deleted": await store.erase(ctx.db, member)}}
    count = await store.count(ctx.db, member)
    return {{"greetings": count}} if count else None
'''

CONFIG = '''"""Settings of the {name} plugin: `[plugins.{name}]` in plugins.toml."""

from __future__ import annotations

from dataclasses import dataclass

from core import Settings, non_empty, setting


@dataclass(frozen=True)
class {cls}Config(Settings):
    greeting: str = setting("Hello", non_empty())  # each key's rule: between(1, 50), duration_text(), ...
'''

COMMANDS = '''"""Commands of the {name} plugin."""

from __future__ import annotations

from core import CommandContext, Text, command

from . import store


@command("{command}", help="Say hello.")
async def {name}_command(ctx: CommandContext, who: Text = Text("")) -> None:
    # A command's ctx.user, ctx.chat and ctx.message are never None. What follows a person across their
    # linked accounts (/link) is stored under ctx.identity.person_of(user).
    member = ctx.identity.person_of(ctx.user)
    total = await store.record(ctx.db, ctx.community.name, member, ctx.now())
    await ctx.reply(ctx.t("hello", greeting=ctx.config.greeting, name=who or ctx.user.name, count=total))


ALL = ({name}_command,)
'''

STORE = '''"""SQL of the {name} plugin (tables prefixed `{name}_`; migrations are append-only)."""

from __future__ import annotations

from datetime import datetime

from core import Storage, to_utc_text

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
    """Store one greeting (times are stored as UTC text: to_utc_text / from_utc_text); return how many this member has sent."""
    await db.execute("INSERT INTO {name}_greetings (community, member, at) VALUES (?, ?, ?)", (community, member, to_utc_text(at)))
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


CONFIG_FILE = '''# practica's settings for this folder (see practica's README, "Configuration: plugins.toml").
[practica]
plugin_dirs = ["plugins"]     # this folder's plugins, next to the built-in ones
database = "practica.db"

[adapters.console]            # talk to the bot in the terminal: `practica run`
member = "you"
'''


def new_plugin(name: str, root: Path | None = None) -> int:
    """Create plugins/NAME with a plugin and its catalogs, and tests/plugins/NAME with a passing test,
    in `root` (default: the current folder); never inside the installed practica package."""
    if not _NAME.match(name) or keyword.iskeyword(name):
        print(f"practica: plugin names are lowercase letters, digits and _ (2 to 31, starting with a letter); got {name!r}.",
              file=sys.stderr)
        return 1
    root = (root or Path.cwd()).resolve()
    base = root / "plugins"
    target = base / name
    if target.exists():
        print(f"practica: {target} already exists; choose another name.", file=sys.stderr)
        return 1
    in_practica = base == BUILTIN_DIR  # practica's own repository: a built-in plugin
    cls = "".join(part.capitalize() for part in name.split("_"))
    values = {"name": name, "cls": cls, "title": name.replace("_", " ").capitalize(), "command": name.replace("_", "")[:32]}
    files = {
        target / "__init__.py": INIT, target / "config.py": CONFIG, target / "commands.py": COMMANDS,
        target / "members.py": MEMBERS, target / "store.py": STORE, target / "locales" / "en.toml": EN, target / "locales" / "fr.toml": FR,
    }
    tests_dir = root / "tests" / "plugins" / name
    files[tests_dir / f"test_{name}.py"] = TEST
    if (root / "tests" / "plugins" / "__init__.py").is_file():  # a tests package (practica's): one more level
        files[tests_dir / "__init__.py"] = ""
    config_file = root / "plugins.toml"
    if not in_practica and not config_file.exists():
        files[config_file] = CONFIG_FILE
    for path, template in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.format(**values) if path != config_file else template, encoding="utf-8")
    print(f"Created plugin {name!r} in {target} with its test in {tests_dir}.")
    if in_practica:
        print(f"Try it: `make test`, then `printf '/{values['command']}\\n' | make run`.")
    else:
        print(f"Try it: `python -m pytest`, then `printf '/{values['command']}\\n' | practica run`.")
    return 0
