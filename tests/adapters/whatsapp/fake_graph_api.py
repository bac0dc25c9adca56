"""A small fake WhatsApp Cloud (Graph) API for the adapter tests (aiohttp, loopback, random port).

It answers `POST /<version>/<phone_number_id>/messages` and `/media` like the real API (a wamid per
message, a media id per upload) and a group's `/<group_id>/join_requests` (GET lists the open ones,
POST approves, DELETE rejects; `request_join` opens one), refuses a wrong bearer token with error 190, records every call,
and can be told to fail the next calls with an HTTP status and a Graph error code (429/130429...).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "EAAG-test-token-do-not-log"
PHONE_NUMBER_ID = "106540352242922"
VERSION = "v21.0"


@dataclass
class Call:
    """One recorded call: "messages" or "media", and its JSON (or form fields for uploads)."""

    kind: str
    body: dict[str, Any]
    ok: bool = True
    wamid: str = ""


@dataclass
class FakeGraphApi:
    """Use `async with FakeGraphApi() as api:` and `api.base_url`."""

    calls: list[Call] = field(default_factory=list)
    _failures: list[tuple[int, int, str]] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    join_requests: dict[str, dict[str, str]] = field(default_factory=dict)  # group id -> {request id: wa_id}
    _runner: web.AppRunner | None = None
    base_url: str = ""

    async def __aenter__(self) -> FakeGraphApi:
        app = web.Application()
        app.router.add_post(f"/{VERSION}/{{phone}}/messages", self._messages)
        app.router.add_post(f"/{VERSION}/{{phone}}/media", self._media)
        app.router.add_route("*", f"/{VERSION}/{{group}}/join_requests", self._join_requests)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}/{VERSION}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    def fail_next(self, status: int, code: int, title: str = "OAuthException", times: int = 1) -> None:
        """The next `times` calls answer HTTP `status` with Graph error `code`."""
        self._failures += [(status, code, title)] * times

    def sent(self, to: str | None = None, kind: str | None = None) -> list[dict[str, Any]]:
        """The messages that were accepted, optionally only those to `to` and of `type` `kind`."""
        return [c.body for c in self.calls if c.kind == "messages" and c.ok
                and (to is None or c.body.get("to") == to) and (kind is None or c.body.get("type") == kind)]

    def wamid_of(self, body: dict[str, Any]) -> str:
        """The message id the fake gave the accepted message `body`."""
        return next(c.wamid for c in self.calls if c.body is body)

    def texts(self, to: str) -> list[str]:
        """What `to` read: text bodies, interactive bodies and template parameters, in order."""
        out = []
        for body in self.sent(to):
            kind = body["type"]
            if kind == "text":
                out.append(body["text"]["body"])
            elif kind == "interactive":
                out.append(body["interactive"]["body"]["text"])
            elif kind == "template":
                out.append(body["template"]["components"][0]["parameters"][0]["text"])
        return out

    def request_join(self, group_id: str, wa_id: str) -> str:
        """`wa_id` asks to join `group_id` (approval required): the id WhatsApp gives the request."""
        request_id = f"jr{next(self._ids):06d}"
        self.join_requests.setdefault(group_id, {})[request_id] = wa_id
        return request_id

    def answered_joins(self) -> list[tuple[str, str, list[str]]]:
        """(method, group id, request ids) of every accepted approve (POST) or reject (DELETE)."""
        return [(c.body["method"], c.body["group"], c.body["join_requests"]) for c in self.calls
                if c.kind == "join_requests" and c.ok and c.body["method"] != "GET"]

    def _refusal(self, request: web.Request) -> web.Response | None:
        phone = request.match_info.get("phone", PHONE_NUMBER_ID)
        if request.headers.get("Authorization") != f"Bearer {TOKEN}" or phone != PHONE_NUMBER_ID:
            return self._error(401, 190, "Error validating access token: Session has expired.")
        if self._failures:
            status, code, title = self._failures.pop(0)
            return self._error(status, code, title)
        return None

    @staticmethod
    def _error(status: int, code: int, message: str) -> web.Response:
        return web.json_response({"error": {"message": f"(#{code}) {message}", "type": "OAuthException", "code": code,
                                            "error_data": {"messaging_product": "whatsapp", "details": message},
                                            "fbtrace_id": "AbCdEf123"}}, status=status)

    async def _messages(self, request: web.Request) -> web.Response:
        body = await request.json()
        refusal = self._refusal(request)
        self.calls.append(Call("messages", body, ok=refusal is None))
        if refusal is not None:
            return refusal
        wamid = f"wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI{next(self._ids):06d}"
        self.calls[-1].wamid = wamid
        answer: dict[str, Any] = {"messaging_product": "whatsapp",
                                  "contacts": [{"input": body.get("to"), "wa_id": body.get("to")}],
                                  "messages": [{"id": wamid}]}
        if body.get("type") == "template":
            answer["messages"][0]["message_status"] = "accepted"
        return web.json_response(answer)

    async def _media(self, request: web.Request) -> web.Response:
        form = await request.post()
        upload = form.get("file")
        fields = {k: v for k, v in form.items() if k != "file"}
        if upload is not None and hasattr(upload, "file"):
            fields["filename"] = upload.filename
            fields["content"] = upload.file.read()
        refusal = self._refusal(request)
        self.calls.append(Call("media", fields, ok=refusal is None))
        return refusal or web.json_response({"id": f"{next(self._ids) + 4490000000000000}"})

    async def _join_requests(self, request: web.Request) -> web.Response:
        group = request.match_info["group"]
        body = await request.json() if request.method != "GET" and request.can_read_body else {}
        refusal = self._refusal(request)
        self.calls.append(Call("join_requests", {"method": request.method, "group": group,
                                                 "join_requests": list(body.get("join_requests") or [])},
                               ok=refusal is None))
        if refusal is not None:
            return refusal
        open_ = self.join_requests.get(group, {})
        if request.method == "GET":
            return web.json_response({"data": [{"join_request_id": rid, "wa_id": wa, "creation_timestamp": 1749416383}
                                               for rid, wa in open_.items()], "paging": {"cursors": {}}})
        done, failed = [], []
        for rid in body.get("join_requests") or []:
            if open_.pop(rid, None) is None:
                failed.append({"join_request_id": rid, "errors": [{"code": 131009, "title": "Parameter value is not valid",
                                                                  "message": "Parameter value is not valid"}]})
            else:
                done.append(rid)
        key = "approved_join_requests" if request.method == "POST" else "rejected_join_requests"
        return web.json_response({"messaging_product": "whatsapp", key: done, "failed_join_requests": failed})
