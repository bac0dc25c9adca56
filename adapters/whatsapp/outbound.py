"""Outbound: core actions -> Cloud API `/messages` payloads (`plan`, pure; `template_message` builds the
out-of-window alternative), and a small typed layer over the Graph API with httpx that sends them,
uploads media files and answers a group's join requests.

The access token travels only in the Authorization header; the URLs hold the phone number id. A
log filter on httpx/httpcore replaces the token and app secret with `***` should a library ever
print them, even at DEBUG.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx

from adapters.whatsapp.errors import delivery_error
from core.errors import DeliveryError
from core.replies import Action, Button, DirectMessage, Reply, SendFile, SendPoll, UploadFile

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
LIBRARY_LOGGERS = ("httpx", "httpcore", "httpcore.http11", "httpcore.connection")
BODY_MAX = 1024  # interactive body and template parameter
BUTTON_TITLE_MAX = 20
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
MAX_REPLY_BUTTONS = 3
MAX_LIST_ROWS = 10
LIST_BUTTON = "Options"  # the same word in English and French


class _Redact(logging.Filter):
    def __init__(self, secrets: tuple[str, ...]) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = message
        for secret in self.secrets:
            redacted = redacted.replace(secret, "***")
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def protect_logs(*secrets: str) -> logging.Filter:
    """Put a redacting filter on the HTTP libraries' loggers; returns it (to remove it at stop)."""
    flt = _Redact(secrets)
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).addFilter(flt)
    return flt


def unprotect_logs(flt: logging.Filter) -> None:
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).removeFilter(flt)


class GraphClient:
    """The calls practica makes: POST /<phone_number_id>/messages and /<phone_number_id>/media, and
    GET/POST/DELETE /<group_id>/join_requests (the Groups API)."""

    def __init__(self, base_url: str, phone_number_id: str, token: str) -> None:
        self._root = base_url.rstrip("/")
        self._base = f"{self._root}/{phone_number_id}"
        self._http = httpx.AsyncClient(timeout=TIMEOUT, headers={"Authorization": f"Bearer {token}"})

    async def close(self) -> None:
        await self._http.aclose()

    async def send(self, payload: dict[str, Any], what: str) -> dict[str, Any]:
        """POST one message; raises DeliveryError (retry_after / permanent) on failure."""
        return await self._call(what, f"{self._base}/messages", json=payload)

    async def upload(self, name: str, content: bytes, mime: str, what: str) -> str:
        """Upload a media file; returns its media id."""
        answer = await self._call(what, f"{self._base}/media", data={"messaging_product": "whatsapp", "type": mime},
                                  files={"file": (name, content, mime)})
        media_id = answer.get("id")
        if not media_id:
            raise DeliveryError(f"{what}: WhatsApp answered the upload without a media id")
        return str(media_id)

    async def join_request_of(self, group_id: str, wa_id: str, what: str) -> str | None:
        """The id of `wa_id`'s open request to join `group_id`, or None (withdrawn, or answered already)."""
        url: str | None = f"{self._root}/{group_id}/join_requests"
        while url:
            answer = await self._call(what, url, method="GET")
            for request in answer.get("data") or []:
                if isinstance(request, dict) and str(request.get("wa_id")) == wa_id and request.get("join_request_id"):
                    return str(request["join_request_id"])
            url = ((answer.get("paging") or {}).get("next")) or None
        return None

    async def answer_join_request(self, group_id: str, request_id: str, approve: bool, what: str) -> None:
        """Approve (POST) or reject (DELETE) one join request; raises DeliveryError when WhatsApp refuses it."""
        body = {"messaging_product": "whatsapp", "join_requests": [request_id]}
        answer = await self._call(what, f"{self._root}/{group_id}/join_requests", method="POST" if approve else "DELETE",
                                  json=body)
        failed = answer.get("failed_join_requests") or []
        if failed:
            codes = [e.get("code") for f in failed if isinstance(f, dict) for e in f.get("errors") or [] if isinstance(e, dict)]
            raise DeliveryError(f"{what}: WhatsApp refused the join request answer ({', '.join(map(str, codes)) or 'no code'})",
                                permanent=True)

    async def _call(self, what: str, url: str, method: str = "POST", **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self._http.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            raise DeliveryError(f"{what}: WhatsApp did not answer in time") from exc
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{what}: network problem talking to WhatsApp ({type(exc).__name__})") from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400 or not isinstance(body, dict) or "error" in body:
            raise delivery_error(response.status_code, body, what, response.headers.get("retry-after"))
        return body


def recipient(action: Action) -> tuple[str, str, bool]:
    """(recipient_type, to, is_direct) of an action."""
    chat = getattr(action, "chat", None)
    if chat is not None:
        return ("individual", chat.id, True) if chat.is_direct else ("group", chat.id, False)
    user = getattr(action, "user", None)
    if user is None:
        raise DeliveryError(f"{type(action).__name__} has no recipient", permanent=True)
    return "individual", user.id, True


def _envelope(action: Action, kind: str, body: dict[str, Any], reply_to: str | None = None) -> dict[str, Any]:
    rtype, to, _ = recipient(action)
    payload: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": rtype, "to": to, "type": kind, kind: body}
    if reply_to:
        payload["context"] = {"message_id": reply_to}
    return payload


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def numbered(text: str, buttons: list[Button]) -> str:
    """Buttons written as numbered lines under the text (groups have no interactive messages)."""
    lines = [f"{i}. {b.label}" for i, b in enumerate(buttons, 1)]
    return "\n".join([text, "", *lines]) if text else "\n".join(lines)


def interactive(text: str, buttons: list[Button]) -> dict[str, Any]:
    """Up to 3 short buttons as reply buttons, otherwise a list of up to 10 rows."""
    body = {"text": _cut(text, BODY_MAX) or "…"}
    if len(buttons) <= MAX_REPLY_BUTTONS and all(len(b.label) <= BUTTON_TITLE_MAX for b in buttons):
        return {"type": "button", "body": body, "action": {"buttons": [
            {"type": "reply", "reply": {"id": b.data, "title": b.label}} for b in buttons]}}
    rows = []
    for b in buttons[:MAX_LIST_ROWS]:
        row: dict[str, Any] = {"id": b.data[:200], "title": _cut(b.label, ROW_TITLE_MAX)}
        if len(b.label) > ROW_TITLE_MAX:
            row["description"] = _cut(b.label, ROW_DESCRIPTION_MAX)
        rows.append(row)
    return {"type": "list", "body": body, "action": {"button": LIST_BUTTON, "sections": [{"title": LIST_BUTTON, "rows": rows}]}}


def text_messages(action: Action, text: str, buttons: list[Button], reply_to: str | None) -> list[dict[str, Any]]:
    """A text (with buttons as an interactive message in one-to-one chats, as numbered lines in groups)."""
    _, _, direct = recipient(action)
    if not buttons or not direct:
        body = numbered(text, buttons) if buttons else text
        return [_envelope(action, "text", {"body": body, "preview_url": False}, reply_to)]
    if len(text) > BODY_MAX:  # the interactive body is shorter than a text: the text first, then the choice
        return [_envelope(action, "text", {"body": text, "preview_url": False}, reply_to),
                _envelope(action, "interactive", interactive("…", buttons))]
    return [_envelope(action, "interactive", interactive(text, buttons), reply_to)]


def document(action: Action, *, media_id: str | None = None, link: str | None = None, caption: str = "",
             filename: str | None = None, reply_to: str | None = None) -> dict[str, Any]:
    """A document message by uploaded media id or by https link."""
    body: dict[str, Any] = {"id": media_id} if media_id else {"link": link}
    if caption:
        body["caption"] = _cut(caption, BODY_MAX)
    if filename:
        body["filename"] = filename
    return _envelope(action, "document", body, reply_to)


def plan(action: Action) -> list[dict[str, Any]]:
    """The free-form `/messages` payloads of `action` (UploadFile needs an upload first: see the adapter).

    Raises:
        DeliveryError: permanent, for what WhatsApp cannot do (edits, deletes, pins, moderation).
    """
    flat = lambda rows: [b for row in rows for b in row]  # noqa: E731
    if isinstance(action, Reply):
        return text_messages(action, action.text, flat(action.buttons), action.reply_to)
    if isinstance(action, DirectMessage):
        return text_messages(action, action.text, flat(action.buttons), None)
    if isinstance(action, SendFile):
        ref = action.file_ref
        if ref.startswith(("https://", "http://")):
            return [document(action, link=ref, caption=action.caption, reply_to=action.reply_to)]
        return [document(action, media_id=ref, caption=action.caption, reply_to=action.reply_to)]
    if isinstance(action, SendPoll):  # not claimed (native_polls False); numbered text all the same
        text = numbered(action.poll.question, [Button(o, str(i)) for i, o in enumerate(action.poll.options)])
        return [_envelope(action, "text", {"body": text, "preview_url": False})]
    if isinstance(action, UploadFile):
        raise DeliveryError("UploadFile needs a media upload first", permanent=True)
    raise DeliveryError(f"WhatsApp cannot do {type(action).__name__}", permanent=True)


_SPACES = re.compile(r"\s*\n\s*|\t| {4,}")


def template_parameter(text: str) -> str:
    """Text usable as a template parameter: WhatsApp refuses newlines, tabs and 4+ spaces in one."""
    return _cut(_SPACES.sub(" · ", text.strip()), BODY_MAX)


def template_message(action: Action, name: str, language: str, text: str) -> dict[str, Any]:
    """The approved template `name` with `text` as its one body parameter (outside the 24 h window)."""
    return _envelope(action, "template", {"name": name, "language": {"code": language}, "components": [
        {"type": "body", "parameters": [{"type": "text", "text": template_parameter(text)}]}]})


def message_id_of(answer: Any) -> str | None:
    """The wamid of a `/messages` answer."""
    try:
        return str(answer["messages"][0]["id"])
    except (KeyError, IndexError, TypeError):
        return None
