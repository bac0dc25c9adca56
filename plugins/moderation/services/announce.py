"""A new code-of-conduct version is announced in the community's chats at start, once per version.

Members should learn that the rules changed from the bot, not because a message of theirs was removed.
The announcement is recorded (`moderation_announced`), so restarts never repeat it, and posted by a stored
job, which runs once the adapters are connected (and still runs after a crash right after start). The first version
of a new installation is recorded silently: there is no change to announce, and newcomers are asked to
accept the code of conduct when they join.
"""

from __future__ import annotations

from core import Context, Job
from plugins.moderation.store import held as held_store

ANNOUNCE_JOB = "rules_announce"


async def new_rules(ctx: Context) -> None:
    """Startup: for each community with a written code of conduct, announce a version not announced yet."""
    for community_ctx in ctx.communities():
        await _community(community_ctx)


async def _community(ctx: Context) -> None:
    config = ctx.config
    if not config.rules.strip():
        return
    name, version = ctx.community.name, config.rules_version
    if await held_store.was_announced(ctx.db, name, version):
        return
    changed = (await held_store.any_announced(ctx.db, name)
               or await held_store.accepted_other_version(ctx.db, name, version))
    await held_store.mark_announced(ctx.db, name, version, ctx.now())
    if changed:
        await ctx.jobs.schedule(ANNOUNCE_JOB, ctx.now(), key=f"rules:{name}:{version}", payload={"version": version})


async def run_announce(ctx: Context, job: Job) -> None:
    """Job: post the announcement in the community's chats (unless the version changed again meanwhile)."""
    config = ctx.config
    if job.payload.get("version") != config.rules_version or not config.rules.strip():
        return
    key = "rules.announce_accept" if config.require_accept else "rules.announce"
    text = ctx.t(key, version=config.rules_version, rules=f"{ctx.bot.prefix}rules", accept=f"{ctx.bot.prefix}accept")
    for chat in ctx.chats.groups():
        await ctx.send(chat, text)
