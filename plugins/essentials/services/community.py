"""/community: which community a member's private chat with the bot acts in.

The choice itself is made by core (core.communities): the one community a member belongs to, else the
one chosen here, remembered across restarts. This module only shows and records the choice.
"""

from __future__ import annotations

from core import Button, ButtonPressed, CommandContext, Context, NotFound, User

BUTTON_PREFIX = "essentials:community:"


def _names(ctx: Context, user: User) -> list[str]:
    return ctx.members.communities_of(user)


async def show_or_choose(ctx: CommandContext, name: str) -> None:
    """Without a name: the current one and a button per community of the member; with one: choose it."""
    theirs = _names(ctx, ctx.user)
    if name:
        await _choose(ctx, ctx.user, name.strip(), theirs)
        return
    if not theirs:
        await ctx.reply(ctx.t("community.none", community=ctx.community.name))
        return
    current = ctx.members.home_of(ctx.user)
    buttons = tuple((Button(("✓ " if n == current else "") + n, f"{BUTTON_PREFIX}{n}"[:64]),) for n in theirs)
    if len(theirs) == 1:
        await ctx.reply(ctx.t("community.only", community=current))
        return
    await ctx.reply(ctx.t("community.current", community=current, communities=", ".join(theirs),
                          command=ctx.command_word("community", theirs[0])), buttons=buttons)


async def _choose(ctx: Context, user: User, name: str, theirs: list[str]) -> None:
    match = next((n for n in theirs if n.lower() == name.lower()), None)
    if match is None:
        raise NotFound(ctx.t("community.not_yours", community=name[:40], communities=", ".join(theirs) or "-"))
    await ctx.members.choose_home(user, match)
    chosen = ctx.for_community(match, keep_event=True)
    role = await chosen.role_of(user)
    await ctx.reply(chosen.t("community.chosen", community=match, role=chosen.t(f"role.{role.name.lower()}")))


async def on_button(event: ButtonPressed, ctx: Context) -> None:
    """A community button: chosen only if the presser belongs to it (forged data does nothing, logged)."""
    name = event.data[len(BUTTON_PREFIX):]
    theirs = _names(ctx, event.user)
    if name not in theirs:
        ctx.log.warning("ignored a /community button for a community the presser does not belong to")
        return
    await _choose(ctx, event.user, name, theirs)
