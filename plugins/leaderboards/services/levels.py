"""Learning levels per clinical module: /level, /confirmlevel, /progress, badges and the Champion."""

from __future__ import annotations

from core import CommandContext, Context, NotFound, UsageError, User
from plugins.leaderboards import store
from plugins.leaderboards.services import progress, workers
from plugins.leaderboards.logic import LEVELS, find_module, is_champion, parse_level


def _modules(ctx: Context) -> dict[str, str]:
    modules = ctx.config.module_labels()
    if not modules:
        raise NotFound(ctx.t("level.no_modules"))
    return modules


def _module(ctx: Context, word: str, modules: dict[str, str]) -> str:
    key = find_module(word, modules)
    if key is None:
        raise UsageError(ctx.t("level.unknown_module", module=word[:40], modules=", ".join(modules)))
    return key


def _level_name(ctx: Context, level: int) -> str:
    return ctx.t(f"level.{LEVELS[level - 1]}")


async def set_level(ctx: CommandContext, module: str, level: str) -> None:
    """/level [module] [familiar|proficient|expert]."""
    user = ctx.user
    modules = _modules(ctx)
    if not module:
        await _show_levels(ctx, user, modules)
        return
    key = _module(ctx, module, modules)
    if not level:
        raise UsageError(ctx.t("level.usage", module=key))
    value = parse_level(level)
    if value is None:
        raise UsageError(ctx.t("level.unknown_level", level=level[:40]))
    before = (await store.levels_of(ctx.db, ctx.community.name, ctx.identity.person_of(user))).get(key)
    # lowering (or repeating) a confirmed level needs no new confirmation
    confirmed = not ctx.config.confirm_levels or (before is not None and before[1] and value <= before[0])
    await store.set_level(ctx.db, ctx.community.name, ctx.identity.person_of(user), key, value, confirmed, ctx.now())
    await workers.levels_changed(ctx, ctx.community.name, [ctx.identity.person_of(user)])
    if confirmed:
        await ctx.reply(ctx.t("level.recorded", module=modules[key], level=_level_name(ctx, value)))
        await announce_champion(ctx, user)
    else:
        await ctx.reply(ctx.t("level.pending", module=modules[key], level=_level_name(ctx, value),
                              command=f"{ctx.bot.prefix}confirmlevel {user.mention} {key}"))


async def _show_levels(ctx: Context, user: User, modules: dict[str, str]) -> None:
    levels = await store.levels_of(ctx.db, ctx.community.name, ctx.identity.person_of(user))
    if not any(m in modules for m in levels):
        await ctx.reply(ctx.t("level.none", example=ctx.command_word("level", next(iter(modules)), ctx.t("level.proficient"))))
        return
    parts = []
    for key, label in modules.items():
        if key in levels:
            value, ok = levels[key]
            parts.append(ctx.t("level.item" if ok else "level.item_pending", module=label, level=_level_name(ctx, value)))
    await ctx.reply(ctx.t("level.yours", levels="; ".join(parts)))


async def confirm(ctx: Context, who: str, module: str) -> None:
    """/confirmlevel @member <module> (moderators)."""
    modules = _modules(ctx)
    if not who or not module:
        raise UsageError(ctx.t("confirm.usage"))
    member = await ctx.members.find(who)
    if member is None:
        raise NotFound(ctx.t("member.unknown", who=who[:40]))
    key = _module(ctx, module, modules)
    level = await store.confirm_level(ctx.db, ctx.community.name, ctx.identity.person_of(member), key)
    if level is not None:
        await workers.levels_changed(ctx, ctx.community.name, [ctx.identity.person_of(member)])
    if level is None:
        raise NotFound(ctx.t("confirm.nothing", name=member.name, module=modules[key]))
    await ctx.reply(ctx.t("confirm.done", name=member.name, module=modules[key], level=_level_name(ctx, level)))
    await announce_champion(ctx, member)


async def announce_champion(ctx: Context, member: User) -> None:
    """Announce the Champion badge in the community's groups, once per member."""
    modules = ctx.config.module_labels()
    levels = {m: lvl for m, (lvl, ok) in (await store.levels_of(ctx.db, ctx.community.name, ctx.identity.person_of(member))).items()
              if ok}
    if not is_champion(levels, modules):
        return
    if not await store.mark_champion_announced(ctx.db, ctx.community.name, ctx.identity.person_of(member)):
        return
    text = ctx.t_for(ctx.community.locale, "champion.announce", name=member.name, count=len(modules))
    chats = ctx.chats.groups()
    if not chats and ctx.chat is not None and not ctx.chat.is_direct:
        chats = [ctx.chat]
    for chat in chats:
        await ctx.send(chat, text)
    locale = ctx.members.locale_of(member)
    await ctx.dm(member, ctx.t_for(locale, "certificate.offer", command=ctx.command_word("certificate", locale=locale)))


async def progress_command(ctx: Context) -> None:
    """/progress: toward the Champion certificate, among learners only (staff are not counted): per module
    how many are proficient or better, then how many are Champions and how many are one module away.
    The counts are kept between calls and brought up to date (progress.py), not recounted."""
    modules = _modules(ctx)
    counts = await progress.counts(ctx, modules)
    total = len(counts.persons)
    lines = [ctx.t("progress.header", count=total)]
    for key, label in modules.items():
        lines.append(ctx.t("progress.line", count=counts.proficient[key], total=total, module=label))
    lines.append(ctx.t("progress.champions", count=counts.missing[0], total=total))
    if len(modules) > 1:
        lines.append(ctx.t("progress.one_away", count=counts.missing[1], total=total))
    await ctx.reply("\n".join(lines))
