"""Which community an event acts in, and which communities a member belongs to.

A group chat belongs to the community that lists it in plugins.toml (unlisted chats: `default`). A
private chat belongs to its member: the one community they belong to; if several, the one they last
chose with `/community` (else the one where they were seen last); if none, `default`. Domain events
carry their community; a native poll vote, the community of the chat its poll was posted in
(core.native_polls). The dispatcher asks here once per event, so every plugin agrees.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.config import DEFAULT_COMMUNITY, Community, Config
from core.events import DomainEvent, Event, MessageEvent, PollVote, Role, User
from core.members import MemberDirectory

if TYPE_CHECKING:
    from core.native_polls import NativePolls


def actor_of(event: Event) -> User | None:
    """Who caused `event` (message author, button presser, voter, joining member)."""
    message = getattr(event, "message", None)
    if isinstance(message, MessageEvent):
        return message.author
    for attr in ("author", "user", "member"):
        value = getattr(event, attr, None)
        if isinstance(value, User):
            return value
    return None


def counts_members(community: Community) -> bool:
    """Whether membership of `community` is known: `default` without chats of its own is the fallback
    of unlisted chats, not a community one belongs to."""
    return community.name != DEFAULT_COMMUNITY or bool(community.chats)


def communities_of(config: Config, members: MemberDirectory, user: User) -> list[Community]:
    """The configured communities `user` belongs to (seen there, or given a role there), most recent first."""
    names = [name for name, community in config.communities.items() if counts_members(community)]
    seen = members.communities_of(user.uid, names)
    ranked = [*seen, *(n for n in names if n not in seen and config.communities[n].role_of(user) > Role.MEMBER)]
    return [config.communities[name] for name in ranked]


def home_of(config: Config, members: MemberDirectory, user: User) -> Community:
    """The community a private chat with `user` acts in."""
    theirs = communities_of(config, members, user)
    if not theirs:
        return config.community_for(None)
    chosen = members.chosen.get(user.uid)
    for community in theirs:
        if community.name == chosen:
            return community
    return theirs[0]


def community_of_event(config: Config, members: MemberDirectory, event: Event, polls: NativePolls | None = None) -> Community:
    """The community `event` acts in (see the module docstring). A native poll vote that arrives
    without its chat (Telegram) acts in the community of the chat the poll was posted in."""
    if isinstance(event, DomainEvent):
        return config.communities.get(event.community) or config.community_for(None)
    chat = getattr(event, "chat", None)
    if chat is None and polls is not None and isinstance(event, PollVote):
        chat = polls.chat_of(event.user.platform, event.poll_ref)
    if chat is not None and not chat.is_direct:
        return config.community_for(chat)
    user = actor_of(event)
    if user is None:
        return config.community_for(chat)
    return home_of(config, members, user)
