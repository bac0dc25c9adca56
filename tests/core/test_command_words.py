"""Localized command words: `"command.<name>" = "aide"` in a plugin's fr.toml makes /aide run /help,
shows /aide to French readers in /help and the platform menus, and a word two plugins claim stops the start."""

from __future__ import annotations

import textwrap

import pytest

from core import DeleteMessage, DirectMessage, PluginLoadError
from core.config import parse_config
from core.plugins import load_plugins

RULES = {"rules": "Be kind. No patient names.", "rules_version": "1"}


def cohort7(locale: str, platform: str) -> dict:
    """A named community holding the kit's group chat (g1), in `locale`."""
    return {"communities": {"cohort7": {"chats": [f"{platform}:g1"], "locale": locale, "timezone": "Africa/Addis_Ababa"}},
            "plugins": {"moderation": {**RULES, "verify_joins": False}}}


@pytest.mark.parametrize("platform", ["console", "telegram"])
async def test_french_readers_get_french_command_words_in_help(make_bot, platform):
    bot = await make_bot(platform=platform, config=cohort7("fr", platform))
    await bot.send("/aide", user="amina")
    listing = bot.next_reply().text
    assert listing.startswith("Commandes disponibles :")
    words = {line.split(" — ")[0] for line in listing.splitlines()} | set(listing.replace(":", " ").split())
    assert {"/aide", "/regles", "/accepter", "/sondage", "/devoirs", "/fait", "/chercher", "/merci"} <= words
    assert "/help" not in words and "/accept" not in words

    await bot.send("/aide accepter", user="amina")
    assert bot.next_reply().text.splitlines() == [
        "/accepter — Accepter la charte pour pouvoir écrire.", "Utilisation : /accepter", "Aussi : /accept"]

    await bot.send("/lang en", user="bekele", chat="dm")
    bot.next_reply()
    await bot.send("/help", user="bekele", chat="dm")
    english = bot.next_reply().text
    assert "/help" in english and "/rules" in english and "/aide" not in english and "/regles" not in english


@pytest.mark.parametrize("platform", ["console", "telegram"])
async def test_a_member_who_has_not_accepted_can_use_the_french_words(make_bot, platform):
    bot = await make_bot(platform=platform, config=cohort7("fr", platform))
    await bot.send("bonjour", user="amina")  # not accepted yet: removed, reminded with the French words
    reminder = bot.next_reply()
    assert isinstance(reminder, DirectMessage) and "/regles" in reminder.text and "/accepter" in reminder.text
    removed = len(bot.actions(DeleteMessage))
    await bot.send("/règles", user="amina")  # with its accent, as people type it
    assert bot.next_reply().text.startswith("Charte du groupe (version 1) :")
    await bot.send("/accepter", user="amina")
    assert any("Vous pouvez écrire maintenant" in m.text for m in bot.new_messages())
    assert len(bot.actions(DeleteMessage)) == removed  # neither command was removed as an unaccepted post


def _plugin_claiming(folder, word: str) -> None:
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text(textwrap.dedent('''
        from core import Context, command, hookimpl

        @command("tip", help="A tip.")
        async def tip(ctx: Context) -> None:
            await ctx.reply("tip")

        class Plugin:
            @hookimpl
            def practica_register_commands(self):
                return [tip]
    '''), encoding="utf-8")
    (folder / "locales").mkdir()
    (folder / "locales" / "en.toml").write_text('"help.tip" = "A tip."\n"command.tip" = "tip"\n', encoding="utf-8")
    (folder / "locales" / "fr.toml").write_text(f'"help.tip" = "Une astuce."\n"command.tip" = "astuce {word}"\n', encoding="utf-8")


def test_a_french_word_claimed_by_two_plugins_stops_the_start_naming_both(tmp_path):
    _plugin_claiming(tmp_path / "local" / "clinic_tips", "aide")
    config = parse_config({"practica": {"plugin_dirs": [str(tmp_path / "local")]}}, tmp_path / "plugins.toml")
    with pytest.raises(PluginLoadError) as error:
        load_plugins(config)
    text = str(error.value)
    assert "/aide" in text and "'essentials'" in text and "'clinic_tips'" in text and "fr name" in text


async def test_a_plugin_folder_can_name_its_command_in_french(make_bot, tmp_path):
    _plugin_claiming(tmp_path / "local" / "clinic_tips", "conseil")
    bot = await make_bot(config={"practica": {"plugin_dirs": [str(tmp_path / "local")]}}, community={"locale": "fr"})
    await bot.send("/conseil")
    assert bot.next_reply().text == "tip"
    await bot.send("/astuce")
    assert bot.next_reply().text == "tip"


async def test_help_for_one_command_lists_the_readers_other_words(make_bot):
    bot = await make_bot(plugins={"moderation"}, community={"locale": "fr"})
    await bot.send("/aide regles", chat="dm")
    assert bot.next_reply().text.splitlines() == ["/regles — Afficher la charte du groupe.", "Utilisation : /regles",
                                                  "Aussi : /rules, /charte"]
    await bot.send("/lang en", chat="dm")
    bot.next_reply()
    await bot.send("/help help", chat="dm")
    assert bot.next_reply().text.splitlines()[-1] == "Also: /start"  # not the French /aide


@pytest.mark.parametrize("platform", ["console", "telegram"])
async def test_usage_lines_are_in_the_readers_language(make_bot, platform):
    bot = await make_bot(platform=platform, plugins={"homework", "leaderboards"}, community={"locale": "fr"})
    await bot.send("/fait", user="amina")
    assert bot.next_reply().text == "Utilisation : /fait <n° de devoir> [note...]"
    await bot.send("/aide merci", user="amina")
    assert bot.next_reply().text.splitlines()[1] == "Utilisation : /merci @membre"
    await bot.send("/lang en", user="bekele", chat="dm")
    bot.next_reply()
    await bot.send("/done", user="bekele")
    assert bot.next_reply().text == "Usage: /done <homework> [note...]"
