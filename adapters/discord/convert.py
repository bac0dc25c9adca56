"""Pure translation between discord.py models and core types. No network, no client state.

Chat mapping (see docs/discord.md):
- a guild text/voice/announcement channel -> ChatRef(id=channel id, kind "group");
- a thread or a forum post -> ChatRef(id=parent channel id, thread_id=thread id), so a thread shares
  its parent's community and `ChatRef.key`;
- a direct message -> ChatRef(id=DM channel id, kind "direct").
Attachments are referenced as `channel_id/message_id/attachment_id` (stable, unlike signed CDN URLs).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone

import aiohttp
import discord

from adapters.discord.capabilities import MAX_TEXT, POLL_MAX_OPTIONS, POLL_OPTION_MAX_LEN, POLL_QUESTION_MAX_LEN
from core.errors import AdapterError, DeliveryError
from core.events import Attachment, ChatRef, MessageEvent, Role, ReplyTo, User
from core.replies import Button, PollSpec

PLATFORM = "discord"
POLL_MIN_HOURS = 1
POLL_MAX_HOURS = 768  # 32 days
POLL_DEFAULT_HOURS = 24
TIMEOUT_MAX = timedelta(days=28)
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


# --------------------------------------------------------------------------------------------- outbound

def check_text(text: str) -> str:
    if len(text) > MAX_TEXT:
        raise DeliveryError(f"Discord messages are limited to {MAX_TEXT} characters; this one has {len(text)} "
                            "(the outbox should have split it).", permanent=True)
    return text


def button_rows(rows: tuple[tuple[Button, ...], ...]) -> list[list[dict[str, object]]]:
    """Button rows as plain specs (label <= 80, custom_id = Button.data <= 100); at most 5 rows of 5."""
    if len(rows) > 5 or any(len(row) > 5 for row in rows):
        raise DeliveryError("Discord allows at most 5 rows of 5 buttons.", permanent=True)
    out = []
    for row in rows:
        specs = []
        for b in row:
            if not b.data or len(b.data) > 100:
                raise DeliveryError(f"button {b.label!r}: data must be 1 to 100 characters on Discord.", permanent=True)
            specs.append({"label": b.label[:80] or "?", "custom_id": b.data})
        out.append(specs)
    return out


def poll_hours(close_at: datetime | None, now: datetime) -> int:
    """Poll duration in whole hours, clamped to Discord's 1..768 h (24 h when no closing time)."""
    if close_at is None:
        return POLL_DEFAULT_HOURS
    hours = math.ceil((close_at - now).total_seconds() / 3600)
    return max(POLL_MIN_HOURS, min(POLL_MAX_HOURS, hours))


def poll(spec: PollSpec, now: datetime) -> discord.Poll:
    """A discord.Poll for `spec`; quizzes and out-of-limit polls raise a permanent DeliveryError
    (plugins read the capabilities and fall back to a text poll)."""
    if spec.correct_option is not None:
        raise DeliveryError("Discord has no quiz polls; send the quiz as a text poll.", permanent=True)
    if not spec.question or len(spec.question) > POLL_QUESTION_MAX_LEN:
        raise DeliveryError(f"Discord poll questions must be 1 to {POLL_QUESTION_MAX_LEN} characters.", permanent=True)
    if not 1 <= len(spec.options) <= POLL_MAX_OPTIONS:
        raise DeliveryError(f"Discord polls take 1 to {POLL_MAX_OPTIONS} options, not {len(spec.options)}.", permanent=True)
    for option in spec.options:
        if not option or len(option) > POLL_OPTION_MAX_LEN:
            raise DeliveryError(f"Discord poll options must be 1 to {POLL_OPTION_MAX_LEN} characters: {option[:60]!r}.",
                                permanent=True)
    result = discord.Poll(spec.question, timedelta(hours=poll_hours(spec.close_at, now)), multiple=spec.multiple)
    for option in spec.options:
        result.add_answer(text=option)
    return result


def timeout_until(until: datetime | None, now: datetime) -> datetime:
    """The end of a timeout: `until`, at most 28 days from now (Discord's limit); None = 28 days."""
    latest = now + TIMEOUT_MAX - timedelta(seconds=5)
    if until is None:
        return latest
    if until.tzinfo is None:
        until = until.replace(tzinfo=timezone.utc)
    return min(until, latest)


# ------------------------------------------------------------------------------------------------ errors

_PRIVILEGED = (("message_content", "Message Content Intent"), ("members", "Server Members Intent"),
               ("presences", "Presence Intent"))


def privileged_intents_error(intents: discord.Intents) -> AdapterError:
    """The operator message for close code 4014: which privileged intents, and where to enable them."""
    asked = [(flag, label) for flag, label in _PRIVILEGED if getattr(intents, flag)]
    names = ", ".join(label for _, label in asked) or "a privileged intent"
    keys = " / ".join(f"{flag} = false" for flag, _ in asked if flag != "presences")
    turn_off = f", or turn them off in [adapters.discord.intents] ({keys})" if keys else ""
    return AdapterError(
        f"Discord refused the privileged gateway intents this bot asked for: {names}. Enable them at "
        f"https://discord.com/developers/applications > your application > Bot > Privileged Gateway Intents"
        f"{turn_off}. Without Message Content the bot cannot read messages; without Server Members it "
        f"cannot see members join or leave.")


def login_error(exc: BaseException, token_source: str) -> AdapterError:
    """The operator message for a refused token (never shows the token)."""
    where = f"the environment variable {token_source}" if token_source else "[adapters.discord] token"
    return AdapterError(
        f"Discord refused the bot token from {where} (401 Unauthorized). Copy a fresh token from "
        f"https://discord.com/developers/applications > your application > Bot > Reset Token, and put it "
        f"in {where}.")


def delivery_error(exc: BaseException, what: str) -> DeliveryError:
    """Translate a discord.py / aiohttp error raised while performing `what`.

    Forbidden, NotFound and other 4xx answers are permanent (retrying cannot help); rate limits carry
    retry_after; server errors, timeouts and network errors are transient.
    """
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, discord.RateLimited):
        return DeliveryError(f"{what}: Discord rate limit, retry in {exc.retry_after:.1f} s.", retry_after=exc.retry_after)
    if isinstance(exc, discord.HTTPException):
        detail = f"{what}: Discord answered {exc.status}"
        if exc.code:
            detail += f" (code {exc.code})"
        if exc.text:
            detail += f": {exc.text[:200]}"
        if isinstance(exc, discord.Forbidden):
            return DeliveryError(detail + ". Check the bot's role permissions in this server/channel.", permanent=True)
        if isinstance(exc, discord.NotFound):
            return DeliveryError(detail + ". The channel, message or member no longer exists.", permanent=True)
        if exc.status == 429:
            retry = _retry_after(exc)
            return DeliveryError(detail + ".", retry_after=retry)
        if 400 <= exc.status < 500:
            return DeliveryError(detail + ".", permanent=True)
        return DeliveryError(detail + ".")
    if isinstance(exc, (aiohttp.ClientError, OSError, TimeoutError)):
        return DeliveryError(f"{what}: network error talking to Discord ({type(exc).__name__}).")
    return DeliveryError(f"{what}: {type(exc).__name__}: {exc}")


def _retry_after(exc: discord.HTTPException) -> float:
    headers = getattr(exc.response, "headers", None) or {}
    for key in ("Retry-After", "X-RateLimit-Reset-After"):
        try:
            return float(headers[key])
        except (KeyError, TypeError, ValueError):
            continue
    return 1.0
