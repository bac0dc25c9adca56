"""At log_level DEBUG the log shows what the bot does, never what members wrote (no SQL parameters)."""

from __future__ import annotations

import io
import logging
import textwrap

from core import SendPoll
from core.cli import setup_logging
from tests.core.test_config_and_cli import run_cli

BODY = "Zanzibar misoprostol dose question"


def test_console_run_at_debug_logs_no_message_body(tmp_path):
    path = tmp_path / "plugins.toml"
    path.write_text(textwrap.dedent("""
        [practica]
        log_level = "DEBUG"
        [adapters.console]
    """), encoding="utf-8")
    result = run_cli("run", "--config", str(path), stdin=f"zeinab> /poll {BODY}? | Yes | No\nzeinab> /results 1\n")
    assert result.returncode == 0, result.stderr
    assert f"bot> Poll #1: {BODY}?" in result.stdout  # the poll was created and stored
    assert " DEBUG " in result.stderr  # debug logging is really on
    assert BODY not in result.stderr and "Zanzibar" not in result.stderr


async def test_telegram_bot_at_debug_logs_no_message_body(make_bot):
    stream = io.StringIO()
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", "aiosqlite")}
    handler = setup_logging("DEBUG", stream)
    try:
        bot = await make_bot(platform="telegram", plugins={"polls"})
        await bot.send(f"/poll {BODY}? | Oui | Non", user="zeinab")
        await bot.send("/polls", user="zeinab")
        assert logging.getLogger("practica.plugins.polls").isEnabledFor(logging.DEBUG)
        assert [a.poll.question for a in bot.actions(SendPoll)] == [f"{BODY}?"]
    finally:
        root.removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
    log = stream.getvalue()
    assert "poll 1 created" in log  # the log is really written to
    assert BODY not in log and "Zanzibar" not in log
