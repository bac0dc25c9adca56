"""What the moderation plugin keeps in memory so the hot path needs no database statement.

Loaded at startup from the database (acceptances, open join requests, running mutes); the rest
(flood windows, reminder times, compiled rules) is a cache that a restart simply rebuilds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core import Context
from plugins.moderation import logic, store


@dataclass
class ModState:
    """Per-runtime moderation state, shared by every community (keys start with the community's name)."""

    accepted: dict[tuple[str, str], str] = field(default_factory=dict)          # (community, uid) -> version
    questionnaires: dict[str, int] = field(default_factory=dict)                 # uid -> request id (answering by DM)
    gated: set[tuple[str, str]] = field(default_factory=set)                     # (community, uid) waiting for approval
    muted: dict[tuple[str, str], datetime | None] = field(default_factory=dict)  # (community, uid) -> until
    reminded: dict[tuple[str, str], datetime] = field(default_factory=dict)      # last code-of-conduct reminder
    rules: dict[str, logic.CompiledRules] = field(default_factory=dict)
    flood: logic.FloodWindow = field(default_factory=logic.FloodWindow)
    released: set[tuple[str, str]] = field(default_factory=set)                 # (chat, message id) let through once


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



def has_accepted(ctx: Context, uid: str) -> bool:
    return state(ctx).accepted.get((ctx.community.name, uid)) == ctx.config.rules_version
