"""Plugins come from three places: built-ins, the `practica` entry-point group, and plugin_dirs."""

from __future__ import annotations

import importlib.metadata
import sys
import textwrap
import types

import pytest

from core import PluginLoadError
from core.config import parse_config
from core.plugins import load_plugins

PLUGIN_SOURCE = textwrap.dedent('''
    from core import Context, command, hookimpl


    @command("{word}", help="Answers from a {where} plugin.")
    async def answer(ctx: Context) -> None:
        await ctx.reply("hello from {where}")


    class Plugin:
        """A {where} plugin."""

        @hookimpl
        def practica_register_commands(self):
            return [answer]
''')


async def test_a_local_plugin_folder_is_loaded_from_plugin_dirs(make_bot, tmp_path):
    folder = tmp_path / "local_plugins" / "clinic_tips"
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text(PLUGIN_SOURCE.format(word="tip", where="local"), encoding="utf-8")
    bot = await make_bot(config={"practica": {"plugin_dirs": [str(tmp_path / "local_plugins")]}})
    await bot.send("/tip")
    assert bot.next_reply().text == "hello from local"
    assert bot.runtime.loaded.infos["clinic_tips"].source.startswith("plugin_dirs ")


def test_a_missing_plugin_dir_is_a_config_error(tmp_path):
    config = parse_config({"practica": {"plugin_dirs": ["nowhere"]}}, tmp_path / "plugins.toml")
    with pytest.raises(Exception) as error:
        load_plugins(config)
    assert "plugin_dirs" in str(error.value) and "does not exist" in str(error.value)


@pytest.fixture
def installed_package(monkeypatch):
    """A third-party package exposing a plugin under the `practica` entry-point group."""
    module = types.ModuleType("practica_thirdparty_demo")
    exec(PLUGIN_SOURCE.format(word="thirdparty", where="third-party"), module.__dict__)
    monkeypatch.setitem(sys.modules, "practica_thirdparty_demo", module)
    real = importlib.metadata.entry_points

    def entry_points(**params):
        if params.get("group") == "practica":
            return importlib.metadata.EntryPoints([importlib.metadata.EntryPoint(
                name="thirdparty", value="practica_thirdparty_demo:Plugin", group="practica")])
        return real(**params)

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)


async def test_an_entry_point_plugin_is_loaded_and_can_be_disabled(make_bot, installed_package):
    bot = await make_bot()
    await bot.send("/thirdparty")
    assert bot.next_reply().text == "hello from third-party"
    off = await make_bot(config={"plugins": {"thirdparty": {"enabled": False}}})
    await off.send("/thirdparty")
    assert off.next_reply().text.startswith("I don't know /thirdparty")


def test_two_plugins_with_one_name_are_refused(tmp_path, installed_package, monkeypatch):
    folder = tmp_path / "more" / "thirdparty"
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text(PLUGIN_SOURCE.format(word="other", where="local"), encoding="utf-8")
    config = parse_config({"practica": {"plugin_dirs": [str(tmp_path / "more")]}}, tmp_path / "plugins.toml")
    with pytest.raises(PluginLoadError) as error:
        load_plugins(config)
    assert "two plugins are named 'thirdparty'" in str(error.value)
