"""What an operator sees: `practica check`, config mistakes, plugin load problems, the console run."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from core import ConfigError, PluginLoadError, hookimpl
from core.config import load_config, parse_config
from core.plugins import load_plugins

ROOT = Path(__file__).resolve().parents[2]
PRACTICA = [sys.executable, "-m", "core.cli"]


def run_cli(*args: str, stdin: str = "", env: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PRACTICA, *args], input=stdin, capture_output=True, text=True, timeout=60, cwd=cwd,
                          env={**os.environ, **(env or {})})


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "plugins.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_check_accepts_the_default_config_and_lists_adapters_and_commands():
    result = run_cli("check", "--config", str(ROOT / "plugins.toml"))
    assert result.returncode == 0, result.stderr
    assert "console: text<=4096" in result.stdout
    assert "essentials (built-in): /community /dashboard /forgetme /help /lang /link /mydata /plugins /unlink /whoami" in result.stdout


def test_check_names_a_misspelt_key_and_the_intended_one(tmp_path):
    path = write(tmp_path, """
        [practica]
        prefx = "!"
        [adapters.console]
    """)
    result = run_cli("check", "--config", str(path))
    assert result.returncode == 1
    assert f"{path} [practica]: unknown key 'prefx' (did you mean \"prefix\"?)" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["check", "run"])
def test_several_workers_on_a_sqlite_file_is_refused_with_the_fix(tmp_path, command):
    path = write(tmp_path, """
        [practica]
        several_workers = true
        [adapters.console]
    """)
    result = run_cli(command, "--config", str(path), stdin="/help\n")
    assert result.returncode == 1
    assert "key 'several_workers' needs a PostgreSQL database" in result.stderr
    assert "practica migrate" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""  # nothing was answered: the bot did not start on a shared SQLite file


def test_check_names_a_misspelt_plugin_setting(tmp_path):
    path = write(tmp_path, """
        [adapters.console]
        membr = "amina"
    """)
    result = run_cli("check", "--config", str(path))
    assert result.returncode == 1
    assert "[adapters.console]: unknown key 'membr' (did you mean \"member\"?)" in result.stderr


def test_missing_env_secret_names_the_variable(tmp_path):
    path = write(tmp_path, """
        [adapters.telegram]
        token = { "$env" = "PRACTICA_TEST_NO_SUCH_TOKEN" }
    """)
    result = run_cli("check", "--config", str(path), env={"PRACTICA_TEST_NO_SUCH_TOKEN": ""})
    assert result.returncode == 1
    assert "PRACTICA_TEST_NO_SUCH_TOKEN is not set" in result.stderr


def test_missing_token_says_how_to_write_it(tmp_path):
    path = write(tmp_path, """
        [adapters.telegram]
    """)
    result = run_cli("check", "--config", str(path))
    assert result.returncode == 1
    assert "[adapters.telegram]: missing required key 'token'." in result.stderr
    assert 'token = { "$env" = "VARIABLE_NAME" }' in result.stderr


def test_secret_values_never_appear_in_check_output(tmp_path):
    path = write(tmp_path, """
        [adapters.console]
        [adapters.telegram]
        token = { "$env" = "PRACTICA_TEST_TOKEN" }
    """)
    result = run_cli("check", "--config", str(path), env={"PRACTICA_TEST_TOKEN": "123456:very-secret-value"})
    assert "very-secret-value" not in result.stdout + result.stderr


@pytest.mark.parametrize("raw, message", [
    ({"practica": {"hook_timeout": "fast"}}, "[practica] key 'hook_timeout': expected float, got str 'fast'."),
    ({"communities": {"c": {"timezone": "Mars/Olympus"}}}, "unknown time zone 'Mars/Olympus'"),
    ({"communities": {"c": {"moderators": ["amina"]}}}, "'amina' should be written platform:id"),
    ({"plugins": {"essential": {}}}, "no plugin named 'essential' (did you mean \"essentials\"?)"),
    ({"adapter": {}}, "unknown table [adapter] (did you mean \"adapters\"?)"),
    ({"communities": {"a": {"chats": ["console:g"]}, "b": {"chats": ["console:g"]}}}, "already in community 'a'"),
])
def test_config_mistakes_are_explained(tmp_path, raw, message):
    with pytest.raises(ConfigError) as error:
        config = parse_config(raw, tmp_path / "plugins.toml")
        load_plugins(config)
    assert message in str(error.value)


def test_invalid_toml_is_reported_with_the_file(tmp_path):
    path = write(tmp_path, "[practica\n")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(path) in str(error.value) and "not valid TOML" in str(error.value)


class WrongColour:
    @hookimpl
    def practica_on_message(self, event, ctx):  # must be async
        return None


class UnknownHook:
    @hookimpl
    async def practica_on_mesage(self, event, ctx):
        return None


def test_plugin_problems_stop_the_start_with_one_sentence_each(tmp_path):
    config = parse_config({}, tmp_path / "plugins.toml")
    with pytest.raises(PluginLoadError) as error:
        load_plugins(config, extra={"wrong": WrongColour()}, only=set())
    assert "plugin 'wrong': practica_on_message must be 'async def'" in str(error.value)
    with pytest.raises(PluginLoadError) as error:
        load_plugins(config, extra={"typo": UnknownHook()}, only=set())
    assert "plugin 'typo'" in str(error.value) and "practica_on_mesage" in str(error.value)


def test_console_run_prints_help_and_exits_zero(tmp_path):
    path = write(tmp_path, """
        [adapters.console]
    """)
    result = run_cli("run", "--config", str(path), stdin="/help\n/help whoami\namina> /whoami\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "bot> Commands you can use:"
    assert "bot> • essentials: /community /dashboard /forgetme /help /lang /link /mydata /plugins /unlink /whoami" in lines
    assert "bot> /whoami — Show who the bot thinks you are and your role." in lines
    assert "bot> You are amina (console:amina), member in the community default. Language: English." in lines
    assert (tmp_path / "practica.db").exists()


def test_console_roles_come_from_the_community_config(tmp_path):
    path = write(tmp_path, """
        [adapters.console]
        [communities.default]
        chats = ["console:group"]
        moderators = ["console:trainer"]
    """)
    result = run_cli("run", "--config", str(path), stdin="trainer> /whoami\n")
    assert "moderator" in result.stdout


def test_plugins_command_lists_builtins():
    result = run_cli("plugins", "--config", str(ROOT / "plugins.toml"))
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert any(line.startswith("essentials ") and "enabled" in line and "built-in" in line for line in lines)
    assert len(lines) == 6  # essentials and the five built-in plugins


def test_new_plugin_in_a_folder_of_its_own_passes_its_tests_with_the_installed_test_kit(tmp_path):
    """A contributor outside practica's repository: `practica new-plugin` writes into the current folder,
    plain `python -m pytest` runs the generated tests (no pytest settings there), and `practica run`
    answers the new command."""
    folder = tmp_path / "my-plugin"
    folder.mkdir()
    result = run_cli("new-plugin", "hello", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert (folder / "plugins" / "hello" / "__init__.py").is_file() and not (ROOT / "plugins" / "hello").exists()
    again = run_cli("new-plugin", "hello", cwd=folder)
    assert again.returncode == 1 and "already exists" in again.stderr
    tests = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider"], capture_output=True, text=True,
                           timeout=120, cwd=folder)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "5 passed" in tests.stdout and "warning" not in tests.stdout
    run = run_cli("run", stdin="/hello\n", cwd=folder)
    assert "Hello, you! (greeting number 1)" in run.stdout, run.stderr


def test_new_plugin_refuses_bad_names():
    result = run_cli("new-plugin", "Bad-Name")
    assert result.returncode == 1 and "lowercase" in result.stderr


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGINT"])
def test_signals_stop_a_running_bot_cleanly(tmp_path, signal_name):
    import signal
    import time

    path = write(tmp_path, "[adapters.console]")
    process = subprocess.Popen([*PRACTICA, "run", "--config", str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        process.stdin.write("/whoami\n")
        process.stdin.flush()
        assert process.stdout.readline().startswith("bot> You are you")  # running, stdin still open
        process.send_signal(getattr(signal, signal_name))
        started = time.monotonic()
        assert process.wait(timeout=10) == 0
        assert time.monotonic() - started < 5
        assert "Traceback" not in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()


def test_check_warns_about_one_setting_written_in_two_tables(tmp_path):
    path = write(tmp_path, """
        [adapters.discord]
        token = { "$env" = "DISCORD_BOT_TOKEN" }
        verified_role = "Verified"

        [plugins.moderation]
        verified_role = "Members"
    """)
    result = run_cli("check", "--config", str(path), env={"DISCORD_BOT_TOKEN": "x" * 30})
    assert result.returncode == 0, result.stderr
    assert ("warning: key 'verified_role' is set in [adapters.discord] and in [plugins.moderation] with different values"
            in result.stdout)
