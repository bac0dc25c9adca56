"""The whole bot on Discord: a real Runtime and the real adapter against the fake Discord."""

from __future__ import annotations

from adapters.discord.adapter import DiscordAdapter
from adapters.discord.config import DiscordConfig
from core.config import parse_config
from core.runtime import Runtime
from core.schema import validate
from tests.adapters.discord.fakediscord import ALICE_ID, GENERAL_ID, GUILD_ID, FakeDiscord, message


def _runtime(tmp_path, fake: FakeDiscord) -> Runtime:
    """The bot as plugins.toml describes it, its Discord adapter connected to the fake (`transport=`)."""
    config = parse_config({
        "practica": {"database": str(tmp_path / "bot.db")},
        "adapters": {"discord": {"token": {"$env": "PRACTICA_E2E_DISCORD_TOKEN"}, "guilds": [GUILD_ID]}},
        "communities": {"cohort": {"chats": [f"discord:{GENERAL_ID}"], "moderators": [f"discord:{ALICE_ID}"]}},
    }, tmp_path / "plugins.toml")
    settings = validate(DiscordConfig, config.adapters["discord"], "plugins.toml [adapters.discord]")
    return Runtime(config, adapters={"discord": lambda host: DiscordAdapter(settings, host, transport=fake.transport())})


async def test_a_command_travels_from_discord_through_the_plugins_and_back(fake: FakeDiscord, tmp_path, monkeypatch):
    monkeypatch.setenv("PRACTICA_E2E_DISCORD_TOKEN", "fake-token")
    async with _runtime(tmp_path, fake):
        commands = await fake.wait_call("PUT", rf"/applications/\d+/guilds/{GUILD_ID}/commands")
        assert any(c["name"] == "poll" for c in commands.json)  # every command is also a slash command
        await fake.dispatch("MESSAGE_CREATE", message("/whoami"))
        call = await fake.wait_call("POST", rf"/channels/{GENERAL_ID}/messages")
        assert "moderator in the community cohort" in call.json["content"]
        assert call.json["allowed_mentions"]["parse"] == []


async def test_everyone_in_user_text_pings_nobody(fake: FakeDiscord, tmp_path, monkeypatch):
    monkeypatch.setenv("PRACTICA_E2E_DISCORD_TOKEN", "fake-token")
    async with _runtime(tmp_path, fake):
        await fake.dispatch("MESSAGE_CREATE", message("/search @everyone oxytocin"))
        call = await fake.wait_call("POST", rf"/channels/{GENERAL_ID}/messages")
        assert "@everyone" in call.json["content"]  # shown as typed...
        assert call.json["allowed_mentions"]["parse"] == []  # ...but Discord is told to ping no one
