"""Inbound translation: WhatsApp Cloud API webhook JSON -> practica's core events (no I/O).

`read_webhook(payload)` turns one webhook POST body (Meta's `whatsapp_business_account`
envelope) into core events, each with its source id, plus the message statuses it reports.
Core actions -> `/messages` payloads are in `outbound.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from core.events import (
    Attachment, ButtonPressed, ChatRef, Event, JoinRequest, MemberJoined, MemberLeft, MessageEvent, ReactionAdded, ReplyTo, User,
)

PLATFORM = "whatsapp"
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
