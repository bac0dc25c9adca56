"""Members in good standing: who may take part in a community through buttons, votes and reactions.

One filter, in core, before any plugin sees the event: the dispatcher asks `refusal` for every
button pressed in a group, every native poll vote and every reaction, and drops the event when
there is a reason. A plugin recording participation outside those events (a `/vote`, a poll option
picked in a private chat) asks the same question through `ctx.members.in_good_standing()`.

Not in good standing in a community:
- a bot;
- someone never seen there, unless their role there is trusted or more (configured, or given by the
  platform in the community's own chats). `default` without chats of its own (the scope of
  unlisted chats) has no membership to check;
- a member a plugin stops (`practica_filter_event`): moderation says banned, waiting for approval,
  or muted while the mute lasts (muted means: cannot take part, not only cannot post).

Buttons in a private chat are not filtered here: they act on the member's own data and settings
(/forgetme, /community), which even a banned member keeps, or they are moderators' tools whose
rights are checked at the object; a vote picked there is checked where votes are recorded.
A drop is logged with the event's type, the community and the reason; never a text, button data
or a name. A person whose button press in a group is dropped is told so in a private message (at
most once per NOTICE_EVERY), so that a press that does nothing never looks like a broken button.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from core.communities import counts_members
from core.events import ButtonPressed, ChatRef, Event, PollVote, ReactionAdded, Role, User

if TYPE_CHECKING:
    from core.config import Community
    from core.clock import Clock
    from core.host import Host

log = logging.getLogger("practica.standing")

PLUGIN = "core"
"""The name core's own messages are sent under (their texts are core's catalog: `standing.*`)."""
NOTICE_EVERY = timedelta(minutes=10)


class RefusalNotices:
    """When to tell a person that their button press did nothing: at most once per NOTICE_EVERY per
    person and community, so that pressing ten times brings one private message, not ten."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._told: dict[tuple[str, str], datetime] = {}

    def due(self, community: str, uid: str) -> bool:
        now = self.clock.now()
        last = self._told.get((community, uid))
        if last is not None and now - last < NOTICE_EVERY:
            return False
        if len(self._told) >= 10_000:  # bounded: forgetting only means one more notice
            self._told.clear()
        self._told[(community, uid)] = now
        return True


def filtered(event: Event) -> bool:
    """Whether the dispatcher checks the standing of `event`'s author before plugins see it."""
    if isinstance(event, ButtonPressed):
        return not event.chat.is_direct
    return isinstance(event, (PollVote, ReactionAdded))


async def refusal(host: Host, community: Community, user: User, chat: ChatRef | None, event: Event | None) -> str | None:
    """Why `user` may not take part in `community` now (a short reason for the log), or None."""
    if user.is_bot:
        return "a bot"
    if (counts_members(community) and not await host.members.is_member(community.name, user.uid)
            and await host.role_of(user, chat, community) < Role.TRUSTED):
        return "never seen in the community"
    verdict = await host.filter_event(community, event)
    if verdict is not None:
        return f"{getattr(verdict[1], 'reason', '-')} (plugin {verdict[0]})"
    return None


async def allowed(host: Host, community: Community, user: User, chat: ChatRef | None, event: Event | None) -> bool:
    """`refusal` as a yes/no, logging the drop (what kind of event, where, why)."""
    reason = await refusal(host, community, user, chat, event)
    if reason is None:
        return True
    log.info("%s ignored: not in good standing in community %s (%s)", type(event).__name__ if event else "action",
             community.name, reason)
    return False
