"""The leaderboards commands. Help lines come from the catalogs (`help.<command>`)."""

from __future__ import annotations

from core import CommandContext, NotFound, Role, Text, UsageError, command
from plugins.leaderboards import store
from plugins.leaderboards.services import boards, certificates, ledger, levels, scoring
from plugins.leaderboards.logic import fold, parse_amount

MAX_TEAM = 40
_CLEAR_TEAM = frozenset({"none", "-", "aucune", "aucun", "clear", "effacer"})
_HIDE = frozenset({"hide", "masquer", "cacher", "off"})
_SHOW = frozenset({"show", "afficher", "montrer", "on"})


@command("top", help="The leaderboard: /top [week|month|all] or /top teams.", usage="[week|month|all|teams]")
async def top_command(ctx: CommandContext, what: str = "", period: str = "") -> None:
    await boards.top(ctx, what, period)


@command("rank", help="Your points, place and badges (or another member's).", usage="[@member]")
async def rank_command(ctx: CommandContext, who: str = "") -> None:
    await boards.show_rank(ctx, who)


@command("thanks", help="Thank a member who helped you: /thanks @member.", usage="@member")
async def thanks_command(ctx: CommandContext, who: str = "", words: Text = Text("")) -> None:
    giver, message = ctx.user, ctx.message
    if not who:
        raise UsageError(ctx.t("thanks.usage"))
    receiver = await ctx.members.find(who)
    if receiver is None:
        raise NotFound(ctx.t("member.unknown", who=who[:40]))
    result = await scoring.thank(ctx, giver, receiver, f"thanks:{message.chat.key}:{message.id}", answered=True)
    if result.outcome in ("self", "bot"):
        raise UsageError(ctx.t(f"thanks.{result.outcome}", name=receiver.name))
    if result.outcome == "ok":
        await ctx.reply(ctx.t("thanks.ok", name=receiver.name, count=result.points))
    elif result.outcome == "giver_limit":
        await ctx.reply(ctx.t("thanks.giver_limit", name=receiver.name, count=ctx.config.thanks.per_giver_daily))
    else:
        await ctx.reply(ctx.t("thanks.no_points", name=receiver.name))


@command("points", help="Correct a member's points with a reason: /points @member +5 reason.", role=Role.MODERATOR,
         usage="@member <+N|-N> <reason>")
async def points_command(ctx: CommandContext, who: str = "", amount: str = "", reason: Text = Text("")) -> None:
    moderator, message = ctx.user, ctx.message
    if not who or not amount:
        raise UsageError(ctx.t("points.usage"))
    value = parse_amount(amount)
    if value is None:
        raise UsageError(ctx.t("points.not_number", amount=amount[:20]))
    limit = ctx.config.max_adjustment
    if value == 0 or abs(value) > limit:
        raise UsageError(ctx.t("points.out_of_range", limit=limit))
    if not reason.strip():
        raise UsageError(ctx.t("points.no_reason"))
    member = await ctx.members.find(who)
    if member is None:
        raise NotFound(ctx.t("member.unknown", who=who[:40]))
    if member.is_bot:
        raise UsageError(ctx.t("member.bot", who=member.name))
    await store.add_points(ctx.db, community=ctx.community.name, member=ctx.identity.person_of(member), points=value, source="correction",
                           reason=reason.strip(), reference=f"correction:{message.chat.key}:{message.id}",
                           actor=moderator.uid, when=ctx.now())
    total = await ledger.total(ctx.db, await boards.board(ctx, "all"), ctx.identity.person_of(member))
    await ctx.reply(ctx.t("points.done", name=member.name, count=value, reason=reason.strip()[:200], total=total))


@command("leaderboard", help="Hide yourself from the public boards, or show yourself again.",
         usage="hide|show")
async def leaderboard_command(ctx: CommandContext, choice: str = "") -> None:
    user = ctx.user
    word = fold(choice)
    if word in _HIDE or word in _SHOW:
        hidden = word in _HIDE
        await store.set_hidden(ctx.db, ctx.community.name, ctx.identity.person_of(user), hidden)
        await ctx.reply(ctx.t("privacy.hidden" if hidden else "privacy.shown"))
        return
    if choice:
        raise UsageError(ctx.t("privacy.usage"))
    prof = await store.profile(ctx.db, ctx.community.name, ctx.identity.person_of(user))
    await ctx.reply(ctx.t("privacy.status_hidden" if prof["hidden"] else "privacy.status_shown"))


@command("team", help="Set your facility or district: /team <name> (or /team none).", usage="[name]")
async def team_command(ctx: CommandContext, name: Text = Text("")) -> None:
    user = ctx.user
    name = Text(" ".join(name.split()))
    if not name:
        team = (await store.profile(ctx.db, ctx.community.name, ctx.identity.person_of(user)))["team"]
        await ctx.reply(ctx.t("team.current", team=team) if team else ctx.t("team.none", example=ctx.command_word("team", "Bahir Dar")))
        return
    if fold(name) in _CLEAR_TEAM:
        await store.set_team(ctx.db, ctx.community.name, ctx.identity.person_of(user), None)
        await ctx.reply(ctx.t("team.cleared"))
        return
    if len(name) > MAX_TEAM:
        raise UsageError(ctx.t("team.too_long", limit=MAX_TEAM))
    await store.set_team(ctx.db, ctx.community.name, ctx.identity.person_of(user), name)
    await ctx.reply(ctx.t("team.set", team=name, command=ctx.command_word("top", ctx.t("top.teams_word"))))


@command("level", help="Record your MyLearning level: /level <module> familiar|proficient|expert.",
         usage="[module] [familiar|proficient|expert]")
async def level_command(ctx: CommandContext, module: str = "", level: str = "") -> None:
    await levels.set_level(ctx, module, level)


@command("confirmlevel", help="Confirm a member's recorded level: /confirmlevel @member <module>.", role=Role.MODERATOR,
         usage="@member <module>")
async def confirmlevel_command(ctx: CommandContext, who: str = "", module: str = "") -> None:
    await levels.confirm(ctx, who, module)


@command("progress", help="The learners' progress toward the Champion certificate, per clinical module.")
async def progress_command(ctx: CommandContext) -> None:
    await levels.progress_command(ctx)


@command("certificate", help="Champions: receive your certificate as a PDF: /certificate [your name as it should appear].",
         usage="[name]")
async def certificate_command(ctx: CommandContext, name: Text = Text("")) -> None:
    await certificates.certificate(ctx, name)


ALL = (certificate_command, top_command, rank_command, thanks_command, points_command, leaderboard_command, team_command, level_command,
       confirmlevel_command, progress_command)
