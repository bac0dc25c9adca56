"""[adapters.whatsapp] validation, and `practica check` refusing a missing secret with the fix."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.whatsapp.config import WhatsAppConfig
from core.errors import ConfigError
from core.schema import validate

WHERE = "plugins.toml [adapters.whatsapp]"
ROOT = Path(__file__).resolve().parents[3]
BASE = {"phone_number_id": "123456789012345", "token": "t", "app_secret": "s", "verify_token": "v",
        "reminder_template": "homework_reminder"}


def test_defaults_and_secrets_from_the_environment(monkeypatch):
    monkeypatch.setenv("WHATSAPP_TOKEN", "EAAG-secret")
    config = validate(WhatsAppConfig, {**BASE, "token": {"$env": "WHATSAPP_TOKEN"}}, WHERE)
    assert config.token.reveal() == "EAAG-secret" and "EAAG-secret" not in repr(config)
    assert (config.webhook_host, config.webhook_port, config.webhook_path) == ("127.0.0.1", 8443, "/whatsapp")
    assert config.api_base_url.startswith("https://graph.facebook.com/") and config.outside_window == "template"


@pytest.mark.parametrize("change, message", [
    ({"phone_number_id": "+1 555 078 3881"}, "phone_number_id"),
    ({"webhook_path": "whatsapp"}, "must start with '/'"),
    ({"reminder_template": None}, "needs key 'reminder_template'"),
    ({"outside_window": "later"}, "outside_window"),
])
def test_mistakes_are_named(change, message):
    table = {k: v for k, v in {**BASE, **change}.items() if v is not None}
    with pytest.raises(ConfigError, match=message):
        validate(WhatsAppConfig, table, WHERE)


def test_wait_and_drop_need_no_template():
    table = {k: v for k, v in BASE.items() if k != "reminder_template"}
    assert validate(WhatsAppConfig, {**table, "outside_window": "wait"}, WHERE).reminder_template is None


def test_practica_check_refuses_a_missing_secret_and_says_how_to_set_it(tmp_path):
    config = tmp_path / "plugins.toml"
    config.write_text('[adapters.whatsapp]\nphone_number_id = "123456789012345"\n'
                      'token = { "$env" = "WHATSAPP_TOKEN" }\napp_secret = { "$env" = "WHATSAPP_APP_SECRET" }\n'
                      'verify_token = { "$env" = "WHATSAPP_VERIFY_TOKEN" }\nreminder_template = "homework_reminder"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("WHATSAPP_")}
    env["WHATSAPP_TOKEN"] = "EAAG-secret"
    result = subprocess.run([sys.executable, "-m", "core.cli", "check", "--config", str(config)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "[adapters.whatsapp]" in output and "WHATSAPP_APP_SECRET is not set" in output
    assert "export WHATSAPP_APP_SECRET=" in output and "Traceback" not in output
    env |= {"WHATSAPP_APP_SECRET": "s", "WHATSAPP_VERIFY_TOKEN": "v"}
    result = subprocess.run([sys.executable, "-m", "core.cli", "check", "--config", str(config)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "whatsapp: text<=4096" in result.stdout and "EAAG-secret" not in result.stdout
