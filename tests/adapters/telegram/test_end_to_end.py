"""The whole bot on Telegram: a real Runtime and the real adapter against the fake Bot API server."""

from __future__ import annotations

from core.config import parse_config
from core.runtime import Runtime
from tests.adapters.telegram import payloads
from tests.adapters.telegram.fake_bot_api import TOKEN, FakeBotApi


def _config(api: FakeBotApi, tmp_path) -> object:
    return parse_config({
        "practica": {"database": str(tmp_path / "bot.db")},
        "adapters": {"telegram": {"token": {"$env": "PRACTICA_E2E_TELEGRAM_TOKEN"}, "base_url": api.base_url,
                                  "poll_timeout": 1}},
        "communities": {"cohort": {"chats": [f"telegram:{payloads.GROUP_ID}"], "moderators": ["telegram:111"]}},
    }, tmp_path / "plugins.toml")


async def test_a_command_travels_from_telegram_through_the_plugins_and_back(api, tmp_path, monkeypatch):
    monkeypatch.setenv("PRACTICA_E2E_TELEGRAM_TOKEN", TOKEN)
    async with Runtime(_config(api, tmp_path)) as runtime:
        menus = await api.wait_for_call("setMyCommands")
        assert any(c["command"] == "help" for c in menus[0]["commands"])
        api.push_update(message=payloads.message("/whoami@" + runtime.bot_handle("telegram")))
        sent = (await api.wait_for_call("sendMessage"))[0]
        assert sent["chat_id"] == payloads.GROUP_ID
        assert sent["parse_mode"] == "HTML"
        assert "moderator in the community cohort" in sent["text"]  # role from plugins.toml, community by chat

        api.push_update(message=payloads.message("/poll Oxytocin <b>dose</b>? | 5 IU | 10 IU | closes: 2h"))
        poll = (await api.wait_for_call("sendPoll"))[0]
        assert poll["question"] == "Oxytocin <b>dose</b>?"  # polls are plain text: nothing to escape
        assert [o["text"] if isinstance(o, dict) else o for o in poll["options"]] == ["5 IU", "10 IU"]


async def test_user_text_echoed_in_a_reply_is_escaped_for_telegram_html(api, tmp_path, monkeypatch):
    monkeypatch.setenv("PRACTICA_E2E_TELEGRAM_TOKEN", TOKEN)
    async with Runtime(_config(api, tmp_path)):
        api.push_update(message=payloads.message("/search <b>oxytocin</b> & co"))
        sent = (await api.wait_for_call("sendMessage"))[0]
        assert "&lt;b&gt;oxytocin&lt;/b&gt; &amp; co" in sent["text"]
        assert "<b>" not in sent["text"]
