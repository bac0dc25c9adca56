"""Inbound translation: python-telegram-bot objects and Bot API JSON -> practica's core events (no I/O).

`update_to_events(update)` turns one PTB `Update` into zero or more core events;
`lean_update(data)` turns the Bot API JSON of the commonest update, a plain text message (with
its reply and mentions), into the same events without building PTB objects (PTB's `de_json`
costs more than everything else practica does with a message), and declines anything else.
Outbound (core actions -> Bot API calls) is in `outbound.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from telegram import (
    CallbackQuery,
    Chat,
    ChatMember,
    ChatMemberUpdated,
    Message,
    MessageReactionUpdated,
    Poll,
    ReactionTypeEmoji,
    Update,
)
from telegram import User as TgUser
from telegram.constants import ChatMemberStatus, ChatType, MessageEntityType

from core.events import (
    Attachment, ButtonPressed, ChatRef, Event, JoinRequest, MemberJoined, MemberLeft, MessageEdited,
    MessageEvent, PollUpdated, PollVote, ReactionAdded, ReplyTo, User,
)

PLATFORM = "telegram"
EXCERPT_LEN = 200
_MEMBER_STATUSES = (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)

# ---------------------------------------------------------------------------------------- inbound


def user_of(user: TgUser) -> User:
    """A core User from a Telegram user."""
    return User(platform=PLATFORM, id=str(user.id), name=user.full_name, handle=user.username,
                is_bot=bool(user.is_bot))


def chat_of(chat: Chat, thread_id: int | None = None) -> ChatRef:
    """A core ChatRef: private chats are "direct", groups and supergroups "group"."""
    kind = {ChatType.PRIVATE: "direct", ChatType.CHANNEL: "channel"}.get(chat.type, "group")
    return ChatRef(platform=PLATFORM, id=str(chat.id), kind=kind,  # type: ignore[arg-type]
                   title=chat.title if kind != "direct" else None,
                   thread_id=str(thread_id) if thread_id is not None else None)


def message_chat(message: Any) -> ChatRef:
    """The chat of a message, with the forum topic as thread id when it is a topic message."""
    thread = message.message_thread_id if getattr(message, "is_topic_message", False) else None
    return chat_of(message.chat, thread)


def attachments_of(message: Message) -> tuple[Attachment, ...]:
    """Documents, the largest photo size, voice notes, audio and video of a message."""
    out: list[Attachment] = []
    if message.document:
        d = message.document
        out.append(Attachment("document", d.file_id, name=d.file_name, size=d.file_size, mime=d.mime_type))
    if message.photo:
        p = max(message.photo, key=lambda s: (s.file_size or 0, s.width * s.height))
        out.append(Attachment("photo", p.file_id, size=p.file_size, mime="image/jpeg"))
    if message.voice:
        v = message.voice
        out.append(Attachment("voice", v.file_id, size=v.file_size, mime=v.mime_type))
    if message.audio:
        a = message.audio
        out.append(Attachment("audio", a.file_id, name=a.file_name, size=a.file_size, mime=a.mime_type))
    if message.video:
        v2 = message.video
        out.append(Attachment("video", v2.file_id, name=v2.file_name, size=v2.file_size, mime=v2.mime_type))
    return tuple(out)


def _reply_to(message: Message) -> ReplyTo | None:
    target = message.reply_to_message
    if target is None:
        return None
    # In forum topics every message "replies" to the topic's first (service) message.
    if message.is_topic_message and (target.forum_topic_created or target.message_id == message.message_thread_id):
        return None
    return ReplyTo(message_id=str(target.message_id),
                   author=user_of(target.from_user) if target.from_user else None,
                   text=(target.text or target.caption or "")[:EXCERPT_LEN],
                   attachments=attachments_of(target))


def _mentions(message: Message) -> tuple[User, ...]:
    entities = (*message.entities, *message.caption_entities)
    return tuple(user_of(e.user) for e in entities if e.type == MessageEntityType.TEXT_MENTION and e.user)


def message_event(message: Message, *, edited: bool = False) -> MessageEvent | None:
    """A MessageEvent for a message with text, a caption or a file; None for anything else."""
    if message.from_user is None:
        return None
    text = message.text or message.caption or ""
    attachments = attachments_of(message)
    if not text and not attachments:
        return None
    timestamp = message.edit_date if edited and message.edit_date else message.date
    return MessageEvent(id=str(message.message_id), chat=message_chat(message), author=user_of(message.from_user),
                        text=text, timestamp=timestamp, attachments=attachments, reply_to=_reply_to(message),
                        mentions=_mentions(message))


def _from_message(message: Message) -> list[Event]:
    if message.new_chat_members:
        chat = message_chat(message)
        return [MemberJoined(chat=chat, member=user_of(u), timestamp=message.date) for u in message.new_chat_members]
    if message.left_chat_member:
        return [MemberLeft(chat=message_chat(message), member=user_of(message.left_chat_member),
                           timestamp=message.date)]
    event = message_event(message)
    return [event] if event else []


def _is_member(member: ChatMember) -> bool:
    return member.status in _MEMBER_STATUSES or (
        member.status == ChatMemberStatus.RESTRICTED and bool(getattr(member, "is_member", False)))


def _from_member_update(update: ChatMemberUpdated) -> list[Event]:
    was, now = _is_member(update.old_chat_member), _is_member(update.new_chat_member)
    chat, member = chat_of(update.chat), user_of(update.new_chat_member.user)
    if now and not was:
        return [MemberJoined(chat=chat, member=member, timestamp=update.date,
                             via_join_request=bool(update.via_join_request))]
    if was and not now:
        return [MemberLeft(chat=chat, member=member, timestamp=update.date)]
    return []


def _from_button(query: CallbackQuery) -> list[Event]:
    message = query.message
    if query.data is None or message is None:  # games and inline-mode messages: not ours
        return []
    return [ButtonPressed(chat=message_chat(message), user=user_of(query.from_user),
                          message_id=str(message.message_id), data=query.data, interaction_id=query.id)]


def _from_reaction(update: MessageReactionUpdated) -> list[Event]:
    if update.user is None:  # anonymous reactions carry no person
        return []
    old = {r.emoji for r in update.old_reaction if isinstance(r, ReactionTypeEmoji)}
    added = [r.emoji for r in update.new_reaction if isinstance(r, ReactionTypeEmoji) and r.emoji not in old]
    chat, user = chat_of(update.chat), user_of(update.user)
    return [ReactionAdded(chat=chat, user=user, message_id=str(update.message_id), emoji=e, timestamp=update.date)
            for e in added]


def poll_updated(poll: Poll) -> PollUpdated:
    """The totals of a native poll."""
    return PollUpdated(poll_ref=poll.id, counts=tuple(o.voter_count for o in poll.options), closed=poll.is_closed)


def update_to_events(update: Update) -> list[Event]:
    """The core events one Telegram update stands for (empty for kinds practica does not use)."""
    if update.message is not None:
        return _from_message(update.message)
    if update.edited_message is not None:
        event = message_event(update.edited_message, edited=True)
        return [MessageEdited(message=event)] if event else []
    if update.callback_query is not None:
        return _from_button(update.callback_query)
    if update.poll_answer is not None:
        answer = update.poll_answer
        if answer.user is None:  # a vote cast on behalf of a chat
            return []
        return [PollVote(poll_ref=answer.poll_id, user=user_of(answer.user), option_ids=tuple(answer.option_ids),
                         chat=None, mode="set")]
    if update.poll is not None:
        return [poll_updated(update.poll)]
    if update.chat_member is not None:
        return _from_member_update(update.chat_member)
    if update.chat_join_request is not None:
        request = update.chat_join_request
        return [JoinRequest(chat=chat_of(request.chat), member=user_of(request.from_user), timestamp=request.date,
                            bio=request.bio)]
    if update.message_reaction is not None:
        return _from_reaction(update.message_reaction)
    return []


# ------------------------------------------------------------------------- inbound, straight from JSON


@dataclass(frozen=True, slots=True)
class LeanUpdate:
    """An update converted straight from its JSON: `update_id` (all PTB's Updater reads) and the events."""

    update_id: int
    events: tuple[Event, ...]


# The keys a plain text message may carry for `lean_update` to convert it; any other key (a file, a
# service message, a forward, a caption, a quote, a sender chat...) leaves the update to PTB.
_LEAN_MESSAGE = frozenset({"message_id", "date", "chat", "from", "text", "entities", "reply_to_message",
                           "message_thread_id", "is_topic_message", "link_preview_options", "has_protected_content"})
_LEAN_REPLIED = _LEAN_MESSAGE | {"forum_topic_created", "edit_date", "author_signature"}
_LEAN_USER = frozenset({"id", "is_bot", "first_name", "last_name", "username", "language_code", "is_premium",
                        "added_to_attachment_menu"})
_LEAN_CHAT = frozenset({"id", "type", "title", "username", "first_name", "last_name", "is_forum"})
_KINDS = {"private": "direct", "channel": "channel"}


class _Declined(Exception):
    """The JSON holds something `lean_update` does not convert: PTB does it."""


def _lean_user(data: Any) -> User:
    if type(data) is not dict or not data.keys() <= _LEAN_USER:
        raise _Declined
    first, last = data["first_name"], data.get("last_name")
    if type(first) is not str or not first or (last is not None and type(last) is not str):
        raise _Declined
    handle = data.get("username")
    if handle is not None and type(handle) is not str:
        raise _Declined
    if type(data["id"]) is not int or type(data["is_bot"]) is not bool:
        raise _Declined
    return User(platform=PLATFORM, id=str(data["id"]), name=f"{first} {last}" if last else first, handle=handle,
                is_bot=data["is_bot"])


def _lean_chat(data: Any, thread_id: Any) -> ChatRef:
    if type(data) is not dict or not data.keys() <= _LEAN_CHAT or type(data["type"]) is not str:
        raise _Declined
    kind = _KINDS.get(data["type"], "group")
    title = data.get("title") if kind != "direct" else None
    if title is not None and type(title) is not str:
        raise _Declined
    if type(data["id"]) is not int:
        raise _Declined
    return ChatRef(platform=PLATFORM, id=str(data["id"]), kind=kind,  # type: ignore[arg-type]
                   title=title, thread_id=str(thread_id) if thread_id is not None else None)


def _lean_moment(value: Any) -> datetime:
    if type(value) is not int:
        raise _Declined
    return datetime.fromtimestamp(value, timezone.utc)


def _lean_mentions(entities: Any) -> tuple[User, ...]:
    if entities is None:
        return ()
    if type(entities) is not list:
        raise _Declined
    out = []
    for entity in entities:
        if type(entity) is not dict or type(entity.get("type")) is not str or type(entity.get("offset")) is not int \
                or type(entity.get("length")) is not int:
            raise _Declined
        if entity["type"] == "text_mention":
            if "user" not in entity:
                raise _Declined
            out.append(_lean_user(entity["user"]))
    return tuple(out)


def _lean_reply(message: dict[str, Any], target: Any) -> ReplyTo | None:
    if target is None:
        return None
    if type(target) is not dict or not target.keys() <= _LEAN_REPLIED:
        raise _Declined
    if message.get("is_topic_message") and ("forum_topic_created" in target
                                            or target.get("message_id") == message.get("message_thread_id")):
        return None  # in a forum topic every message "replies" to the topic's first message
    _lean_mentions(target.get("entities"))  # checked like PTB would, not kept
    text = target.get("text") or ""
    if type(text) is not str:
        raise _Declined
    if type(target["message_id"]) is not int or "chat" not in target or type(target.get("date")) is not int:
        raise _Declined
    author = _lean_user(target["from"]) if "from" in target else None
    return ReplyTo(message_id=str(target["message_id"]), author=author, text=text[:EXCERPT_LEN])


def lean_update(data: Any) -> LeanUpdate | None:
    """The events of a Bot API update that is a plain text message, converted from its JSON exactly as
    `update_to_events(Update.de_json(data))` would; None for every other update (PTB converts those).
    """
    if type(data) is not dict or len(data) != 2 or type(data.get("update_id")) is not int:
        return None
    message = data.get("message")
    if type(message) is not dict or not message.keys() <= _LEAN_MESSAGE or "from" not in message:
        return None
    try:
        text = message.get("text")
        if type(text) is not str or type(message["message_id"]) is not int:
            return None
        thread = message.get("message_thread_id") if message.get("is_topic_message") else None
        event = MessageEvent(id=str(message["message_id"]), chat=_lean_chat(message["chat"], thread),
                             author=_lean_user(message["from"]), text=text, timestamp=_lean_moment(message["date"]),
                             reply_to=_lean_reply(message, message.get("reply_to_message")),
                             mentions=_lean_mentions(message.get("entities")))
    except (_Declined, KeyError, TypeError, ValueError, OverflowError, OSError):
        return None
    return LeanUpdate(update_id=data["update_id"], events=(event,) if text else ())
