"""/link and /unlink: one person's accounts on several platforms (opt-in; see core/identities.py)."""

from __future__ import annotations

from core import AccountsLinked, CommandContext, UsageError


async def link(ctx: CommandContext, code: str) -> None:
    """Without a code: a short code to send from the other account. With one: link this account."""
    user = ctx.user
    if not code:
        new = await ctx.identity.new_code(user, ctx.now())
        await ctx.dm(user, ctx.t("link.code", code=new, command=ctx.command_word("link", new)))
        if ctx.chat is not None and not ctx.chat.is_direct:
            await ctx.reply(ctx.t("link.sent_privately"))
        return
    owner = await ctx.identity.redeem(code, user, ctx.now())
    if owner is None:
        raise UsageError(ctx.t("link.bad_code", command=ctx.command_word("link")))
    accounts = tuple(ctx.identity.accounts_of(user))
    for community in ctx.communities(keep_event=True):
        await community.emit(AccountsLinked(community=community.community.name, person=accounts[0], accounts=accounts))
    await ctx.reply(ctx.t("link.done", accounts=", ".join(accounts)))


async def unlink(ctx: CommandContext) -> None:
    user = ctx.user
    separated = await ctx.identity.unlink(user)
    if not separated:
        raise UsageError(ctx.t("unlink.none"))
    await ctx.reply(ctx.t("unlink.done", accounts=", ".join(separated)))
