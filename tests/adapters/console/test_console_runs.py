"""Console message ids never repeat across runs on one database: a reply lands on the message replied to."""

from __future__ import annotations

import subprocess
import textwrap

from tests.core.test_config_and_cli import PRACTICA, ROOT


def _console(config, lines_before_reply: str, after: str) -> str:
    """Run the console bot; send `lines_before_reply`, wait for the bot's answer, then send `after`."""
    process = subprocess.Popen([*PRACTICA, "run", "--config", str(config)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, cwd=ROOT)
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(lines_before_reply)
    process.stdin.flush()
    first = process.stdout.readline()  # the bot answered: "^" now refers to its message
    process.stdin.write(after)
    process.stdin.close()
    rest = process.stdout.read()
    assert process.wait(timeout=60) == 0, process.stderr.read() if process.stderr else ""
    return first + rest


def _config(tmp_path, locale: str):
    path = tmp_path / "plugins.toml"
    path.write_text(textwrap.dedent(f"""
        [adapters.console]
        [communities.cohort7]
        chats = ["console:group"]
        locale = "{locale}"
    """), encoding="utf-8")
    return path


def test_a_reply_after_a_restart_does_not_vote_in_an_old_poll(tmp_path):
    config = _config(tmp_path, "en")
    first_run = _console(config, "amina> /poll Best cord clamping time? | 1 min | 3 min\n", "")
    assert "Poll #1: Best cord clamping time?" in first_run
    second_run = _console(config, "amina> /whoami\n", "bekele> ^ 2\nbekele> /results 1\n")
    assert "community cohort7" in second_run
    assert "Vote recorded" not in second_run  # bekele answered the /whoami reply, not the poll
    assert "0 votes" in second_run


def test_a_reply_after_a_restart_does_not_vote_in_an_old_poll_in_french(tmp_path):
    config = _config(tmp_path, "fr")
    _console(config, "amina> /poll Quand clamper le cordon ? | 1 min | 3 min\n", "")
    second_run = _console(config, "amina> /whoami\n", "bekele> ^ 2\nbekele> /results 1\n")
    assert "cohort7" in second_run
    assert "Vote enregistré" not in second_run and "0 vote" in second_run
    third_run = _console(config, "amina> /poll Clampage tardif ? | Oui | Non\n", "bekele> ^ 2\nbekele> /results 2\n")
    assert "Vote enregistré" in third_run and "1 vote" in third_run  # a reply to this run's poll still votes
