"""The essentials commands. Help text comes from the catalogs (`help.<command>`)."""

from __future__ import annotations

from core import Command, CommandContext, Context, NotFound, Role, Text, UsageError, command
from plugins.essentials.services import community, dashboard_link, identity, mydata


COMPACT_AFTER = 15  # above this many commands, /help lists names per plugin only (essentials alone has 9)


def _help_line(ctx: Context, cmd: Command) -> str:
    """"/aide — Lister les commandes..." for a French reader: the command's word in the reader's language."""
    text = ctx.bot.catalog_text(cmd.plugin, ctx.locale, f"help.{cmd.name}") or cmd.help
    word = ctx.bot.prefix + cmd.word_for(ctx.locale)
    return f"{word} — {text}" if text else word


@command("help", help="List the commands you can use, or explain one.", aliases=("start",))
async def help_command(ctx: CommandContext, topic: str = "") -> None:
    role = await ctx.role_of()
    disabled = ctx.community.disabled_plugins
    if topic:
        cmd = ctx.bot.find_command(topic.lstrip(ctx.bot.prefix))
        if cmd is None or cmd.plugin in disabled or cmd.role > role:
            raise NotFound(ctx.t("help.unknown", command=topic[:40], help=ctx.command_word("help")))
        lines = [_help_line(ctx, cmd), ctx.t("help.usage", usage=cmd.usage(ctx.bot.prefix, ctx.locale))]
        others = cmd.other_words(ctx.locale)
        if others:
            lines.append(ctx.t("help.aliases", aliases=", ".join(ctx.bot.prefix + word for word in others)))
        if cmd.role > Role.MEMBER:
            lines.append(ctx.t("help.role", role=ctx.t(f"role.{cmd.role.name.lower()}")))
        await ctx.reply("\n".join(lines))
        return
    await ctx.reply(_command_list(ctx, role))


def _command_list(ctx: Context, role: Role) -> str:
    """The /help list for a reader of `role` in this community, in the reader's language. It depends
    only on those (commands and catalogs are fixed once the bot runs), so it is built once per
    community, language and role and kept (building it costs more than the rest of a /help)."""
    cache: dict[tuple[str, str, Role], str] = ctx.state.setdefault("help_lists", {})
    locale = ctx.locale
    key = (ctx.community.name, locale, role)
    text = cache.get(key)
    if text is not None:
        return text
    disabled = ctx.community.disabled_plugins
    visible = [c for c in ctx.bot.commands() if c.role <= role and c.plugin not in disabled]
    if len(visible) <= COMPACT_AFTER:
        body = [_help_line(ctx, c) for c in visible]
    else:  # short replies for slow connections: one line per plugin, details on request
        by_plugin: dict[str, list[str]] = {}
        for cmd in visible:
            by_plugin.setdefault(cmd.plugin, []).append(ctx.bot.prefix + cmd.word_for(locale))
        body = [f"• {plugin}: {' '.join(sorted(names))}" for plugin, names in sorted(by_plugin.items())]
    text = cache[key] = "\n".join([ctx.t("help.header"), *body, ctx.t("help.footer", help=ctx.command_word("help"))])
    return text


@command("plugins", help="Show which plugins are enabled here.")
async def plugins_command(ctx: CommandContext) -> None:
    lines = [ctx.t("plugins.header")]
    for name, description in sorted(ctx.bot.plugins().items()):
        lines.append(f"• {name}" + (f" — {description}" if description else ""))
    await ctx.reply("\n".join(lines))


@command("whoami", help="Show who the bot thinks you are and your role.")
async def whoami_command(ctx: CommandContext) -> None:
    user = ctx.user
    role = await ctx.role_of()
    await ctx.reply(ctx.t("whoami", name=user.name, uid=user.uid, role=ctx.t(f"role.{role.name.lower()}"),
                          community=ctx.community.name, language=ctx.t("language.name")))


@command("lang", help="Choose the language of my replies to you (for example /lang fr).", aliases=("language",))
async def lang_command(ctx: CommandContext, code: str = "") -> None:
    user = ctx.user
    available = ctx.bot.languages
    if not code:
        await ctx.reply(ctx.t("lang.current", language=ctx.t("language.name"), available=", ".join(available)))
        return
    code = code.lower()
    if code in ("reset", "default"):
        await ctx.members.set_locale(user, None)
    elif code not in available:
        raise UsageError(ctx.t("lang.unknown", code=code[:20], available=", ".join(available)))
    else:
        await ctx.members.set_locale(user, code)
    await ctx.reply(ctx.t("lang.set", language=ctx.t("language.name")))


@command("mydata", help="Receive, privately, everything the bot stores about you.")
async def mydata_command(ctx: CommandContext) -> None:
    await mydata.send_export(ctx)


@command("forgetme", help="Delete everything the bot stores about you (asks first).")
async def forgetme_command(ctx: CommandContext, confirm: Text = Text("")) -> None:
    await mydata.forget(ctx, confirmed=confirm.strip().lower() in ("confirm", "yes", "oui", "confirmer"))


@command("community", help="Choose the community your private chat with me acts in (for example /community cohort7).")
async def community_command(ctx: CommandContext, name: str = "") -> None:
    await community.show_or_choose(ctx, name)


@command("link", help="Link your accounts on several platforms: /link gives a code to send from the other one.")
async def link_command(ctx: CommandContext, code: str = "") -> None:
    await identity.link(ctx, code)


@command("unlink", help="Separate your linked accounts again.")
async def unlink_command(ctx: CommandContext) -> None:
    await identity.unlink(ctx)


@command("dashboard", help="Moderators and trainers: get a private sign-in link to the dashboard, or /dashboard logout.")
async def dashboard_command(ctx: CommandContext, word: str = "") -> None:
    await dashboard_link.dashboard(ctx, word)


ALL = (dashboard_command, help_command, plugins_command, whoami_command, lang_command, community_command, link_command,
       unlink_command, mydata_command, forgetme_command)
