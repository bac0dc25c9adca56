"""A plugin built on core.Plugin declares config, commands, jobs and migrations as class attributes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import json

import core
from core import CommandContext, Context, JobKind, UploadFile, command, hookimpl

CALLS: list[str] = []


@dataclass(frozen=True)
class GreeterConfig:
    greeting: str = "Hello"


@command("greet", help="Say hello.")
async def greet(ctx: CommandContext) -> None:
    await ctx.db.execute("INSERT INTO greeter_log (member) VALUES (?)", (ctx.user.uid,))
    count = await ctx.db.fetchval("SELECT COUNT(*) FROM greeter_log", (), 0)
    await ctx.reply(f"{ctx.config.greeting} #{count}")
    await ctx.jobs.schedule("tick", ctx.now() + timedelta(minutes=1), key="tick")


async def tick(ctx: Context, job: core.Job) -> None:
    CALLS.append(job.kind)


async def greeter_data(member: str, ctx: Context, erase: bool):
    if erase:
        return {"greetings_deleted": await ctx.db.execute_rowcount("DELETE FROM greeter_log WHERE member = ?", (member,))}
    count = await ctx.db.fetchval("SELECT COUNT(*) FROM greeter_log WHERE member = ?", (member,), 0)
    return {"greetings": count} if count else None


class Greeter(core.Plugin):
    """Greets (a class-attribute plugin)."""

    config = GreeterConfig
    commands = (greet,)
    jobs = {"tick": JobKind(tick, grace=None)}
    migrations = ("CREATE TABLE greeter_log (id INTEGER PRIMARY KEY, member TEXT NOT NULL);",)
    member_data = greeter_data

    @hookimpl
    async def practica_startup(self, ctx: Context) -> None:
        CALLS.append("startup")


class Plain:
    """A plain pluggy plugin, without the base class."""

    @hookimpl
    def practica_register_commands(self):
        @command("plain", help="Answer plainly.")
        async def plain(ctx: CommandContext) -> None:
            await ctx.reply("plain answer")

        return (plain,)


async def test_class_attributes_declare_config_commands_jobs_and_migrations(make_bot):
    CALLS.clear()
    bot = await make_bot(plugins=set(), extra_plugins={"greeter": Greeter(), "plain": Plain()},
                         config={"plugins": {"greeter": {"greeting": "Salut"}}})
    assert CALLS == ["startup"]  # its own @hookimpl methods still run
    await bot.send("/greet", user="amina")
    assert bot.next_reply().text == "Salut #1"  # config validated, command registered, migration applied
    await bot.advance(minutes=2)
    assert CALLS == ["startup", "tick"]  # job kind registered
    await bot.send("/plain", user="amina")
    assert bot.next_reply().text == "plain answer"


async def test_a_setting_the_config_class_lacks_is_refused(make_bot):
    import pytest

    from core import ConfigError

    with pytest.raises(ConfigError, match="greetin"):
        await make_bot(plugins=set(), extra_plugins={"greeter": Greeter()},
                       config={"plugins": {"greeter": {"greetin": "typo"}}})


async def test_member_data_is_exported_and_erased(make_bot):
    bot = await make_bot(plugins={"essentials"}, extra_plugins={"greeter": Greeter()})
    await bot.send("/greet", user="amina")
    bot.next_reply()
    await bot.send("/mydata", user="amina")
    assert json.loads(bot.actions(UploadFile)[-1].content)["greeter"] == {"greetings": 1}
    await bot.send("/forgetme confirm", user="amina")
    await bot.send("/forgetme confirm", user="amina")
    await bot.send("/mydata", user="amina")
    assert "greeter" not in json.loads(bot.actions(UploadFile)[-1].content)


PACKAGE = {
    "__init__.py": "import core\n\n\nclass Plugin(core.Plugin):\n    \"\"\"Slots found by name.\"\"\"\n",
    "commands.py": ("from core import command\n\n\n@command('slotted', help='Answer.')\nasync def slotted(ctx):\n"
                    "    await ctx.reply('found by its slot')\n\nALL = (slotted,)\n"),
    "store.py": "MIGRATIONS = ('CREATE TABLE slotted_rows (id INTEGER PRIMARY KEY);',)\n",
    "members.py": "async def user_data(member, ctx, erase):\n    return None if erase else {'slot': 'members'}\n",
}


async def test_a_package_plugin_finds_its_slots_by_name(make_bot, tmp_path, monkeypatch):
    folder = tmp_path / "slotted_pkg"
    folder.mkdir()
    for name, text in PACKAGE.items():
        (folder / name).write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    import slotted_pkg

    plugin = slotted_pkg.Plugin()
    assert plugin.dashboard is None and len(plugin.migrations) == 1
    bot = await make_bot(plugins={"essentials"}, extra_plugins={"slotted": plugin})
    await bot.send("/slotted", user="amina")
    assert bot.next_reply().text == "found by its slot"
    await bot.send("/mydata", user="amina")
    assert json.loads(bot.actions(UploadFile)[-1].content)["slotted"] == {"slot": "members"}


def test_a_slot_without_its_name_is_a_clear_load_error(tmp_path, monkeypatch):
    import importlib

    import pytest

    from core import PluginLoadError

    folder = tmp_path / "halfslot_pkg"
    folder.mkdir()
    (folder / "__init__.py").write_text(PACKAGE["__init__.py"])
    (folder / "commands.py").write_text("HANDLERS = ()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(PluginLoadError, match="halfslot_pkg.commands has no ALL"):
        importlib.import_module("halfslot_pkg")
