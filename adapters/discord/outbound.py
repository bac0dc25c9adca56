"""Performing core actions on Discord: messages, interactions, polls, moderation and roles.

Every message is sent with `AllowedMentions.none()`: text from users can never ping @everyone, a
role or a person. Library errors become `DeliveryError` (see `errors.delivery_error`).
"""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import discord

from adapters.discord import convert
from adapters.discord.capabilities import MAX_TEXT, POLL_MAX_OPTIONS, POLL_OPTION_MAX_LEN, POLL_QUESTION_MAX_LEN
from adapters.discord.config import DiscordConfig
from adapters.discord.errors import delivery_error
from adapters.discord.interactions import PendingInteractions
from core.errors import DeliveryError
from core.events import ChatRef, User, utcnow
from core.replies import PollSpec
from core.replies import (Action, AddRole, ApproveJoin, Ban, Button, DeclineJoin, DeleteMessage, DirectMessage,
                          EditMessage, Kick, PinMessage, RemoveRole, Reply, Restrict, SendFile, SendPoll, Sent,
                          StopPoll, Unban, Unrestrict, UploadFile)

NO_MENTIONS = discord.AllowedMentions.none()
POLL_MIN_HOURS = 1
POLL_MAX_HOURS = 768  # 32 days
POLL_DEFAULT_HOURS = 24
TIMEOUT_MAX = timedelta(days=28)


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


def native_poll(spec: PollSpec, now: datetime) -> discord.Poll:
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


class _Buttons(discord.ui.View):
    """Buttons whose presses arrive through `on_interaction` as ButtonPressed; never stored by discord.py."""

    def is_dispatchable(self) -> bool:
        return False


def buttons_view(rows: tuple[tuple[Button, ...], ...]) -> discord.ui.View | None:
    """A View holding `rows` of buttons (custom_id = Button.data), or None without buttons."""
    if not rows:
        return None
    view = _Buttons(timeout=None)
    for index, row in enumerate(button_rows(rows)):
        for spec in row:
            view.add_item(discord.ui.Button(style=discord.ButtonStyle.secondary, row=index, **spec))  # type: ignore[arg-type]
    return view


def _snowflake(value: str, what: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DeliveryError(f"{what} {value!r} is not a Discord id.", permanent=True) from None


class Outbound:
    """Carries out actions with a discord.py client (one per adapter)."""

    def __init__(self, client: discord.Client, config: DiscordConfig, pending: PendingInteractions,
                 guild_id_for: Callable[[ChatRef], Awaitable[int]], log: logging.Logger) -> None:
        self.client = client
        self.config = config
        self.pending = pending
        self.guild_id_for = guild_id_for
        self.log = log
        self._handlers: dict[type, Callable[[Any], Awaitable[Sent]]] = {
            Reply: self.reply, DirectMessage: self.direct_message, EditMessage: self.edit,
            DeleteMessage: self.delete, PinMessage: self.pin, SendFile: self.send_file, UploadFile: self.upload,
            SendPoll: self.send_poll,
            StopPoll: self.stop_poll, Restrict: self.restrict, Unrestrict: self.unrestrict, Kick: self.kick,
            Ban: self.ban, Unban: self.unban, AddRole: self.add_role, RemoveRole: self.remove_role,
            ApproveJoin: self.approve_join, DeclineJoin: self.decline_join,
        }

    async def perform(self, action: Action) -> Sent:
        handler = self._handlers.get(type(action))
        if handler is None:
            raise DeliveryError(f"the Discord adapter cannot perform {type(action).__name__}.", permanent=True)
        try:
            return await handler(action)
        except DeliveryError:
            raise
        except Exception as exc:  # discord.py, aiohttp, network: translated, never leaked
            raise delivery_error(exc, f"{type(action).__name__} in {_where(action)}") from exc

    # ------------------------------------------------------------------------------------ messages

    def channel(self, chat: ChatRef) -> discord.PartialMessageable:
        """Where to post for `chat`: the thread when there is one, else the channel."""
        return self.client.get_partial_messageable(_snowflake(chat.thread_id or chat.id, "channel"))

    async def reply(self, action: Reply) -> Sent:
        text = check_text(action.text)
        pending = self.pending.get(action.reply_to)
        if pending is not None:
            return await self._answer_interaction(action, pending)
        if action.ephemeral_to is not None and not action.chat.is_direct:
            # Ephemeral messages exist only as answers to an interaction: tell the person privately.
            return await self.direct_message(DirectMessage(user=action.ephemeral_to, text=text, buttons=action.buttons))
        channel = self.channel(action.chat)
        kwargs: dict[str, Any] = {"content": text, "allowed_mentions": NO_MENTIONS, "silent": action.silent}
        if action.reply_to and action.reply_to.isdigit():
            kwargs["reference"] = discord.MessageReference(message_id=int(action.reply_to), channel_id=channel.id,
                                                           fail_if_not_exists=False)
        view = buttons_view(action.buttons)
        if view is not None:
            kwargs["view"] = view
        message = await channel.send(**kwargs)
        return Sent(message_id=str(message.id))

    async def _answer_interaction(self, action: Reply, pending: Any) -> Sent:
        interaction: discord.Interaction = pending.interaction
        view = buttons_view(action.buttons)
        extra: dict[str, Any] = {"view": view} if view is not None else {}
        if action.ephemeral_to is not None:
            # The deferral was ephemeral, so the first follow-up (which resolves it) is private too.
            message = await interaction.followup.send(action.text, ephemeral=True, allowed_mentions=NO_MENTIONS,
                                                      wait=True, **extra)
            pending.placeholder = False
            return Sent(message_id=str(message.id))
        # A public answer cannot resolve a private deferral: post it in the channel, drop the placeholder.
        channel = self.channel(action.chat)
        message = await channel.send(content=action.text, allowed_mentions=NO_MENTIONS, silent=action.silent, **extra)
        if pending.placeholder:
            pending.placeholder = False
            try:
                await interaction.delete_original_response()
            except discord.HTTPException as exc:
                self.log.debug("could not remove the slash command placeholder: %s", exc.status)
        return Sent(message_id=str(message.id))

    async def direct_message(self, action: DirectMessage) -> Sent:
        text = check_text(action.text)
        dm = await self.client.create_dm(discord.Object(id=_snowflake(action.user.id, "user")))
        kwargs: dict[str, Any] = {"content": text, "allowed_mentions": NO_MENTIONS}
        view = buttons_view(action.buttons)
        if view is not None:
            kwargs["view"] = view
        message = await dm.send(**kwargs)
        return Sent(message_id=str(message.id))

    async def edit(self, action: EditMessage) -> Sent:
        text = check_text(action.text)
        partial = self.channel(action.chat).get_partial_message(_snowflake(action.message_id, "message"))
        await partial.edit(content=text, view=buttons_view(action.buttons), allowed_mentions=NO_MENTIONS)
        return Sent(message_id=action.message_id)

    async def delete(self, action: DeleteMessage) -> Sent:
        await self.channel(action.chat).get_partial_message(_snowflake(action.message_id, "message")).delete()
        return Sent(message_id=action.message_id)

    async def pin(self, action: PinMessage) -> Sent:
        await self.channel(action.chat).get_partial_message(_snowflake(action.message_id, "message")).pin()
        return Sent(message_id=action.message_id)

    async def send_file(self, action: SendFile) -> Sent:
        """Resend an attachment. Discord has no resend-by-id: the file is fetched from the original
        message (fresh CDN link) and uploaded again; an http(s) reference is posted as a link."""
        caption = check_text(action.caption)
        channel = self.channel(action.chat)
        kwargs: dict[str, Any] = {"allowed_mentions": NO_MENTIONS}
        if action.reply_to and action.reply_to.isdigit():
            kwargs["reference"] = discord.MessageReference(message_id=int(action.reply_to), channel_id=channel.id,
                                                           fail_if_not_exists=False)
        ids = convert.parse_attachment_ref(action.file_ref)
        if ids is not None:
            source_channel, source_message, attachment_id = ids
            original = await self.client.get_partial_messageable(source_channel).fetch_message(source_message)
            attachment = next((a for a in original.attachments if a.id == attachment_id), None)
            if attachment is None:
                raise DeliveryError(f"the file {action.file_ref} is no longer on its message.", permanent=True)
            message = await channel.send(content=caption or None, file=await attachment.to_file(), **kwargs)
        elif action.file_ref.startswith(("https://", "http://")):
            message = await channel.send(content=check_text(f"{caption}\n{action.file_ref}".strip()), **kwargs)
        else:
            raise DeliveryError(f"{action.file_ref!r} is not a Discord file reference.", permanent=True)
        return Sent(message_id=str(message.id))

    async def upload(self, action: UploadFile) -> Sent:
        """Upload a file the bot made, to a channel or privately to a member."""
        if action.user is not None:
            target: Any = await self.client.create_dm(discord.Object(id=_snowflake(action.user.id, "user")))
        else:
            target = self.channel(action.chat)  # type: ignore[arg-type]
        upload = discord.File(io.BytesIO(action.content), filename=action.name)
        message = await target.send(content=check_text(action.caption) or None, file=upload,
                                    allowed_mentions=NO_MENTIONS)
        return Sent(message_id=str(message.id))

    async def send_poll(self, action: SendPoll) -> Sent:
        poll = native_poll(action.poll, utcnow())
        message = await self.channel(action.chat).send(poll=poll, allowed_mentions=NO_MENTIONS)
        return Sent(message_id=str(message.id), poll_ref=str(message.id))

    async def stop_poll(self, action: StopPoll) -> Sent:
        channel = self.channel(action.chat)
        await self.client.http.end_poll(channel.id, _snowflake(action.message_id, "message"))
        return Sent(message_id=action.message_id, poll_ref=action.message_id)

    # ---------------------------------------------------------------------------------- moderation

    async def _member(self, action: Any) -> tuple[int, int]:
        if action.chat.is_direct:
            raise DeliveryError(f"{type(action).__name__} needs a server channel, not a direct chat.", permanent=True)
        return await self.guild_id_for(action.chat), _snowflake(action.user.id, "user")

    async def restrict(self, action: Restrict) -> Sent:
        guild_id, user_id = await self._member(action)
        until = timeout_until(action.until, utcnow())
        await self.client.http.edit_member(guild_id, user_id, reason=action.reason or None,
                                           communication_disabled_until=until.isoformat())
        return Sent()

    async def unrestrict(self, action: Unrestrict) -> Sent:
        guild_id, user_id = await self._member(action)
        await self.client.http.edit_member(guild_id, user_id, reason=action.reason or None,
                                           communication_disabled_until=None)
        return Sent()

    async def kick(self, action: Kick | DeclineJoin) -> Sent:
        guild_id, user_id = await self._member(action)
        await self.client.http.kick(user_id, guild_id, reason=action.reason or None)
        return Sent()

    async def ban(self, action: Ban) -> Sent:
        """Ban (Discord bans do not expire: a timed ban needs a scheduled Unban)."""
        guild_id, user_id = await self._member(action)
        await self.client.http.ban(user_id, guild_id, delete_message_seconds=0, reason=action.reason or None)
        return Sent()

    async def unban(self, action: Unban) -> Sent:
        guild_id, user_id = await self._member(action)
        await self.client.http.unban(user_id, guild_id, reason=action.reason or None)
        return Sent()

    async def add_role(self, action: AddRole | ApproveJoin, role: str | None = None) -> Sent:
        guild_id, user_id = await self._member(action)
        role_id = await self._role_id(guild_id, role if role is not None else getattr(action, "role", ""))
        await self.client.http.add_role(guild_id, user_id, role_id, reason=action.reason or None)
        return Sent()

    async def remove_role(self, action: RemoveRole) -> Sent:
        guild_id, user_id = await self._member(action)
        role_id = await self._role_id(guild_id, action.role)
        await self.client.http.remove_role(guild_id, user_id, role_id, reason=action.reason or None)
        return Sent()

    async def approve_join(self, action: ApproveJoin) -> Sent:
        """Approve = give the configured verified role."""
        if not self.config.verified_role:
            raise DeliveryError("ApproveJoin on Discord gives the verified role: set [adapters.discord] "
                                "verified_role to a role id or name.", permanent=True)
        return await self.add_role(action, self.config.verified_role)

    async def decline_join(self, action: DeclineJoin) -> Sent:
        """Decline = kick the newcomer."""
        return await self.kick(action)

    async def _role_id(self, guild_id: int, role: str) -> int:
        role = role.strip()
        if not role:
            raise DeliveryError("no role given.", permanent=True)
        if role.isdigit():
            return int(role)
        guild = self.client.get_guild(guild_id)
        if guild is not None:
            found = convert.find_role(guild.roles, role)
            if found is not None:
                return found.id
        else:
            for data in await self.client.http.get_roles(guild_id):
                if str(data.get("name", "")).lower() == role.lower():
                    return int(data["id"])
        raise DeliveryError(f"there is no role {role!r} in the Discord server {guild_id}.", permanent=True)


def _where(action: Action) -> str:
    chat = getattr(action, "chat", None)
    if chat is not None:
        return chat.key
    user: User | None = getattr(action, "user", None)
    return f"a direct message to {user.uid}" if user is not None else "Discord"
