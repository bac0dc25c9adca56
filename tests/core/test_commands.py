"""Command registration, roles, cooldowns, help and aliases as members see them."""

from __future__ import annotations

import pytest

from core import Context, PluginLoadError, Role, command, hookimpl
from core.config import parse_config
from core.plugins import load_plugins


class Team:
    @command("kickoff", help="Start the session.", role=Role.MODERATOR, aliases=("ko",))
    async def kickoff(ctx: Context) -> None:
        await ctx.reply("session started")

    @command("ping", help="Check the bot.", cooldown=30)
    async def ping(ctx: Context) -> None:
        await ctx.reply("pong")

    @command("secret", help="Only in private.", where="direct")
    async def secret(ctx: Context) -> None:
        await ctx.reply("psst")

    @hookimpl
    def practica_register_commands(self):
        return [Team.kickoff, Team.ping, Team.secret]


class Clash:
    @command("ping", help="Another ping.")
    async def ping(ctx: Context) -> None:
        pass

    @hookimpl
    def practica_register_commands(self):
        return [Clash.ping]


async def test_least_role_is_enforced_and_help_is_filtered(make_bot):
    bot = await make_bot(plugins=set(), extra_plugins={"team": Team()}, moderators=["trainer"])
    await bot.send("/kickoff", user="amina")
    assert bot.next_reply().text == "Only a moderator can use /kickoff."
    await bot.send("/help", user="amina")
    assert "/kickoff" not in bot.next_reply().text
    await bot.send("/ko", user="trainer")
    assert bot.next_reply().text == "session started"
    await bot.send("/help", user="trainer")
    assert "/kickoff — Start the session." in bot.next_reply().text
    await bot.send("/help kickoff", user="trainer")
    assert bot.next_reply().text.splitlines() == [
        "/kickoff — Start the session.", "Usage: /kickoff", "Also: /ko", "For: moderator and above"]


async def test_platform_admin_counts_as_admin(make_bot):
    bot = await make_bot(platform="telegram", plugins=set(), extra_plugins={"team": Team()})
    bot.set_platform_role("chief", Role.ADMIN)
    await bot.send("/kickoff", user="chief")
    assert bot.next_reply().text == "session started"


async def test_cooldown_per_member(make_bot):
    bot = await make_bot(plugins=set(), extra_plugins={"team": Team()})
    await bot.send("/ping", user="amina")
    assert bot.next_reply().text == "pong"
    await bot.send("/ping", user="amina")
    assert bot.next_reply().text.startswith("Please wait 30 seconds before using /ping again")
    await bot.send("/ping", user="bekele")
    assert bot.next_reply().text == "pong"
    await bot.advance(seconds=31)
    await bot.send("/ping", user="amina")
    assert bot.next_reply().text == "pong"


async def test_direct_only_command_explains_itself_in_a_group(make_bot):
    bot = await make_bot(plugins=set(), extra_plugins={"team": Team()})
    await bot.send("/secret")
    assert bot.next_reply().text == "/secret works in a private chat with me; send it to me directly."
    await bot.send("/secret", chat="dm")
    assert bot.next_reply().text == "psst"


def test_duplicate_command_names_both_plugins(tmp_path):
    config = parse_config({}, tmp_path / "plugins.toml")
    with pytest.raises(PluginLoadError) as error:
        load_plugins(config, extra={"team": Team(), "clash": Clash()}, only=set())
    message = str(error.value)
    assert "command /ping is declared by both plugin" in message
    assert "'team'" in message and "'clash'" in message


async def test_disabled_plugin_in_a_community_hides_its_commands(make_bot):
    bot = await make_bot(plugins=set(), extra_plugins={"team": Team()}, community={"disabled_plugins": ["team"]})
    await bot.send("/ping")
    assert bot.next_reply().text.startswith("I don't know /ping.")
