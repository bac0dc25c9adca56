"""Inbound translation: discord.py models -> core types (chats, users, messages, roles). No network, no
client state. Core actions -> Discord calls are in `outbound.py`, library errors in `errors.py`.

Chat mapping (see docs/discord.md):
- a guild text/voice/announcement channel -> ChatRef(id=channel id, kind "group");
- a thread or a forum post -> ChatRef(id=parent channel id, thread_id=thread id), so a thread shares
  its parent's community and `ChatRef.key`;
- a direct message -> ChatRef(id=DM channel id, kind "direct").
Attachments are referenced as `channel_id/message_id/attachment_id` (stable, unlike signed CDN URLs).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timezone

import discord

from core.events import Attachment, ChatRef, MessageEvent, Role, ReplyTo, User

PLATFORM = "discord"
_EXCERPT = 200
_THREAD_TYPES = {discord.ChannelType.public_thread, discord.ChannelType.private_thread, discord.ChannelType.news_thread}
_CONVERSATION_TYPES = {discord.MessageType.default, discord.MessageType.reply}


# ---------------------------------------------------------------------------------------------- inbound

def user(u: discord.abc.User) -> User:
    """A discord.py User or Member as a core User (display name, @handle)."""
    return User(platform=PLATFORM, id=str(u.id), name=u.display_name or u.name, handle=u.name or None,
                is_bot=bool(u.bot))


def chat_ref(channel: object, *, guild_id: int | None = None) -> ChatRef:
    """Where a message lives; threads and forum posts map to their parent channel with a thread_id."""
    channel_id = str(getattr(channel, "id", ""))
    if isinstance(channel, (discord.DMChannel, discord.GroupChannel)):
        recipient = getattr(channel, "recipient", None)
        return ChatRef(PLATFORM, channel_id, "direct", title=recipient.display_name if recipient else None)
    if isinstance(channel, discord.Thread):
        parent = channel.parent
        title = f"#{parent.name}" if parent is not None else None
        return ChatRef(PLATFORM, str(channel.parent_id), "group", title=title, thread_id=channel_id)
    ctype = getattr(channel, "type", None)
    if ctype in (discord.ChannelType.private, discord.ChannelType.group) or (guild_id is None and getattr(channel, "guild", None) is None):
        return ChatRef(PLATFORM, channel_id, "direct")
    name = getattr(channel, "name", None)
    return ChatRef(PLATFORM, channel_id, "group", title=f"#{name}" if name else None)


def attachment_kind(att: discord.Attachment) -> str:
    """Core attachment kind from Discord's content type (voice messages are flagged)."""
    if att.is_voice_message():
        return "voice"
    mime = (att.content_type or "").split(";")[0].strip().lower()
    major = mime.partition("/")[0]
    if major == "image":
        return "photo"
    if major in ("video", "audio"):
        return major
    return "document" if att.filename else "other"


def attachment_ref(channel_id: int, message_id: int, attachment_id: int) -> str:
    """The file_ref of an attachment: `channel/message/attachment` ids (see `parse_attachment_ref`)."""
    return f"{channel_id}/{message_id}/{attachment_id}"


def parse_attachment_ref(ref: str) -> tuple[int, int, int] | None:
    """(channel, message, attachment) ids from a file_ref, or None for anything else (such as a URL)."""
    parts = ref.split("/")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return int(parts[0]), int(parts[1]), int(parts[2])
    return None


def attachments(message: discord.Message) -> tuple[Attachment, ...]:
    return tuple(
        Attachment(kind=attachment_kind(a), file_ref=attachment_ref(message.channel.id, message.id, a.id),  # type: ignore[arg-type]
                   name=a.filename or None, size=a.size, mime=a.content_type)
        for a in message.attachments)


def reply_to(message: discord.Message) -> ReplyTo | None:
    """The message `message` answers, with an excerpt when Discord resolved it."""
    ref = message.reference
    if ref is None or ref.message_id is None or message.type is not discord.MessageType.reply:
        return None
    resolved = ref.resolved
    if isinstance(resolved, discord.Message):
        return ReplyTo(message_id=str(resolved.id), author=user(resolved.author),
                       text=resolved.content[:_EXCERPT], attachments=attachments(resolved))
    return ReplyTo(message_id=str(ref.message_id))


def is_conversation(message: discord.Message) -> bool:
    """True for messages people write (not joins, pins, boosts or other system messages)."""
    return message.type in _CONVERSATION_TYPES


def message_event(message: discord.Message) -> MessageEvent:
    """A Discord message as a MessageEvent (id = message id)."""
    return MessageEvent(
        id=str(message.id),
        chat=chat_ref(message.channel, guild_id=message.guild.id if message.guild else None),
        author=user(message.author),
        text=message.content or "",
        timestamp=(message.edited_at or message.created_at).astimezone(timezone.utc),
        attachments=attachments(message),
        reply_to=reply_to(message),
        mentions=tuple(user(m) for m in message.mentions),
    )


def slash_text(name: str, options: Iterable[dict] | None, prefix: str = "/") -> str:
    """The text of a slash invocation as if typed: "/name arguments"."""
    args = ""
    for option in options or ():
        if isinstance(option, dict) and option.get("name") == "arguments" and option.get("value") is not None:
            args = str(option["value"]).strip()
    return f"{prefix}{name} {args}".rstrip()


def emoji_text(emoji: discord.PartialEmoji) -> str:
    """A reaction's emoji: the character itself, or `:name:` for a custom emoji."""
    return emoji.name if emoji.is_unicode_emoji() and emoji.name else f":{emoji.name or emoji.id}:"


def poll_option(answer_id: int) -> int:
    """Discord answer ids start at 1; core option ids at 0."""
    return answer_id - 1


def role_of(member: object, *, channel: object | None, owner_id: int | None, moderator_roles: Iterable[str]) -> Role:
    """The role Discord gives `member`: owner, Administrator, Manage Messages/Moderate Members, or a
    configured moderator role (by id or name). Anything else (including the verified role) is MEMBER."""
    if not isinstance(member, discord.Member):
        return Role.MEMBER
    if owner_id is not None and member.id == owner_id:
        return Role.OWNER
    perms = member.guild_permissions
    if channel is not None and hasattr(channel, "permissions_for"):
        try:
            perms = channel.permissions_for(member)  # type: ignore[attr-defined]
        except Exception:  # channel of another guild, partial objects...
            perms = member.guild_permissions
    if member.guild_permissions.administrator:
        return Role.ADMIN
    if perms.manage_messages or perms.moderate_members or member.guild_permissions.moderate_members:
        return Role.MODERATOR
    wanted = {r.strip().lower() for r in moderator_roles}
    if any(str(r.id) in wanted or r.name.lower() in wanted for r in member.roles):
        return Role.MODERATOR
    return Role.MEMBER


def find_role(roles: Iterable[discord.Role], wanted: str) -> discord.Role | None:
    """A guild role by id or (case-insensitive) name."""
    wanted = wanted.strip()
    by_name = None
    for role in roles:
        if str(role.id) == wanted:
            return role
        if by_name is None and role.name.lower() == wanted.lower():
            by_name = role
    return by_name
