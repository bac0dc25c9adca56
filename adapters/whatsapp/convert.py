"""Pure translation between WhatsApp Cloud API JSON and practica's core types (no I/O).

Inbound: `read_webhook(payload)` turns one webhook POST body (Meta's `whatsapp_business_account`
envelope) into core events, each with its source id, plus the message statuses it reports.
Outbound: `plan(action)` turns one core action into the `/messages` payloads that carry it out
(free-form; `template_message` builds the out-of-window alternative).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from core.errors import DeliveryError
from core.events import (
    Attachment, ButtonPressed, ChatRef, Event, JoinRequest, MemberJoined, MemberLeft, MessageEvent, ReactionAdded, ReplyTo, User,
)
from core.replies import Action, Button, DirectMessage, Reply, SendFile, SendPoll, UploadFile

PLATFORM = "whatsapp"
BODY_MAX = 1024  # interactive body and template parameter
BUTTON_TITLE_MAX = 20
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
MAX_REPLY_BUTTONS = 3
MAX_LIST_ROWS = 10
LIST_BUTTON = "Options"  # the same word in English and French
_MEDIA = {"document": "document", "image": "photo", "audio": "audio", "video": "video", "sticker": "other"}

# ---------------------------------------------------------------------------------------- inbound


@dataclass(frozen=True, slots=True)
class Status:
    """A delivery status of a message the bot sent: sent, delivered, read or failed (with codes)."""

    message_id: str
    status: str
    recipient: str
    error_codes: tuple[int, ...] = ()
    error: str = ""  # "WhatsApp error 131026 (Message undeliverable)": code and Meta's title, never details



@dataclass
class Webhook:
    """What one webhook POST carries."""

    events: list[tuple[str, Event]] = field(default_factory=list)  # (source, event)
    statuses: list[Status] = field(default_factory=list)
    writers: dict[str, datetime] = field(default_factory=dict)  # wa_id -> time of their latest message


def _when(value: Any) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), timezone.utc)
    except (TypeError, ValueError, OverflowError):
        return datetime.now(timezone.utc)


def user_of(wa_id: str, names: dict[str, str]) -> User:
    """A core User: `whatsapp:<wa_id>`, named by the profile name WhatsApp sent, else the number."""
    return User(platform=PLATFORM, id=wa_id, name=names.get(wa_id) or f"+{wa_id}")


def direct_chat(wa_id: str) -> ChatRef:
    return ChatRef(platform=PLATFORM, id=wa_id, kind="direct")


def group_chat(group_id: str) -> ChatRef:
    return ChatRef(platform=PLATFORM, id=group_id, kind="group")


def _attachment(kind: str, media: dict[str, Any]) -> Attachment:
    return Attachment(_MEDIA[kind], str(media.get("id", "")), name=media.get("filename"),  # type: ignore[arg-type]
                      mime=media.get("mime_type"))


def message_event(message: dict[str, Any], names: dict[str, str]) -> Event | None:
    """The core event of one entry of `value.messages`, or None for types practica does not use."""
    sender = str(message["from"])
    author = user_of(sender, names)
    chat = group_chat(str(message["group_id"])) if message.get("group_id") else direct_chat(sender)
    mid, kind, when = str(message["id"]), message.get("type"), _when(message.get("timestamp"))
    context = message.get("context") or {}
    if kind == "interactive":
        interactive = message.get("interactive") or {}
        picked = interactive.get("button_reply") or interactive.get("list_reply")
        if not picked:
            return None
        return ButtonPressed(chat=chat, user=author, message_id=str(context.get("id", "")), data=str(picked["id"]),
                             timestamp=when, interaction_id=mid)
    if kind == "button":  # a template's quick-reply button
        button = message.get("button") or {}
        return ButtonPressed(chat=chat, user=author, message_id=str(context.get("id", "")),
                             data=str(button.get("payload") or button.get("text") or ""), timestamp=when,
                             interaction_id=mid)
    if kind == "reaction":
        reaction = message.get("reaction") or {}
        if not reaction.get("emoji"):
            return None  # a removed reaction
        return ReactionAdded(chat=chat, user=author, message_id=str(reaction.get("message_id", "")),
                             emoji=str(reaction["emoji"]), timestamp=when)
    attachments: tuple[Attachment, ...] = ()
    if kind == "text":
        text = str((message.get("text") or {}).get("body", ""))
    elif kind in _MEDIA:
        media = message.get(kind) or {}
        text = str(media.get("caption", ""))
        attachments = (_attachment("audio" if kind == "audio" and not media.get("voice") else kind, media),)
        if kind == "audio" and media.get("voice"):
            attachments = (Attachment("voice", str(media.get("id", "")), mime=media.get("mime_type")),)
    else:
        return None  # location, contacts, system, unsupported
    reply_to = None
    if context.get("id"):
        quoted = context.get("from")
        reply_to = ReplyTo(message_id=str(context["id"]), author=user_of(str(quoted), names) if quoted else None)
    return MessageEvent(id=mid, chat=chat, author=author, text=text, timestamp=when, attachments=attachments,
                        reply_to=reply_to)


def _participants(group: dict[str, Any], key: str) -> list[str]:
    return [str(p.get("wa_id") or p.get("input") or "") for p in group.get(key) or [] if isinstance(p, dict)]


def group_events(group: dict[str, Any], names: dict[str, str]) -> list[Event]:
    """MemberJoined/MemberLeft of one Groups API participants update; JoinRequest when someone asks to
    join a group that needs approval (`group_join_request_created`; a withdrawn request needs nothing:
    answering it later finds no open request)."""
    chat, when = group_chat(str(group["group_id"])), _when(group.get("timestamp"))
    kind = str(group.get("type") or "")
    if kind.startswith("group_join_request"):
        wa_id = str(group.get("wa_id") or "")
        if kind != "group_join_request_created" or not wa_id:
            return []
        return [JoinRequest(chat=chat, member=user_of(wa_id, names), timestamp=when)]
    out: list[Event] = [MemberJoined(chat=chat, member=user_of(w, names), timestamp=when)
                        for w in _participants(group, "added_participants") if w]
    out += [MemberLeft(chat=chat, member=user_of(w, names), timestamp=when)
            for w in _participants(group, "removed_participants") if w]
    return out


def status_of(status: dict[str, Any]) -> Status:
    """One entry of `value.statuses`: {"id": wamid, "status": "failed", "recipient_id": ..., "errors":
    [{"code": 131026, "title": ..., "message": ..., "error_data": {"details": ...}}]} (Meta's shape)."""
    errors = [e for e in status.get("errors") or [] if isinstance(e, dict)]
    codes = tuple(int(e["code"]) for e in errors if str(e.get("code", "")).isdigit())
    words = [f"WhatsApp error {e.get('code')}" + (f" ({str(e['title'])[:80]})" if e.get("title") else "") for e in errors]
    return Status(str(status["id"]), str(status["status"]), str(status.get("recipient_id", "")), codes, "; ".join(words))


def read_webhook(payload: dict[str, Any]) -> Webhook:
    """Everything a webhook body reports; malformed parts are skipped, never raised."""
    out = Webhook()
    if payload.get("object") != "whatsapp_business_account":
        return out
    for entry in payload.get("entry") or []:
        for change in (entry or {}).get("changes") or []:
            value = (change or {}).get("value") or {}
            names = {str(c.get("wa_id")): str((c.get("profile") or {}).get("name") or "")
                     for c in value.get("contacts") or [] if isinstance(c, dict)}
            for message in value.get("messages") or []:
                try:
                    event = message_event(message, names)
                except (KeyError, TypeError, ValueError):
                    continue
                sender = str(message.get("from"))
                if not message.get("group_id"):  # only a one-to-one message opens the member's window
                    out.writers[sender] = max(_when(message.get("timestamp")), out.writers.get(sender, _when(0)))
                if event is not None:
                    out.events.append((f"{PLATFORM}:{message['id']}", event))
            for group in value.get("groups") or []:
                try:
                    events = group_events(group, names)
                except (KeyError, TypeError):
                    continue
                marker = group.get("join_request_id") or group.get("request_id") or group.get("timestamp") or ""
                out.events += [(f"{PLATFORM}:group:{group['group_id']}:{marker}:{i}", e) for i, e in enumerate(events)]
            for status in value.get("statuses") or []:
                try:
                    out.statuses.append(status_of(status))
                except (KeyError, TypeError, ValueError, AttributeError):
                    continue
    return out


# --------------------------------------------------------------------------------------- outbound


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
