"""What the moderation plugin keeps in memory so the hot path needs no database statement.

Loaded at startup from the database (acceptances, open join requests, running mutes); the rest
(flood windows, reminder times, role cache, compiled rules) is a cache that a restart simply rebuilds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core import Context, Role, User
from plugins.moderation import logic, store

ROLE_TTL = 300.0
"""Seconds a member's role stays cached (the platform role may cost an API call)."""


@dataclass
class ModState:
    """Per-runtime moderation state, shared by every community (keys start with the community's name)."""

    accepted: dict[tuple[str, str], str] = field(default_factory=dict)          # (community, uid) -> version
    questionnaires: dict[str, int] = field(default_factory=dict)                 # uid -> request id (answering by DM)
    gated: set[tuple[str, str]] = field(default_factory=set)                     # (community, uid) waiting for approval
    muted: dict[tuple[str, str], datetime | None] = field(default_factory=dict)  # (community, uid) -> until
    reminded: dict[tuple[str, str], datetime] = field(default_factory=dict)      # last code-of-conduct reminder
    roles: dict[tuple[str, str], tuple[Role, float]] = field(default_factory=dict)
    rules: dict[str, logic.CompiledRules] = field(default_factory=dict)
    flood: logic.FloodWindow = field(default_factory=logic.FloodWindow)


def state(ctx: Context) -> ModState:
    mod = ctx.state.get("mod")
    if mod is None:
        mod = ctx.state["mod"] = ModState()
    return mod


async def load(ctx: Context) -> None:
    """Fill the in-memory state from the database (called at startup)."""
    mod = state(ctx)
    for community, uid, version in await store.load_acceptances(ctx.db):
        mod.accepted[(community, uid)] = version
    for request in await store.open_requests(ctx.db):
        if request.status == "questionnaire":
            mod.questionnaires[request.member_uid] = request.id
        if not ctx.capabilities(request.member.platform).join_requests:
            mod.gated.add((request.community, request.member_uid))
    for case in await store.active_mutes(ctx.db, ctx.now()):
        mod.muted[(case.community, case.member_uid)] = case.expires_at


def rules(ctx: Context) -> logic.CompiledRules:
    """The community's compiled rules, rebuilt only when its config object changes."""
    mod = state(ctx)
    config = ctx.config
    compiled = mod.rules.get(ctx.community.name)
    if compiled is None or compiled.config is not config:
        compiled = mod.rules[ctx.community.name] = logic.CompiledRules(config)
    return compiled


async def role(ctx: Context, user: User) -> Role:
    """The member's role, cached briefly (the configured role is instant; the platform's may be a call)."""
    configured = ctx.community.role_of(user)
    if configured >= Role.MODERATOR:
        return configured
    mod = state(ctx)
    key = (ctx.community.name, user.uid)
    now = ctx.monotonic()
    cached = mod.roles.get(key)
    if cached is not None and cached[1] > now:
        return cached[0]
    found = await ctx.role_of(user)
    mod.roles[key] = (found, now + ROLE_TTL)
    return found


def has_accepted(ctx: Context, uid: str) -> bool:
    return state(ctx).accepted.get((ctx.community.name, uid)) == ctx.config.rules_version
