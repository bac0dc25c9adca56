"""Webhook bodies shaped like the ones Meta documents for the Cloud API, and their signature."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any

from tests.adapters.whatsapp.fake_graph_api import PHONE_NUMBER_ID

APP_SECRET = "test-app-secret-do-not-log"
VERIFY_TOKEN = "test-verify-token"
DISPLAY_NUMBER = "15550783881"
WABA_ID = "102290129340398"
_ids = itertools.count(1)


def wamid() -> str:
    return f"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA{next(_ids):04d}"


def envelope(value: dict[str, Any], field: str = "messages") -> dict[str, Any]:
    """The `whatsapp_business_account` envelope around one change."""
    return {"object": "whatsapp_business_account", "entry": [{"id": WABA_ID, "changes": [{
        "value": {"messaging_product": "whatsapp",
                  "metadata": {"display_phone_number": DISPLAY_NUMBER, "phone_number_id": PHONE_NUMBER_ID}, **value},
        "field": field}]}]}


def inbound(wa_id: str, name: str, kind: str, content: dict[str, Any], *, group_id: str | None = None,
            context: dict[str, Any] | None = None, message_id: str | None = None, at: float | None = None) -> dict[str, Any]:
    """A `messages` webhook with one message from `wa_id`."""
    message: dict[str, Any] = {"from": wa_id, "id": message_id or wamid(), "timestamp": str(int(at or time.time())),
                               "type": kind, kind: content}
    if group_id:
        message["group_id"] = group_id
    if context:
        message["context"] = context
    return envelope({"contacts": [{"profile": {"name": name}, "wa_id": wa_id}], "messages": [message]})


def text(wa_id: str, name: str, body: str, **kw: Any) -> dict[str, Any]:
    return inbound(wa_id, name, "text", {"body": body}, **kw)


def button_reply(wa_id: str, name: str, reply_id: str, title: str, to_message: str) -> dict[str, Any]:
    return inbound(wa_id, name, "interactive", {"type": "button_reply", "button_reply": {"id": reply_id, "title": title}},
                   context={"from": DISPLAY_NUMBER, "id": to_message})


def list_reply(wa_id: str, name: str, row_id: str, title: str, to_message: str) -> dict[str, Any]:
    return inbound(wa_id, name, "interactive", {"type": "list_reply", "list_reply": {"id": row_id, "title": title}},
                   context={"from": DISPLAY_NUMBER, "id": to_message})


def status(message_id: str, recipient: str, state: str, code: int | None = None, *, group: bool = False) -> dict[str, Any]:
    """A `statuses` webhook as Meta sends it (pywa's recorded payloads; Meta's group messaging page for
    groups: `recipient_id` is the group id and `recipient_type` is "group", without pricing)."""
    entry: dict[str, Any] = {"id": message_id, "status": state, "timestamp": str(int(time.time())), "recipient_id": recipient}
    if group:
        entry["recipient_type"] = "group"
    elif state != "failed":
        entry["conversation"] = {"id": "7270432eae37498234f4444b35ffc5", "origin": {"type": "service"}}
        entry["pricing"] = {"billable": True, "pricing_model": "CBP", "category": "service"}
    if code is not None:
        entry["errors"] = [{"code": code, "title": "Message undeliverable", "message": "Message undeliverable",
                            "error_data": {"details": "Message Undeliverable."},
                            "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}]
    return envelope({"statuses": [entry]})


def join_request(group_id: str, wa_id: str, request_id: str, *, revoked: bool = False) -> dict[str, Any]:
    """A `group_participants_update` webhook: `wa_id` asks to join a group that needs approval (or
    withdraws the request), as Meta's "Webhooks for Groups API" page shows it (the `groups` array)."""
    return envelope({"groups": [{"timestamp": str(int(time.time())), "group_id": group_id,
                                 "type": "group_join_request_revoked" if revoked else "group_join_request_created",
                                 "join_request_id": request_id, "wa_id": wa_id}]}, field="group_participants_update")


def signed(payload: dict[str, Any], secret: str = APP_SECRET) -> tuple[bytes, dict[str, str]]:
    """The body and the headers Meta sends with it (X-Hub-Signature-256)."""
    body = json.dumps(payload).encode()
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={digest}"}
