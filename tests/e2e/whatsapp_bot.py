"""A real `practica run` process with the WhatsApp adapter, against the local fake Graph API.

The bot listens for webhooks on a loopback port; tests POST signed webhook bodies to it exactly as
Meta would, and read what members received from the fake Graph API's records.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

from tests.e2e.harness import wait_until  # noqa: F401 - the tests import it from here

import aiohttp

from tests.adapters.whatsapp.fake_graph_api import PHONE_NUMBER_ID, TOKEN, FakeGraphApi
from tests.adapters.whatsapp.payloads import APP_SECRET, VERIFY_TOKEN, signed
from tests.e2e.harness import ROOT

ENV = {"PRACTICA_WA_TOKEN": TOKEN, "PRACTICA_WA_SECRET": APP_SECRET, "PRACTICA_WA_VERIFY": VERIFY_TOKEN}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WhatsAppBot:
    """One bot folder (plugins.toml, database, log) and its `practica run` process."""

    def __init__(self, folder: Path, api: FakeGraphApi, *, extra_toml: str = "", outside_window: str = "template") -> None:
        self.folder, self.api = folder, api
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/whatsapp"
        self.log = folder / "practica.log"
        self.config = folder / "plugins.toml"
        self.config.write_text(
            '[practica]\ndatabase = "practica.db"\nlog_level = "DEBUG"\nshutdown_grace = 5\n\n'
            f'[adapters.whatsapp]\nphone_number_id = "{PHONE_NUMBER_ID}"\n'
            'token = { "$env" = "PRACTICA_WA_TOKEN" }\napp_secret = { "$env" = "PRACTICA_WA_SECRET" }\n'
            'verify_token = { "$env" = "PRACTICA_WA_VERIFY" }\n'
            f'webhook_port = {self.port}\napi_base_url = "{api.base_url}"\n'
            f'reminder_template = "homework_reminder"\noutside_window = "{outside_window}"\n\n{extra_toml}\n',
            encoding="utf-8")
        self.process: asyncio.subprocess.Process | None = None
        self.http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> WhatsAppBot:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.http is not None:
            await self.http.close()
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(self.process.wait(), 30)

    async def start(self, ready_timeout: float = 20.0) -> None:
        """Start `practica run` and wait until the webhook handshake answers."""
        with open(self.log, "ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "core.cli", "run", "--config", str(self.config), cwd=ROOT,
                env={**os.environ, **ENV}, stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log)
        self.http = self.http or aiohttp.ClientSession()
        deadline = time.monotonic() + ready_timeout
        while True:
            if self.process.returncode is not None:
                raise AssertionError(f"practica run exited with {self.process.returncode}:\n{self.log.read_text()}")
            try:
                status, _ = await self.handshake(VERIFY_TOKEN, "ready")
                if status == 200:
                    return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"practica run did not listen:\n{self.log.read_text()}")
            await asyncio.sleep(0.05)

    async def handshake(self, token: str, challenge: str) -> tuple[int, str]:
        assert self.http is not None
        params = {"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": challenge}
        async with self.http.get(self.url, params=params) as response:
            return response.status, await response.text()

    async def post(self, payload: dict[str, Any], *, secret: str = APP_SECRET, signature: str | None = "ok") -> int:
        """POST a webhook body signed with `secret` (signature=None: no signature header at all)."""
        assert self.http is not None
        body, headers = signed(payload, secret)
        if signature is None:
            del headers["X-Hub-Signature-256"]
        async with self.http.post(self.url, data=body, headers=headers) as response:
            return response.status

    def db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.folder / "whatsapp.db")

    def main_db(self) -> sqlite3.Connection:
        """practica.db, read-only beside the running bot."""
        return sqlite3.connect(f"file:{self.folder / 'practica.db'}?mode=ro", uri=True)

