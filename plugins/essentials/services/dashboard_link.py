"""/dashboard: a private one-time link to the coordinators' dashboard; /dashboard logout ends sessions."""

from __future__ import annotations

from core import CommandContext, NotFound, PermissionDenied, UsageError
from core.dashboard import auth


async def dashboard(ctx: CommandContext, word: str) -> None:
    """Send a moderator, trainer or admin of some community a sign-in link, privately."""
    user = ctx.user
    if word and word.lower() not in ("logout", "deconnexion", "déconnexion"):
        raise UsageError(ctx.t("dashboard.usage"))
    if word:
        count = await auth.end_sessions_of(ctx.db, user.uid)
        await ctx.reply(ctx.t("dashboard.logged_out", count=count))
        return
    url = ctx.bot.dashboard_url()
    if url is None:
        raise NotFound(ctx.t("dashboard.disabled"))
    if not await ctx.bot.is_coordinator(user):
        raise PermissionDenied(ctx.t("dashboard.refused"))
    token = await auth.issue_token(ctx.db, user, ctx.now())
    locale = ctx.members.locale_of(user)
    await ctx.dm(user, ctx.t_for(locale, "dashboard.link", url=f"{url}/login/{token}"))
    if ctx.chat is not None and not ctx.chat.is_direct:
        await ctx.reply(ctx.t("dashboard.sent_privately"))
