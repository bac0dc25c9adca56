"""Starting, stopping, reconnecting, webhook mode, logs, roles and the command menu."""

from __future__ import annotations

import asyncio
import logging
import socket
import time

import aiohttp
import pytest

from core.adapter import CommandInfo
from core.errors import AdapterError, DeliveryError
from core.events import ChatRef, MessageEvent, Role, User
from core.replies import Reply
from tests.adapters.telegram.fake_bot_api import TOKEN, FakeBotApi
from tests.adapters.telegram.payloads import ALICE, BOB, GROUP_ID, admin, member_update, message

GROUP = ChatRef("telegram", str(GROUP_ID), "group")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_polling_deletes_a_stale_webhook_then_asks_for_member_and_poll_updates(api: FakeBotApi, adapter) -> None:
    await api.wait_for_call("getUpdates")
    methods = [c.method for c in api.calls]
    assert methods[0] == "getMe"
    assert methods.index("deleteWebhook") < methods.index("getUpdates")
    allowed = set(api.calls_of("getUpdates")[0]["allowed_updates"])
    assert {"message", "edited_message", "chat_member", "message_reaction", "chat_join_request", "poll",
            "poll_answer", "callback_query"} <= allowed


async def test_webhook_mode_accepts_only_telegram_secret(api: FakeBotApi, host, make_adapter) -> None:
    port = free_port()
    await make_adapter(mode="webhook", listen="127.0.0.1", port=port, url_path="tg-updates",
                       public_url="https://bot.example.org/", secret_token="s3cret-Token_1")
    (hook,) = api.calls_of("setWebhook")
    assert hook["url"] == "https://bot.example.org/tg-updates"
    assert hook["secret_token"] == "s3cret-Token_1"
    assert "chat_member" in hook["allowed_updates"]
    url = f"http://127.0.0.1:{port}/tg-updates"
    async with aiohttp.ClientSession() as http:
        good = {"update_id": 1, "message": message("via webhook")}
        async with http.post(url, json=good, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"}) as r:
            assert r.status == 200
        event = await host.next()
        assert isinstance(event, MessageEvent) and event.text == "via webhook"
        forged = {"update_id": 2, "message": message("forged")}
        async with http.post(url, json=forged, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}) as r:
            assert r.status == 403
        async with http.post(url, json=forged) as r:
            assert r.status == 403
    await host.nothing_more(0.2)
    assert api.calls_of("getUpdates") == []


async def test_webhook_survives_a_malformed_update(api: FakeBotApi, host, make_adapter, caplog) -> None:
    port = free_port()
    await make_adapter(mode="webhook", port=port, public_url="https://bot.example.org", secret_token="abc")
    url, headers = f"http://127.0.0.1:{port}/telegram", {"X-Telegram-Bot-Api-Secret-Token": "abc"}
    async with aiohttp.ClientSession() as http:
        async with http.post(url, json={"update_id": 1, "message": {"text": "secret patient details"}},
                             headers=headers) as r:
            assert r.status == 400
        async with http.post(url, json={"update_id": 2, "message": message("fine")}, headers=headers) as r:
            assert r.status == 200
    assert (await host.next()).text == "fine"
    assert "secret patient details" not in caplog.text


async def test_polling_recovers_after_a_dropped_connection_and_a_garbage_answer(api: FakeBotApi, host, adapter,
                                                                                caplog) -> None:
    caplog.set_level(logging.WARNING)
    before = len(await api.wait_for_call("getUpdates"))
    api.fail_next("getUpdates", drop=True)
    api.fail_next("getUpdates", status=502, raw=b"<html>502 Bad Gateway</html>")
    await api.wait_for_call("getUpdates", before + 3, timeout=8)  # dropped, garbage, then a good one
    api.push_update(message=message("back online"))
    event = await host.next(timeout=8)
    assert isinstance(event, MessageEvent) and event.text == "back online"
    assert "fetching updates from Telegram failed" in caplog.text
    assert TOKEN not in caplog.text


async def test_stop_is_quick_during_a_long_poll_and_idempotent(api: FakeBotApi, host, make_adapter) -> None:
    adapter = await make_adapter(poll_timeout=30)
    await api.wait_for_call("getUpdates")
    started = time.monotonic()
    await adapter.stop()
    await adapter.stop()
    assert time.monotonic() - started < 3
    count = len(api.calls)
    api.push_update(message=message("after stop"))
    await host.nothing_more(0.2)
    assert len(api.calls) == count


async def test_stop_is_quick_when_telegram_is_unreachable(api: FakeBotApi, make_adapter) -> None:
    adapter = await make_adapter()
    await api.__aexit__(None, None, None)
    started = time.monotonic()
    await adapter.stop()
    assert time.monotonic() - started < 5


async def test_a_wrong_token_stops_the_start_with_a_clear_message(api: FakeBotApi, host) -> None:
    from adapters.telegram.adapter import TelegramAdapter
    from adapters.telegram.config import TelegramConfig
    from core.schema import Secret

    wrong = "999:WRONG-token"
    adapter = TelegramAdapter(TelegramConfig(token=Secret(wrong)), host, **api.requests())
    with pytest.raises(AdapterError, match="TELEGRAM_BOT_TOKEN") as info:
        await adapter.start()
    assert wrong not in str(info.value)
    await adapter.stop()


async def test_unreachable_api_at_start_is_an_adapter_error(host) -> None:
    from adapters.telegram.adapter import TelegramAdapter
    from adapters.telegram.config import TelegramConfig
    from core.schema import Secret

    adapter = TelegramAdapter(TelegramConfig(token=Secret(TOKEN), base_url=f"http://127.0.0.1:{free_port()}/bot"), host)
    with pytest.raises(AdapterError, match="cannot reach") as info:
        await adapter.start()
    assert TOKEN not in str(info.value)


async def test_token_and_message_bodies_stay_out_of_logs(api: FakeBotApi, host, make_adapter, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    adapter = await make_adapter()
    api.push_update(message=message("Patient Amina, 3 cm dilated"))
    await host.next()
    await adapter.perform(Reply(GROUP, "Confidential reply text"))
    api.fail_next("sendMessage", drop=True)
    with pytest.raises(DeliveryError) as info:
        await adapter.perform(Reply(GROUP, "again"))
    await adapter.stop()
    assert f"127.0.0.1:{api.port}/bot***" in caplog.text  # library logs are kept, with the token masked
    assert TOKEN not in caplog.text and TOKEN not in str(info.value)
    assert "Patient Amina" not in caplog.text and "Confidential reply text" not in caplog.text


async def test_platform_roles_come_from_chat_administrators_cached(api: FakeBotApi, adapter) -> None:
    api.admins = [{"user": ALICE, "status": "creator", "is_anonymous": False}, admin(BOB)]
    carol = User("telegram", "333", "Carol")
    assert await adapter.platform_role(GROUP, User("telegram", "111", "Alice")) is Role.OWNER
    assert await adapter.platform_role(GROUP, User("telegram", "222", "Bob")) is Role.ADMIN
    assert await adapter.platform_role(GROUP, carol) is Role.MEMBER
    assert await adapter.platform_role(ChatRef("telegram", "333", "direct"), carol) is Role.MEMBER
    assert len(api.calls_of("getChatAdministrators")) == 1
    assert api.calls_of("getChatAdministrators")[0]["chat_id"] == GROUP_ID


async def test_a_member_change_refreshes_the_cached_administrators(api: FakeBotApi, host, adapter) -> None:
    carol = User("telegram", "333", "Carol")
    assert await adapter.platform_role(GROUP, carol) is Role.MEMBER
    api.admins = [admin({"id": 333, "is_bot": False, "first_name": "Carol"})]
    api.push_update(chat_member=member_update({"id": 333, "is_bot": False, "first_name": "Carol"}, "left", "member"))
    await host.next()
    assert await adapter.platform_role(GROUP, carol) is Role.ADMIN


async def test_platform_role_is_member_when_telegram_fails(api: FakeBotApi, adapter) -> None:
    api.fail_next("getChatAdministrators", status=400,
                  payload={"ok": False, "error_code": 400, "description": "Bad Request: chat not found"})
    assert await adapter.platform_role(GROUP, User("telegram", "111", "Alice")) is Role.MEMBER


async def test_publish_commands_by_scope_and_language(api: FakeBotApi, adapter, caplog) -> None:
    commands = [
        CommandInfo("help", {"en": "Show the commands", "fr": "Afficher les commandes"}),
        CommandInfo("top", {"en": "Leaderboard " + "x" * 300}, role=Role.TRUSTED),
        CommandInfo("warn", {"en": "Warn a member"}, usage="/warn @user reason", role=Role.MODERATOR),
        CommandInfo("Bad-Name", {"en": "not valid on Telegram"}),
        CommandInfo("nodesc", {}, usage="/nodesc", role=Role.ADMIN),
    ]
    await adapter.publish_commands(commands)
    calls = api.calls_of("setMyCommands")
    assert len(calls) == 4

    def menu(scope: str, language: str | None) -> dict[str, str]:
        (call,) = [c for c in calls if c["scope"]["type"] == scope and c.get("language_code") == language]
        return {c["command"]: c["description"] for c in call["commands"]}

    assert list(menu("default", None)) == ["help", "top"]
    assert menu("default", None)["help"] == "Show the commands"
    assert len(menu("default", None)["top"]) == 256
    assert menu("default", "fr")["help"] == "Afficher les commandes"
    admins_fr = menu("all_chat_administrators", "fr")
    assert list(admins_fr) == ["help", "top", "warn", "nodesc"]
    assert admins_fr["warn"] == "Warn a member" and admins_fr["nodesc"] == "/nodesc"
    assert "Bad-Name" in caplog.text


async def test_wait_finished_returns_after_stop(adapter) -> None:
    waiter = asyncio.create_task(adapter.wait_finished())
    await asyncio.sleep(0.05)
    assert not waiter.done()
    await adapter.stop()
    await asyncio.wait_for(waiter, 1)


async def test_a_token_revoked_while_running_ends_the_adapter_with_a_clear_error(api: FakeBotApi, adapter) -> None:
    await api.wait_for_call("getUpdates")
    api.token = "revoked"
    with pytest.raises(AdapterError, match="TELEGRAM_BOT_TOKEN"):
        await asyncio.wait_for(adapter.wait_finished(), 5)


async def test_the_french_menu_shows_the_french_command_words(api: FakeBotApi, adapter, make_bot) -> None:
    bot = await make_bot(platform="telegram")  # every installed plugin: the commands as the runtime publishes them
    await adapter.publish_commands(bot.runtime.command_infos())
    calls = api.calls_of("setMyCommands")

    def menu(language: str | None) -> dict[str, str]:
        (call,) = [c for c in calls if c["scope"]["type"] == "default" and c.get("language_code") == language]
        return {c["command"]: c["description"] for c in call["commands"]}

    french, english = menu("fr"), menu(None)
    assert {"aide", "regles", "accepter", "sondage", "voter", "devoirs", "fait", "chercher", "merci"} <= set(french)
    assert french["aide"].startswith("Lister les commandes") and french["regles"] == "Afficher la charte du groupe."
    assert not {"help", "rules", "accept"} & set(french)
    assert {"help", "rules", "accept", "poll", "done", "search"} <= set(english) and "aide" not in english


async def test_an_injected_transport_carries_every_call_without_a_base_url(api: FakeBotApi, adapter, host) -> None:
    """The production configuration (no base_url) driven by a test peer through `request=`/`get_updates_request=`."""
    assert adapter.config.base_url is None
    api.push_update(message=message("hello"))
    assert (await host.next()).text == "hello"  # fetched with get_updates_request
    assert api.calls_of("getMe") and api.calls_of("getUpdates")
    await adapter.perform(Reply(chat=ChatRef("telegram", str(GROUP_ID), "group"), text="hi"))
    assert (await api.wait_for_call("sendMessage"))[0]["text"] == "hi"  # sent with request
