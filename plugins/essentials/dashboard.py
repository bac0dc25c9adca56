"""/dashboard: a private one-time link to the coordinators' dashboard; /dashboard logout ends sessions."""

from __future__ import annotations

from core import Context, NotFound, PermissionDenied, UsageError
from core.dashboard import auth


async def dashboard(ctx: Context, word: str) -> None:
    """Send a moderator, trainer or admin of some community a sign-in link, privately."""
    user = ctx.user
    assert user is not None
    server = ctx.runtime.dashboard
    if word and word.lower() not in ("logout", "deconnexion", "déconnexion"):
        raise UsageError(ctx.t("dashboard.usage"))
    if word:
        count = await auth.end_sessions_of(ctx.db, user.uid)
        await ctx.reply(ctx.t("dashboard.logged_out", count=count))
        return
    if server is None:
        raise NotFound(ctx.t("dashboard.disabled"))
    if not await server.dashboard.coordinated(user):
        raise PermissionDenied(ctx.t("dashboard.refused"))
    token = await auth.issue_token(ctx.db, user, ctx.now())
    locale = ctx.locale_of(user)
    await ctx.dm(user, ctx.t_for(locale, "dashboard.link", url=f"{server.url}/login/{token}"))
    if ctx.chat is not None and not ctx.chat.is_direct:
        await ctx.reply(ctx.t("dashboard.sent_privately"))
