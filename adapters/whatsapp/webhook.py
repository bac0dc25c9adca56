"""A minimal HTTP/1.1 server for Meta's webhook: the GET handshake and signed POSTs (no framework).

One request per connection (`Connection: close`); bodies up to 4 MiB. A POST is handed to the
adapter only when its X-Hub-Signature-256 is the HMAC-SHA256 of the exact body with the app
secret; otherwise it gets 401 and nothing happens. Run it behind a TLS proxy (Meta calls https).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

MAX_BODY = 4 * 1024 * 1024
MAX_HEAD = 16 * 1024
READ_TIMEOUT = 15.0
_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
            405: "Method Not Allowed", 413: "Payload Too Large", 503: "Service Unavailable"}

log = logging.getLogger("practica.adapters.whatsapp")

Handler = Callable[[dict[str, Any]], Awaitable[int]]


def signature_ok(app_secret: str, body: bytes, header: str | None) -> bool:
    """True when `header` is "sha256=<hex HMAC-SHA256 of body with app_secret>"."""
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[7:].strip().lower())


class WebhookServer:
    """Serves `path`: GET answers the subscription handshake, POST hands verified JSON to `handler`."""

    def __init__(self, host: str, port: int, path: str, *, verify_token: str, app_secret: str, handler: Handler) -> None:
        self.host, self.port, self.path = host, port, path
        self._verify_token, self._app_secret, self._handler = verify_token, app_secret, handler
        self._server: asyncio.Server | None = None
        self._busy: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port, limit=MAX_HEAD)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop accepting connections; let requests under way finish (up to `timeout`)."""
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._busy:
            await asyncio.wait(set(self._busy), timeout=timeout)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._busy.add(task)
        try:
            status, body = await asyncio.wait_for(self._request(reader), READ_TIMEOUT + 30)
        except (asyncio.TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, ConnectionError):
            status, body = 400, b""
        except Exception:  # noqa: BLE001 - a bug must answer 503 (Meta retries), never kill the server
            log.exception("webhook request failed")
            status, body = 503, b""
        try:
            writer.write(f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\nContent-Type: text/plain\r\n"
                         f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
            await writer.drain()
            writer.close()
            await writer.wait_closed()
        except (ConnectionError, OSError):
            pass
        finally:
            if task is not None:
                self._busy.discard(task)

    async def _request(self, reader: asyncio.StreamReader) -> tuple[int, bytes]:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), READ_TIMEOUT)
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        url = urlsplit(target)
        if url.path.rstrip("/") != self.path.rstrip("/"):
            return 404, b""
        if method == "GET":
            return self._handshake(parse_qs(url.query))
        if method != "POST":
            return 405, b""
        length = int(headers.get("content-length", "0"))
        if length > MAX_BODY:
            return 413, b""
        body = await asyncio.wait_for(reader.readexactly(length), READ_TIMEOUT)
        if not signature_ok(self._app_secret, body, headers.get("x-hub-signature-256")):
            log.warning("refused a webhook POST without a valid X-Hub-Signature-256 (check app_secret)")
            return 401, b""
        try:
            payload = json.loads(body)
        except ValueError:
            return 400, b""
        if not isinstance(payload, dict):
            return 400, b""
        return await self._handler(payload), b""

    def _handshake(self, query: dict[str, list[str]]) -> tuple[int, bytes]:
        mode = (query.get("hub.mode") or [""])[0]
        token = (query.get("hub.verify_token") or [""])[0]
        challenge = (query.get("hub.challenge") or [""])[0]
        if mode == "subscribe" and hmac.compare_digest(token.encode(), self._verify_token.encode()):
            log.info("webhook subscription verified")
            return 200, challenge.encode()
        log.warning("refused a webhook subscription: wrong verify_token")
        return 403, b""
