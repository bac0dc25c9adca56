"""Real-shaped Bot API update payloads for the tests."""

from __future__ import annotations

import itertools
import time
from typing import Any

GROUP_ID = -1001234567890
_message_ids = itertools.count(500)

ALICE = {"id": 111, "is_bot": False, "first_name": "Alice", "last_name": "Mwangi", "username": "alice_mw",
         "language_code": "en"}
BOB = {"id": 222, "is_bot": False, "first_name": "Bob"}


def group(chat_id: int = GROUP_ID, *, forum: bool = False) -> dict[str, Any]:
    return {"id": chat_id, "type": "supergroup", "title": "Midwives cohort 3", **({"is_forum": True} if forum else {})}


def private(user: dict[str, Any]) -> dict[str, Any]:
    return {"id": user["id"], "type": "private", "first_name": user["first_name"]}


def message(text: str | None = "hello", *, chat: dict[str, Any] | None = None, sender: dict[str, Any] = ALICE,
            **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"message_id": next(_message_ids), "date": int(time.time()),
                           "chat": chat or group(), "from": sender}
    if text is not None:
        out["text"] = text
    out.update(extra)
    return out


def member(user: dict[str, Any], status: str, **extra: Any) -> dict[str, Any]:
    return {"user": user, "status": status, **extra}


def member_update(user: dict[str, Any], old: str, new: str, **extra: Any) -> dict[str, Any]:
    return {"chat": group(), "from": user, "date": int(time.time()),
            "old_chat_member": member(user, old), "new_chat_member": member(user, new), **extra}


def admin(user: dict[str, Any]) -> dict[str, Any]:
    flags = ("can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
             "can_restrict_members", "can_promote_members", "can_change_info", "can_invite_users",
             "can_post_stories", "can_edit_stories", "can_delete_stories")
    return {"user": user, "status": "administrator", **{f: f != "can_be_edited" and f != "is_anonymous" for f in flags}}
