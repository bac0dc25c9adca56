"""A small typed layer over the Graph API with httpx: send a message, upload a media file, answer a
group's join requests.

The access token travels only in the Authorization header; the URLs hold the phone number id. A
log filter on httpx/httpcore replaces the token and app secret with `***` should a library ever
print them, even at DEBUG.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from adapters.whatsapp.errors import delivery_error
from core.errors import DeliveryError

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
LIBRARY_LOGGERS = ("httpx", "httpcore", "httpcore.http11", "httpcore.connection")


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
