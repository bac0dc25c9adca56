"""What the moderation plugin keeps in memory so the hot path needs no database statement.

Loaded at startup from the database (acceptances, open join requests, running mutes); the rest
(flood windows, reminder times, compiled rules) is a cache that a restart simply rebuilds. With several
workers, what changes about a member here (`told`) is announced to the other workers, which reload
that member's entries (`changed`).
"""

from __future__ import annotations

from collections.abc import Sequence
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


async def load(ctx: Context, uids: Sequence[str] | None = None, *, replace: bool = False) -> None:
    """Fill the in-memory state from the database: at startup; after another worker's change, for `uids`
    (their entries are replaced), or everyone's (`replace`). Read first, then applied at once: the hot
    path never sees half of it."""
    acceptances = await store.load_acceptances(ctx.db, uids)
    requests = await store.open_requests(ctx.db, uids)
    mutes = await store.active_mutes(ctx.db, ctx.now(), uids)
    mod = state(ctx)
    if replace:
        mod.accepted, mod.questionnaires, mod.gated, mod.muted = {}, {}, set(), {}
    elif uids is not None:
        forget(ctx, uids)
    for community, uid, version in acceptances:
        mod.accepted[(community, uid)] = version
    for request in requests:
        if request.status == "questionnaire":
            mod.questionnaires[request.member_uid] = request.id
        if not ctx.capabilities(request.member.platform).join_requests:
            mod.gated.add((request.community, request.member_uid))
    for case in mutes:
        mod.muted[(case.community, case.member_uid)] = case.expires_at


def forget(ctx: Context, uids: Sequence[str], *, mutes: bool = True) -> None:
    """Drop what the hot path keeps about `uids` (about to be reloaded; erased: `mutes=False`, a running
    mute still holds until it ends)."""
    mod, gone = state(ctx), set(uids)
    mod.accepted = {k: v for k, v in mod.accepted.items() if k[1] not in gone}
    mod.gated = {k for k in mod.gated if k[1] not in gone}
    if mutes:
        mod.muted = {k: v for k, v in mod.muted.items() if k[1] not in gone}
    for uid in gone:
        mod.questionnaires.pop(uid, None)


async def erased(ctx: Context, uid: str) -> None:
    """/forgetme: drop the member's entries here, and tell the other workers to do the same."""
    forget(ctx, [uid], mutes=False)
    await ctx.announce("erased", [uid])


async def told(ctx: Context, uid: str) -> None:
    """Tell the other workers that this member's acceptances, join request or mute changed here (in the
    transaction of the change)."""
    await ctx.announce("member", [uid])


async def changed(ctx: Context, kind: str | None, uids: Sequence[str]) -> None:
    """Another worker changed these members' entries (kind None: anything may have changed)."""
    if kind is None:  # what `load` reads is read again; the caches (flood windows, reminders...) stay
        await load(ctx, replace=True)
    elif kind == "member":
        await load(ctx, uids)
    elif kind == "erased":
        forget(ctx, uids, mutes=False)


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
