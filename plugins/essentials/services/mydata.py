"""Members' data: export by direct message (/mydata) and deletion after confirmation (/forgetme).

Every plugin answers the `practica_user_data` hook, and an adapter that keeps something about a
member outside the database answers `member_data` (WhatsApp's window store); this module only
gathers and presents.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from core import Button, ButtonPressed, CommandContext, Context, UploadFile
from plugins.essentials import store
from plugins.essentials.services.summary import summary_lines

BUTTON_PREFIX = "essentials:forget:"
CONFIRM_WINDOW = timedelta(minutes=10)


async def _pending(ctx: Context, uid: str) -> bool:
    """Whether `uid` asked to be forgotten less than CONFIRM_WINDOW ago (stored: survives a restart)."""
    await store.clear_expired(ctx.db, ctx.now() - CONFIRM_WINDOW)
    return await store.asked_at(ctx.db, uid) is not None


async def collect(ctx: Context, uid: str, *, erase: bool) -> dict[str, Any]:
    """{plugin: data} from every plugin's practica_user_data, for every account of the person (linked
    accounts: what another account holds is added under its name)."""
    accounts = ctx.identity.accounts_of(uid)
    found = await _collect_one(ctx, accounts[0], erase=erase)
    for account in accounts[1:]:
        for plugin, value in (await _collect_one(ctx, account, erase=erase)).items():
            if plugin in found and isinstance(found[plugin], dict) and isinstance(value, dict):
                found[plugin] = {**found[plugin], **{f"{key} ({account})": item for key, item in value.items()}}
            else:
                found.setdefault(plugin, value)
    if erase:
        await ctx.identity.erase(uid)
    return found


async def _collect_one(ctx: Context, uid: str, *, erase: bool) -> dict[str, Any]:
    """Every plugin's data about `uid`, and what the platform's adapter keeps outside the database."""
    return await ctx.bot.user_data(uid, erase=erase, event=ctx.event)


async def send_export(ctx: CommandContext) -> None:
    """Privately: a short summary in the member's language, then the full data as a JSON file.

    Asked in the private chat, both are the answer in that chat (an answer, not a message the bot
    starts: WhatsApp still delivers it to a member who turned reminders off with /stop). Where the
    platform cannot receive files, the full data follows as text instead.
    """
    user = ctx.user
    found = await collect(ctx, user.uid, erase=False)
    lines = [ctx.t("mydata.header", uid=user.uid)] + (summary_lines(ctx, found) or [ctx.t("mydata.nothing")])
    full = json.dumps(found, ensure_ascii=False, indent=1, sort_keys=True, default=str)
    here = ctx.chat if ctx.chat.is_direct else None

    async def say(text: str) -> None:
        await (ctx.reply(text, quote=False) if here is not None else ctx.dm(user, text))

    if ctx.capabilities(user.platform).files:
        name = f"practica-data-{user.platform}-{user.id}-{ctx.now().astimezone(ctx.tz):%Y-%m-%d-%H%M}.json"
        await say("\n".join([*lines, ctx.t("mydata.file_follows", file=name)]))
        await ctx.act(UploadFile(name=name, content=full.encode("utf-8"), chat=here, user=None if here else user,
                                 caption=ctx.t("mydata.file_caption"), mime="application/json"))
    else:
        await say("\n".join([*lines, ctx.t("mydata.full_below"), full]))
    if here is None:
        await ctx.reply(ctx.t("mydata.sent_privately"))


async def forget(ctx: CommandContext, *, confirmed: bool) -> None:
    user = ctx.user
    if confirmed and await _pending(ctx, user.uid):
        await _erase(ctx, user.uid)
        return
    await store.ask(ctx.db, user.uid, ctx.now())
    buttons = ((Button(ctx.t("forgetme.yes"), f"{BUTTON_PREFIX}{user.uid}"), Button(ctx.t("forgetme.no"), f"{BUTTON_PREFIX}cancel")),)
    await ctx.reply(ctx.t("forgetme.ask", command=ctx.command_word("forgetme", ctx.t("forgetme.confirm_word"))), buttons=buttons)


async def on_button(event: ButtonPressed, ctx: Context) -> None:
    target = event.data[len(BUTTON_PREFIX):]
    if target == "cancel":
        await store.clear(ctx.db, event.user.uid)
        await ctx.reply(ctx.t("forgetme.cancelled"))
    elif target == event.user.uid and await _pending(ctx, event.user.uid):
        await _erase(ctx, event.user.uid)
    elif target != event.user.uid:
        ctx.log.warning("ignored a /forgetme button pressed by someone it was not sent to")


async def _erase(ctx: Context, uid: str) -> None:
    await store.clear(ctx.db, uid)
    # Overwrite deleted rows with zeros instead of leaving them in free pages, then, once the erasure
    # is committed, fold the write-ahead log into the file and truncate it: the member's words must not
    # stay readable on disk (`practica.db-wal` keeps old pages until a checkpoint).
    await ctx.db.execute("PRAGMA secure_delete = ON")
    found = await collect(ctx, uid, erase=True)
    ctx.bot.spawn(ctx.db.checkpoint(), "checkpoint after erasure")
    ctx.log.info("erased a member's data at their request (%d plugin(s))", len(found))
    await ctx.reply(ctx.t("forgetme.done", plugins=", ".join(sorted(found)) or "-"))
