"""/progress counts, kept per community instead of recounted: learners toward the Champion certificate.

Counting every learner for each /progress reads the whole member list and asks each member's role (at
100,000 members, several hundred milliseconds). So the counts are built once, then kept up to date:
membership changes come from the member directory (`ctx.members.changes_since`), level changes from this
plugin's own writes (`store.level_changes_since`), and each /progress applies only what changed since
the one before. A change of linked accounts or a change log too old to follow counts everything again;
past MAX_AGE the counts are rebuilt in the background (a member who became a chat administrator is staff
from then on) while /progress answers from the kept ones.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from core import Context, Role, User, sliced
from plugins.leaderboards import store

MAX_AGE = 3600.0  # seconds before the counts are built again from scratch (platform roles move)
_STATE = "progress"


@dataclass
class Counts:
    """Who counts as a learner, and the sums /progress shows."""

    modules: tuple[str, ...]
    chat: Any  # where platform roles are asked when the community lists no chat on a platform
    members_version: int
    levels_version: int
    links_version: int
    built: float
    accounts: dict[str, str] = field(default_factory=dict)  # learner account uid -> person
    persons: Counter[str] = field(default_factory=Counter)  # person -> learner accounts
    levels: dict[str, dict[str, int]] = field(default_factory=dict)  # person -> confirmed levels (anyone)
    proficient: Counter[str] = field(default_factory=Counter)  # module -> learners proficient or better
    missing: Counter[int] = field(default_factory=Counter)  # modules still to reach expert -> learners
    refreshing: bool = False  # a recount from scratch is on its way

    def _count(self, person: str, sign: int) -> None:
        levels = self.levels.get(person)
        if not levels:
            self.missing[len(self.modules)] += sign
            return
        missing = 0
        for key in self.modules:
            level = levels.get(key, 0)
            if level >= 2:
                self.proficient[key] += sign
            if level < 3:
                missing += 1
        self.missing[missing] += sign

    def add_account(self, uid: str, person: str) -> None:
        self.accounts[uid] = person
        self.persons[person] += 1
        if self.persons[person] == 1:
            self._count(person, +1)

    def drop_account(self, uid: str) -> None:
        person = self.accounts.pop(uid, None)
        if person is None:
            return
        self.persons[person] -= 1
        if self.persons[person] == 0:
            del self.persons[person]
            self._count(person, -1)

    def set_levels(self, person: str, levels: dict[str, int]) -> None:
        counted = person in self.persons
        if counted:
            self._count(person, -1)
        if levels:
            self.levels[person] = levels
        else:
            self.levels.pop(person, None)
        if counted:
            self._count(person, +1)


async def is_learner(ctx: Context, user: User, here: Any = None, chats: dict[str, Any] | None = None) -> bool:
    """Not a moderator, admin or owner, whether configured in the community or given by the platform
    (asked in a group chat of the community on the member's platform, else in `here`: the command's chat).
    `chats` keeps the community's chat per platform across calls (counting a whole community)."""
    if user.is_bot or ctx.community.role_of(user) >= Role.MODERATOR:
        return False
    if chats is None or user.platform not in chats:
        found = platform_chat(ctx, user, ctx.chat if here is None else here)
        if chats is None:
            chat = found
        else:
            chat = chats[user.platform] = found
    else:
        chat = chats[user.platform]
    return chat is None or await ctx.role_of(user, chat) < Role.MODERATOR


def platform_chat(ctx: Context, user: User, here: Any) -> Any:
    """A group chat of the community on the member's platform, where the platform can tell their role."""
    chats = ctx.chats.groups(user.platform)
    if chats:
        return chats[0]
    return here if here is not None and not here.is_direct and here.platform == user.platform else None


async def counts(ctx: Context, modules: dict[str, str]) -> Counts:
    """The counts of this community, brought up to date (built from scratch when they cannot be)."""
    cache: dict[Any, Counts] = ctx.state.setdefault(_STATE, {})
    key = (ctx.community.name, tuple(modules))
    held = cache.get(key)
    in_group = ctx.chat is not None and not ctx.chat.is_direct
    if held is None or held.links_version != ctx.identity.version() \
            or (held.chat is None and in_group and not ctx.community.chats) or not await _catch_up(ctx, held):
        held = cache[key] = await _build(ctx, tuple(modules))
    elif time.monotonic() - held.built > MAX_AGE and not held.refreshing:
        held.refreshing = True
        ctx.bot.spawn(_refresh(ctx, cache, key, held), "progress-recount")
    return held


async def _refresh(ctx: Context, cache: dict[Any, Counts], key: Any, old: Counts) -> None:
    """Count everything again in the background; the next /progress catches the new counts up."""
    fresh = await _build(ctx, old.modules)
    if cache.get(key) is old:
        cache[key] = fresh


async def _build(ctx: Context, modules: tuple[str, ...]) -> Counts:
    """Count everything: every member's role and every recorded level of the community."""
    here = ctx.chat if ctx.chat is not None and not ctx.chat.is_direct else None
    found = Counts(modules, here, ctx.members.version(), store.levels_version(ctx.db), ctx.identity.version(),
                   time.monotonic())
    for member, levels in (await store.confirmed_levels(ctx.db, ctx.community.name)).items():
        found.levels[member] = levels
    chats: dict[str, Any] = {}
    async for chunk in sliced(await ctx.members.active()):  # a large community: other chats' work goes on meanwhile
        for user in chunk:
            if await is_learner(ctx, user, here, chats):
                found.add_account(user.uid, ctx.identity.person_of(user))
    return found


@dataclass(frozen=True, slots=True)
class Changes:
    """What changed in a community since two versions: to catch up what is kept instead of recounting."""

    members: list[str]  # uids whose membership or name changed (oldest first, maybe repeated)
    levels: set[str]  # persons whose levels here changed
    members_version: int  # the versions these bring what is kept up to
    levels_version: int


def changes_since(ctx: Context, members_version: int, levels_version: int) -> Changes | None:
    """The membership and level changes after these versions; None when the change logs no longer reach
    back that far, or say only that some levels changed (then everything is counted again)."""
    members_now, levels_now = ctx.members.version(), store.levels_version(ctx.db)
    changed = ctx.members.changes_since(members_version)
    levels = store.level_changes_since(ctx.db, levels_version)
    if changed is None or levels is None:
        return None
    community = ctx.community.name
    if any(member is None and where in (None, community) for where, member in levels):
        return None  # "some levels changed" without saying whose
    persons = {member for where, member in levels if member is not None and where in (None, community)}
    return Changes(changed, persons, members_now, levels_now)


async def _catch_up(ctx: Context, held: Counts) -> bool:
    """Apply the membership and level changes since `held` was last brought up to date; False when they
    cannot be told (then everything is counted again)."""
    changes = changes_since(ctx, held.members_version, held.levels_version)
    if changes is None:
        return False
    for person in sorted(changes.levels):
        recorded = await store.levels_of(ctx.db, ctx.community.name, person)
        held.set_levels(person, {m: lvl for m, (lvl, ok) in recorded.items() if ok})
    if changes.members:
        uids = list(dict.fromkeys(changes.members))
        known = await ctx.members.by_ids(uids)
        for uid in uids:
            held.drop_account(uid)
            user = known.get(uid)
            if user is not None and await ctx.members.is_member(uid) and await is_learner(ctx, user, held.chat):
                held.add_account(uid, ctx.identity.person_of(user))
    held.members_version, held.levels_version = changes.members_version, changes.levels_version
    return True
