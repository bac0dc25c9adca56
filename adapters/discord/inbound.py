"""Inbound: discord.py gateway events -> core events handed to the host.

`Inbound` holds the handlers the adapter gives the discord.py client (`on_message`, `on_interaction`,
...), the small caches they fill (members seen, channel -> server) and the acknowledgement of slash
commands and button presses within Discord's 3 s. The pure translations are `convert.py`'s.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import aiohttp
import discord

from adapters.discord import convert
from adapters.discord.interactions import PendingInteractions
from core.adapter import AdapterHost
from core.events import (ButtonPressed, ChatRef, Event, MemberJoined, MemberLeft, MessageEdited, MessageEvent,
                         PollVote, ReactionAdded, User)

MEMBER_CACHE = 2000
HANDLERS = ("on_message", "on_raw_message_edit", "on_member_join", "on_raw_member_remove", "on_raw_reaction_add",
            "on_raw_poll_vote_add", "on_raw_poll_vote_remove", "on_interaction")
"""The gateway events `Inbound` handles, by discord.py's handler name."""


class Inbound:
    """Turns one client's gateway events into core events for `host`."""

    def __init__(self, client: discord.Client, host: AdapterHost, pending: PendingInteractions, prefix: str,
                 log: logging.Logger) -> None:
        self.client = client
        self.host = host
        self.pending = pending
        self.prefix = prefix
        self.log = log
        self.members: OrderedDict[tuple[int, int], discord.Member] = OrderedDict()
        self.channel_guild: dict[int, int] = {}

    async def _deliver(self, make: Callable[[], Any]) -> None:
        try:
            event = make()
            if asyncio.iscoroutine(event):
                event = await event
        except Exception:
            self.log.warning("could not translate a Discord event; ignored", exc_info=True)
            return
        if event is not None:
            await self.host.deliver(event, source=_source(event))

    def _is_me(self, user_id: int) -> bool:
        me = self.client.user
        return me is not None and me.id == user_id

    def remember(self, member: object, guild_id: int | None, channel_id: int | None) -> None:
        if guild_id is not None and channel_id is not None:
            self.channel_guild[channel_id] = guild_id
        if isinstance(member, discord.Member):
            key = (member.guild.id, member.id)
            self.members[key] = member
            self.members.move_to_end(key)
            while len(self.members) > MEMBER_CACHE:
                self.members.popitem(last=False)

    async def on_message(self, message: discord.Message) -> None:
        if self._is_me(message.author.id) or not convert.is_conversation(message):
            return
        self.remember(message.author, message.guild.id if message.guild else None, message.channel.id)
        await self._deliver(lambda: convert.message_event(message))

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        message = payload.message
        if self._is_me(message.author.id) or message.edited_at is None or not convert.is_conversation(message):
            return  # link previews and embeds also arrive as updates, without edited_at
        await self._deliver(lambda: MessageEdited(convert.message_event(message)))

    async def on_member_join(self, member: discord.Member) -> None:
        if self._is_me(member.id):
            return
        await self._deliver(lambda: MemberJoined(chat=self._guild_chat(member.guild), member=convert.user(member)))

    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        if self._is_me(payload.user.id):
            return
        guild = self.client.get_guild(payload.guild_id)
        chat = self._guild_chat(guild) if guild is not None else ChatRef("discord", str(payload.guild_id), "group")
        self.members.pop((payload.guild_id, payload.user.id), None)
        await self._deliver(lambda: MemberLeft(chat=chat, member=convert.user(payload.user)))

    def _guild_chat(self, guild: discord.Guild) -> ChatRef:
        """Server-wide events (joins, leaves) belong to the server's system messages channel."""
        channel = guild.system_channel
        if channel is not None:
            return convert.chat_ref(channel)
        return ChatRef("discord", str(guild.id), "group", title=guild.name)

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        if self._is_me(payload.user_id):
            return

        async def make() -> ReactionAdded:
            who = convert.user(payload.member) if payload.member is not None else await self._user(payload.user_id)
            return ReactionAdded(chat=self.chat_for(payload.channel_id, payload.guild_id), user=who,
                                 message_id=str(payload.message_id), emoji=convert.emoji_text(payload.emoji))
        await self._deliver(make)

    async def on_raw_poll_vote_add(self, payload: discord.RawPollVoteActionEvent) -> None:
        await self._poll_vote(payload, "add")

    async def on_raw_poll_vote_remove(self, payload: discord.RawPollVoteActionEvent) -> None:
        await self._poll_vote(payload, "remove")

    async def _poll_vote(self, payload: discord.RawPollVoteActionEvent, mode: str) -> None:
        if self._is_me(payload.user_id):
            return

        async def make() -> PollVote:
            return PollVote(poll_ref=str(payload.message_id), user=await self._user(payload.user_id, payload.guild_id),
                            option_ids=(convert.poll_option(payload.answer_id),),
                            chat=self.chat_for(payload.channel_id, payload.guild_id), mode=mode)  # type: ignore[arg-type]
        await self._deliver(make)

    def chat_for(self, channel_id: int, guild_id: int | None) -> ChatRef:
        channel = self.client.get_channel(channel_id)
        if channel is not None:
            return convert.chat_ref(channel)
        if guild_id is None:
            return ChatRef("discord", str(channel_id), "direct")
        return ChatRef("discord", str(channel_id), "group")

    async def _user(self, user_id: int, guild_id: int | None = None) -> User:
        """A user from the caches, else from the API; a bare id if Discord cannot tell."""
        cached = self.members.get((guild_id, user_id)) if guild_id else None
        found: discord.abc.User | None = cached or self.client.get_user(user_id)
        if found is None:
            try:
                found = await self.client.fetch_user(user_id)
            except (discord.HTTPException, aiohttp.ClientError, OSError):
                return User("discord", str(user_id), str(user_id))
        return convert.user(found)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        try:
            if interaction.type is discord.InteractionType.application_command:
                await self._on_slash(interaction)
            elif interaction.type is discord.InteractionType.component:
                await self._on_button(interaction)
        except discord.HTTPException as exc:
            self.log.warning("could not acknowledge a Discord interaction (%s)", exc.status)

    async def _on_slash(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        if data.get("type", 1) != 1 or not data.get("name"):
            return
        # Acknowledge within Discord's 3 s, privately: the answer decides what others see.
        await interaction.response.defer(ephemeral=True, thinking=True)
        self.pending.add(interaction, placeholder=True)
        self.remember(interaction.user, interaction.guild_id, interaction.channel_id)
        text = convert.slash_text(str(data["name"]), data.get("options"), self.prefix)
        await self._deliver(lambda: MessageEvent(
            id=str(interaction.id), chat=self._interaction_chat(interaction), author=convert.user(interaction.user),
            text=text, timestamp=interaction.created_at))

    async def _on_button(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        custom_id = data.get("custom_id")
        if data.get("component_type") != 2 or not custom_id or interaction.message is None:
            return
        await interaction.response.defer()  # acknowledged; the message stays as it is
        self.pending.add(interaction, placeholder=False)
        self.remember(interaction.user, interaction.guild_id, interaction.channel_id)
        await self._deliver(lambda: ButtonPressed(
            chat=self._interaction_chat(interaction), user=convert.user(interaction.user),
            message_id=str(interaction.message.id), data=str(custom_id),  # type: ignore[union-attr]
            timestamp=interaction.created_at, interaction_id=str(interaction.id)))

    def _interaction_chat(self, interaction: discord.Interaction) -> ChatRef:
        channel = interaction.channel
        if channel is not None and not isinstance(channel, discord.PartialMessageable):
            return convert.chat_ref(channel)
        return self.chat_for(interaction.channel_id or 0, interaction.guild_id)


def _source(event: Event) -> str | None:
    """What recognises a gateway event replayed after a resume: the kind and the message id."""
    if isinstance(event, MessageEvent):
        return f"discord:message:{event.id}"
    if isinstance(event, ButtonPressed) and event.interaction_id:
        return f"discord:interaction:{event.interaction_id}"
    return None
