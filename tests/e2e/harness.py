"""A real `practica run` process against the local fake Telegram Bot API, for crash and outage tests.

The process is the one an operator starts (`python -m core.cli run --config plugins.toml`), with the
real python-telegram-bot adapter pointed at the fake server; tests kill it with real signals.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from tests.adapters.telegram.fake_bot_api import TOKEN, FakeBotApi

ROOT = Path(__file__).resolve().parents[2]
TOKEN_VARIABLE = "PRACTICA_E2E_TOKEN"


def user(n: int) -> dict[str, Any]:
    return {"id": 10_000 + n, "is_bot": False, "first_name": f"Member{n}", "username": f"member{n}"}


def group(n: int) -> dict[str, Any]:
    return {"id": -1_000_000_000_000 - n, "type": "supergroup", "title": f"Cohort group {n}"}


class BotProcess:
    """One bot: its folder (plugins.toml, database, log) and its current process."""

    def __init__(self, folder: Path, api: FakeBotApi, *, extra_toml: str = "", grace: float = 10.0,
                 database: str = "practica.db", practica_toml: str = "") -> None:
        self.folder = folder
        self.api = api
        self.config = folder / "plugins.toml"
        self.database = folder / "practica.db"
        self.log = folder / "practica.log"
        self.config.write_text(
            f'[practica]\ndatabase = "{database}"\nlog_level = "WARNING"\nshutdown_grace = {grace}\n{practica_toml}\n'
            f'[adapters.telegram]\ntoken = {{ "$env" = "{TOKEN_VARIABLE}" }}\nbase_url = "{api.base_url}"\n'
            f'poll_timeout = 1\n\n{extra_toml}\n', encoding="utf-8")
        self.process: asyncio.subprocess.Process | None = None
        self.kills = 0

    async def start(self, *, ready_timeout: float = 20.0, wait_polling: bool = True) -> None:
        """Start `practica run` and wait until it fetches updates (`wait_polling=False`: only spawn it;
        a worker sharing a PostgreSQL database may wait for another to stop polling)."""
        polls_before = len(self.api.calls_of("getUpdates"))
        env = {**os.environ, TOKEN_VARIABLE: TOKEN}
        with open(self.log, "ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "core.cli", "run", "--config", str(self.config), cwd=ROOT, env=env,
                stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log)
        if not wait_polling:
            return
        deadline = time.monotonic() + ready_timeout
        while len(self.api.calls_of("getUpdates")) <= polls_before:
            if self.process.returncode is not None:
                raise AssertionError(f"practica run exited with {self.process.returncode}:\n{self.log.read_text()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"practica run did not start polling:\n{self.log.read_text()}")
            await asyncio.sleep(0.02)

    async def kill(self) -> None:
        """SIGKILL: no cleanup of any kind runs."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        self.kills += 1

    async def terminate(self, timeout: float = 30.0) -> int:
        """SIGTERM and wait for the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), timeout)

    def cpu_seconds(self) -> float:
        """User + system CPU time the process has used so far (from /proc)."""
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def replies_by_message(api: FakeBotApi) -> Counter[tuple[int, int]]:
    """How many times each (chat, message) was answered with a quoting sendMessage."""
    out: Counter[tuple[int, int]] = Counter()
    for call in api.answered:
        if call.method != "sendMessage":
            continue
        params = call.params
        quoted = params.get("reply_parameters")
        if isinstance(quoted, dict) and "message_id" in quoted:
            out[(int(params["chat_id"]), int(quoted["message_id"]))] += 1
    return out


async def wait_until(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
