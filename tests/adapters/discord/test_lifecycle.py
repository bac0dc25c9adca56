"""Start, stop, login and intent errors, slash command publishing and platform roles."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import time
from pathlib import Path

import discord
import pytest

from core.adapter import CommandInfo
from adapters.discord.errors import privileged_intents_error
from core.errors import AdapterError
from core.events import ChatRef, Role, User
from tests.adapters.discord.conftest import new_adapter
from tests.adapters.discord.fakediscord import (ADMIN, ADMIN_ROLE_ID, ALICE, DM_ID, FORUM_ID, GENERAL_ID, GUILD_ID,
                                                HELPER, HELPER_ROLE_ID, MOD, MOD_ROLE_ID, OWNER, THREAD_ID, message)

GENERAL = ChatRef("discord", str(GENERAL_ID), "group")


def test_package_does_not_import_discord():
    code = ("import sys, adapters.discord, adapters.discord.capabilities, adapters.discord.config; "
            "sys.exit('discord' in sys.modules)")
    root = Path(__file__).resolve().parents[3]
    assert subprocess.run([sys.executable, "-c", code], cwd=root, check=False).returncode == 0


async def test_identify_asks_only_for_configured_intents(adapter, fake):
    intents = discord.Intents._from_value(fake.identify["intents"])
    assert intents.message_content and intents.members and intents.guild_polls and intents.guild_messages
    assert not intents.presences and not intents.typing and not intents.voice_states
    assert fake.identify["token"] == "fake-token"


async def test_publish_commands_per_guild_with_french_descriptions(adapter, fake):
    await adapter.publish_commands([
        CommandInfo("points", {"en": "Show your points", "fr": "Voir vos points"}, usage="[week]"),
        CommandInfo("help", {"en": "What I can do"}),
        CommandInfo("Bad Name!", {"en": "not a slash name"}),
    ])
    call = fake.find("PUT", rf"^/applications/\d+/guilds/{GUILD_ID}/commands$")[-1]
    by_name = {c["name"]: c for c in call.json}
    assert sorted(by_name) == ["help", "points"]
    points = by_name["points"]
    assert points["description"] == "Show your points"
    assert points["description_localizations"] == {"fr": "Voir vos points"}
    assert points["options"] == [{"type": 3, "name": "arguments", "description": "[week]", "required": False}]


async def test_commands_published_before_start_are_synced_when_ready(fake, host):
    adapter = new_adapter(fake, host)
    await adapter.publish_commands([CommandInfo("homework", {"en": "Submit homework"})])
    assert not fake.find("PUT", r"/commands$")
    await adapter.start()
    try:
        assert [c["name"] for c in fake.find("PUT", rf"/guilds/{GUILD_ID}/commands$")[-1].json] == ["homework"]
    finally:
        await adapter.stop()


async def test_refused_privileged_intent_is_an_operator_error(fake, host):
    fake.close_on_identify = 4014
    adapter = new_adapter(fake, host)
    with pytest.raises(AdapterError) as caught:
        await asyncio.wait_for(adapter.start(), 10)
    await adapter.stop()
    text = str(caught.value)
    assert "Message Content Intent" in text and "Server Members Intent" in text
    assert "Developer Portal" in text or "developers/applications" in text
    assert "Privileged Gateway Intents" in text and "[adapters.discord.intents]" in text
    assert isinstance(caught.value.__cause__, discord.PrivilegedIntentsRequired)


def test_privileged_intent_message_names_only_what_was_asked():
    intents = discord.Intents.none()
    intents.members = True
    error = privileged_intents_error(intents)
    assert "Server Members Intent" in str(error) and "Message Content" not in str(error).split(".")[0]
    assert "members = false" in str(error)


async def test_bad_token_is_a_clear_error_that_hides_the_token(fake, host):
    fake.token = "the-real-one"
    adapter = new_adapter(fake, host)
    with pytest.raises(AdapterError) as caught:
        await adapter.start()
    await adapter.stop()
    assert "DISCORD_BOT_TOKEN" in str(caught.value) and "Reset Token" in str(caught.value)
    assert "fake-token" not in str(caught.value) and "fake-token" not in repr(caught.value)


async def test_stop_is_quick_and_idempotent(adapter, fake):
    started = time.monotonic()
    await adapter.stop()
    await adapter.stop()
    assert adapter.client.is_closed() and time.monotonic() - started < 3


async def test_connection_is_logged_without_message_bodies(fake, host, caplog):
    caplog.set_level(logging.INFO, logger="practica.adapters.discord")
    adapter = new_adapter(fake, host)
    await adapter.start()
    await fake.dispatch("MESSAGE_CREATE", message("private patient details"))
    await host.next()
    await adapter.stop()
    logged = caplog.text
    assert "connected to the Discord gateway" in logged and "ready" in logged
    assert "private patient details" not in logged


@pytest.mark.parametrize(("who", "roles", "expected"), [
    (OWNER, (), Role.OWNER),
    (ADMIN, (ADMIN_ROLE_ID,), Role.ADMIN),
    (MOD, (MOD_ROLE_ID,), Role.MODERATOR),
    (HELPER, (HELPER_ROLE_ID,), Role.MODERATOR),  # configured moderator_roles = ("Helpers",)
    (ALICE, (), Role.MEMBER),
])
async def test_platform_role_from_discord_permissions(adapter, fake, host, who, roles, expected):
    await fake.dispatch("MESSAGE_CREATE", message("hi", author=who, roles=roles))
    event = await host.next()
    assert await adapter.platform_role(event.chat, event.author) == expected


async def test_platform_role_in_thread_and_direct_chat(adapter, fake, host):
    await fake.dispatch("MESSAGE_CREATE", message("hi", author=MOD, roles=(MOD_ROLE_ID,), channel_id=THREAD_ID))
    event = await host.next()
    assert event.chat == ChatRef("discord", str(FORUM_ID), "group", title="#homework", thread_id=str(THREAD_ID))
    assert await adapter.platform_role(event.chat, event.author) == Role.MODERATOR
    direct = ChatRef("discord", str(DM_ID), "direct")
    assert await adapter.platform_role(direct, User("discord", MOD["id"], "moses")) == Role.MEMBER


async def test_platform_role_of_unseen_member_asks_discord(adapter, fake):
    role = await adapter.platform_role(GENERAL, User("discord", "1100000000000000077", "someone"))
    assert role == Role.MEMBER
    assert fake.find("GET", rf"^/guilds/{GUILD_ID}/members/1100000000000000077$")


async def test_slash_commands_carry_their_french_names(adapter, fake, make_bot):
    bot = await make_bot(platform="discord")
    await adapter.publish_commands(bot.runtime.command_infos())
    call = fake.find("PUT", rf"^/applications/\d+/guilds/{GUILD_ID}/commands$")[-1]
    by_name = {c["name"]: c for c in call.json}
    assert by_name["help"]["name_localizations"] == {"fr": "aide"}
    assert by_name["rules"]["name_localizations"] == {"fr": "regles"}
    assert by_name["accept"]["name_localizations"] == {"fr": "accepter"}
    assert "name_localizations" not in by_name["warn"]  # moderators' commands keep one name
    vote = by_name["vote"]["options"][0]
    assert vote["description"] == "/vote <poll> <number...>"
    assert vote["description_localizations"] == {"fr": "/voter <sondage> <numéro...>"}


async def test_the_injected_transport_routes_only_this_adapters_client(adapter, fake):
    """A test peer drives the adapter through `transport=`; discord.py's process-wide addresses stay Discord's,
    so another client in the same process (a second bot) would still reach the real Discord."""
    import discord.gateway
    import discord.http

    assert fake.identify is not None  # the gateway connection reached the fake
    assert fake.find("GET", r"^/users/@me$")  # and so did the REST login
    assert discord.http.Route.BASE == "https://discord.com/api/v10"
    assert str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY) == "wss://gateway.discord.gg/"
