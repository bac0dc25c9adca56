"""[adapters.telegram] validation and the import boundary."""

from __future__ import annotations

import subprocess
import sys

import pytest

from adapters.telegram.config import TelegramConfig
from core.errors import ConfigError
from core.schema import validate

WHERE = "plugins.toml [adapters.telegram]"


def test_token_from_environment(monkeypatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "42:abc")
    config = validate(TelegramConfig, {"token": {"$env": "TELEGRAM_BOT_TOKEN"}}, WHERE)
    assert config.token.reveal() == "42:abc"
    assert "42:abc" not in repr(config)
    assert (config.enabled, config.mode) == (True, "polling")
    assert {"chat_member", "message_reaction", "chat_join_request", "poll", "poll_answer",
            "callback_query"} <= set(config.allowed_updates)


def test_missing_token_is_a_clear_config_error() -> None:
    with pytest.raises(ConfigError, match=r"\[adapters.telegram\]: missing required key 'token'"):
        validate(TelegramConfig, {"mode": "polling"}, WHERE)


def test_unset_environment_variable_is_named(monkeypatch) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN is not set"):
        validate(TelegramConfig, {"token": {"$env": "TELEGRAM_BOT_TOKEN"}}, WHERE)


def test_webhook_needs_public_url_and_a_valid_secret() -> None:
    with pytest.raises(ConfigError, match="public_url"):
        validate(TelegramConfig, {"token": "1:x", "mode": "webhook"}, WHERE)
    with pytest.raises(ConfigError, match="secret_token") as info:
        validate(TelegramConfig, {"token": "1:x", "mode": "webhook", "public_url": "https://x.org",
                                  "secret_token": "has spaces!"}, WHERE)
    assert "has spaces" not in str(info.value)
    config = validate(TelegramConfig, {"token": "1:x", "mode": "webhook", "public_url": "https://x.org/",
                                       "url_path": "/hook"}, WHERE)
    assert config.webhook_url == "https://x.org/hook"


def test_typos_are_caught() -> None:
    with pytest.raises(ConfigError, match='did you mean "chat_member"'):
        validate(TelegramConfig, {"token": "1:x", "allowed_updates": ["chat_members"]}, WHERE)
    with pytest.raises(ConfigError, match="'polling', 'webhook'"):
        validate(TelegramConfig, {"token": "1:x", "mode": "poll"}, WHERE)
    with pytest.raises(ConfigError, match='did you mean "base_url"'):
        validate(TelegramConfig, {"token": "1:x", "base_ur": "http://127.0.0.1"}, WHERE)


def test_package_config_and_capabilities_do_not_import_telegram() -> None:
    code = ("import sys, adapters.telegram, adapters.telegram.capabilities, adapters.telegram.config; "
            "assert 'telegram' not in sys.modules, 'telegram was imported'; "
            "print(adapters.telegram.capabilities.CAPABILITIES.platform)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "telegram"
