"""A start that cannot succeed exits at once with one plain line; a second bot on one database is refused."""

from __future__ import annotations

import asyncio
import os
import socket
import sys

from tests.adapters.telegram.fake_bot_api import TOKEN
from tests.e2e.harness import ROOT, TOKEN_VARIABLE, BotProcess


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _practica(*args: str, cwd=ROOT, timeout: float = 30.0) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "core.cli", *args, cwd=cwd, env={**os.environ, TOKEN_VARIABLE: TOKEN},
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(process.communicate(), timeout)
    assert process.returncode is not None
    return process.returncode, out.decode()


def _config(folder, base_url: str, database: str = "practica.db") -> str:
    path = folder / "plugins.toml"
    path.write_text(f'[practica]\ndatabase = "{database}"\n\n[adapters.telegram]\n'
                    f'token = {{ "$env" = "{TOKEN_VARIABLE}" }}\nbase_url = "{base_url}"\n', encoding="utf-8")
    return str(path)


async def test_telegram_unreachable_exits_non_zero_with_one_line(tmp_path):
    config = _config(tmp_path, f"http://127.0.0.1:{_closed_port()}/bot")
    code, out = await _practica("run", "--config", config)
    assert code == 1
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot reach the Telegram Bot API" in lines[0], out
    assert "Traceback" not in out


async def test_a_file_that_is_not_a_database_is_named_and_the_bot_exits(api, tmp_path):
    (tmp_path / "notes.db").write_text("shopping list: gloves, cord clamps\n" * 100)
    config = _config(tmp_path, api.base_url, database="notes.db")
    code, out = await _practica("run", "--config", config)
    assert code == 1 and "Traceback" not in out
    assert [line for line in out.splitlines() if line.strip()] == [out.strip()]
    assert "notes.db" in out and "not a practica database" in out
    code, out = await _practica("check", "--config", config)  # check says so before any start
    assert code == 1 and "is not a SQLite database" in out
    assert (tmp_path / "notes.db").read_text().startswith("shopping list")  # untouched


async def test_a_second_instance_on_the_same_database_is_refused(api, tmp_path):
    bot = BotProcess(tmp_path, api)
    await bot.start()
    try:
        code, out = await _practica("run", "--config", str(bot.config))
        assert code == 1 and "Traceback" not in out
        assert "another practica is already running on" in out and f"pid {bot.process.pid}" in out
    finally:
        assert await bot.terminate() == 0
    # the lock dies with its process, even a killed one: a new start works at once
    await bot.start()
    await bot.kill()
    await bot.start()
    assert await bot.terminate() == 0


async def test_check_names_a_missing_database_folder(tmp_path):
    config = _config(tmp_path, "http://127.0.0.1:9/bot", database="missing/folder/practica.db")
    code, out = await _practica("check", "--config", config)
    assert code == 1 and "does not exist" in out and "Traceback" not in out
