"""A small fake Telegram Bot API server for the adapter tests (aiohttp, loopback, random port).

It answers `POST /bot<token>/<method>` with real-shaped JSON, records every call (method and
decoded parameters), serves getUpdates from a list the test fills (long-poll: waits briefly when
empty, honours `offset` like Telegram), and can be told to fail the next call of a method (an error
payload, a garbage body, or a dropped connection).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from telegram.request import HTTPXRequest

TOKEN = "123456:TEST-token-do-not-log"
BOT_ID = 4242
BOT_USERNAME = "practica_test_bot"
MAX_LONG_POLL = 0.5
TELEGRAM = "https://api.telegram.org/"


class RoutedRequest(HTTPXRequest):
    """PTB's own HTTP transport, sending what was meant for api.telegram.org to a local fake instead.

    Given to `TelegramAdapter(..., request=, get_updates_request=)`, it lets a test drive the adapter
    with the production configuration (no `base_url`): the calls still travel over real HTTP.
    """

    def __init__(self, root: str, **options: Any) -> None:
        super().__init__(**options)
        self._root = root

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        if url.startswith(TELEGRAM):
            url = self._root + url[len(TELEGRAM):]
        return await super().do_request(url, method, *args, **kwargs)


@dataclass
class Call:
    """One recorded API call."""

    method: str
    params: dict[str, Any]


@dataclass
class _Failure:
    status: int = 200
    payload: Any = None
    raw: bytes | None = None
    drop: bool = False


def _decode(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


@dataclass
class FakeBotApi:
    """The fake server. Use `async with FakeBotApi() as api:`, then `api.requests()` (injected transports)
    or `api.base_url` (the `base_url` of plugins.toml, for a `practica run`)."""

    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    answered: list[Call] = field(default_factory=list)  # the calls that succeeded (what members saw)
    admins: list[dict[str, Any]] = field(default_factory=list)
    admins_by_chat: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # per chat, else `admins`
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _failures: dict[str, list[_Failure]] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(100))
    _update_ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _runner: web.AppRunner | None = None
    _site: web.TCPSite | None = None
    port: int = 0
    outage: str | None = None  # "429", "5xx" or "hang": every call (getUpdates included) fails that way

    # ------------------------------------------------------------------ control from tests

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def requests(self) -> dict[str, RoutedRequest]:
        """The transports that connect a `TelegramAdapter` to this fake: `TelegramAdapter(config, host,
        **api.requests())`."""
        root = f"http://127.0.0.1:{self.port}/"
        return {"request": RoutedRequest(root, connection_pool_size=16, connect_timeout=5.0, read_timeout=10.0,
                                         write_timeout=10.0, pool_timeout=3.0),  # the adapter's own settings
                "get_updates_request": RoutedRequest(root, connection_pool_size=2, connect_timeout=5.0, read_timeout=5.0,
                                                     write_timeout=5.0, pool_timeout=1.0)}

    def push_update(self, **kinds: Any) -> int:
        """Queue an update (e.g. `message={...}`); returns its update_id."""
        update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, **kinds})
        self._changed.set()
        return update_id

    def push_raw(self, item: Any) -> None:
        """Queue anything as one element of the getUpdates result (malformed updates)."""
        self._updates.append(item)
        self._changed.set()

    def fail_next(self, method: str, *, status: int = 400, payload: Any = None, raw: bytes | None = None,
                  drop: bool = False) -> None:
        """Answer the next call of `method` with an error payload, a raw body or a dropped connection."""
        self._failures.setdefault(method, []).append(_Failure(status, payload, raw, drop))

    def rate_limit_next(self, method: str, seconds: int = 3) -> None:
        """Answer the next call of `method` with Telegram's 429."""
        self.fail_next(method, status=429, payload={
            "ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {seconds}",
            "parameters": {"retry_after": seconds}})

    def bad_request_next(self, method: str, description: str) -> None:
        self.fail_next(method, payload={"ok": False, "error_code": 400, "description": f"Bad Request: {description}"})

    def calls_of(self, method: str) -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method]

    async def wait_for_call(self, method: str, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.calls_of(method)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{method} was called {len(self.calls_of(method))} times, expected {count}; "
                                     f"calls: {[c.method for c in self.calls]}")
            await asyncio.sleep(0.01)
        return self.calls_of(method)

    async def refuse_connections(self) -> None:
        """Stop listening: connections are refused until `listen_again()` (same port)."""
        if self._site is not None:
            await self._site.stop()
            self._site = None

    async def listen_again(self) -> None:
        assert self._runner is not None
        self._site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await self._site.start()

    # ----------------------------------------------------------------------------- server

    async def __aenter__(self) -> FakeBotApi:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await self._site.start()
        self.port = self._site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._changed.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        form = await request.post() if request.can_read_body else {}
        params = {k: _decode(v) for k, v in form.items() if isinstance(v, str)}
        for k, v in form.items():  # uploaded files (multipart parts with a file name): name and bytes
            if not isinstance(v, str):
                params[k] = {"filename": v.filename, "content": v.file.read()}
        self.calls.append(Call(method, params))
        if self.outage == "hang":
            while self.outage == "hang":
                await asyncio.sleep(0.05)
            if request.transport is None or request.transport.is_closing():  # the client gave up waiting
                raise asyncio.CancelledError
        elif self.outage == "429":
            return web.json_response({"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 5",
                                      "parameters": {"retry_after": 5}}, status=429)
        elif self.outage == "5xx":
            return web.Response(body=b"<html>502 Bad Gateway</html>", status=502, content_type="text/html")
        queue = self._failures.get(method)
        if queue:
            failure = queue.pop(0)
            if failure.drop:
                assert request.transport is not None
                request.transport.close()
                raise asyncio.CancelledError
            if failure.raw is not None:
                return web.Response(body=failure.raw, status=failure.status, content_type="text/html")
            return web.json_response(failure.payload, status=failure.status)
        if method == "getUpdates":
            result: Any = await self._get_updates(params)
        else:
            result = self._answer(method, params)
        self.answered.append(Call(method, params))
        return web.json_response({"ok": True, "result": result})

    async def _get_updates(self, params: dict[str, Any]) -> list[Any]:
        offset = params.get("offset") or 0
        self._updates = [u for u in self._updates
                         if not (isinstance(u, dict) and isinstance(u.get("update_id"), int) and u["update_id"] < offset)]
        if not self._updates:
            self._changed.clear()
            wait = min(float(params.get("timeout") or 0), MAX_LONG_POLL)
            try:
                await asyncio.wait_for(self._changed.wait(), wait)
            except asyncio.TimeoutError:
                pass
        batch = list(self._updates)
        # Items without an update_id cannot be confirmed; serve them once (Telegram never sends them).
        self._updates = [u for u in self._updates if isinstance(u, dict) and isinstance(u.get("update_id"), int)]
        return batch

    # ----------------------------------------------------------------------------- answers

    def _message(self, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        chat = {"id": chat_id, "type": "private", "first_name": "Someone"} if chat_id > 0 else \
            {"id": chat_id, "type": "supergroup", "title": "Cohort"}
        message_id = int(params["message_id"]) if "message_id" in params else next(self._ids)
        return {"message_id": message_id, "date": int(time.time()), "chat": chat,
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Practica", "username": BOT_USERNAME}, **extra}

    def _poll(self, params: dict[str, Any], closed: bool = False) -> dict[str, Any]:
        options = params.get("options") or ["a", "b"]
        return {"id": f"poll-{params.get('message_id', next(self._ids))}", "question": params.get("question", "?"),
                "options": [{"text": o if isinstance(o, str) else o["text"], "voter_count": 0,
                             "persistent_id": str(i)} for i, o in enumerate(options)],
                "total_voter_count": 0, "is_closed": closed, "is_anonymous": bool(params.get("is_anonymous")),
                "type": params.get("type", "regular"), "allows_revoting": True, "members_only": False,
                "allows_multiple_answers": bool(params.get("allows_multiple_answers"))}

    def _answer(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {"id": BOT_ID, "is_bot": True, "first_name": "Practica", "username": BOT_USERNAME,
                    "can_join_groups": True, "can_read_all_group_messages": True, "supports_inline_queries": False}
        if method in ("sendMessage", "editMessageText"):
            return self._message(params, text=str(params.get("text", "")))
        if method == "sendDocument":
            document = params["document"]
            file_id = f"uploaded-{document['filename']}" if isinstance(document, dict) else str(document)
            return self._message(params, document={"file_id": file_id, "file_unique_id": "u1"})
        if method == "sendPoll":
            return self._message(params, poll=self._poll(params))
        if method == "stopPoll":
            return self._poll(params, closed=True)
        if method == "getChatAdministrators":
            return self.admins_by_chat.get(int(params.get("chat_id", 0)), self.admins)
        return True
