"""Library commands: /save /search /get /resources /verify /supersede /delete /faq."""

from __future__ import annotations

from typing import Any

from core import (CommandContext, Context, NotFound, PermissionDenied, ResourceVerified, Role, SendFile, Text,
                 UsageError, clean_text, command, excerpt, to_utc_text)
from plugins.resources import logic, store
from plugins.resources.services import insights, library, search

MAX_FAQ_DAYS = 3650
FAQ_UNANSWERED = 10  # topics the library does not answer, shown first
FAQ_ANSWERED = 5


async def _item(ctx: Context, item_id: int) -> Any:
    row = await store.get_item(ctx.db, ctx.community.name, item_id) if 0 < item_id < 2**62 else None
    if row is None:
        raise NotFound(ctx.t("unknown_item", id=item_id, command=ctx.command_word("search")))
    return row


@command("save", help="Save a file, link or note to the library: reply to it with /save <title> #tags.",
         usage="<title> #tags (as a reply, or with a link or text)")
async def save_command(ctx: CommandContext, text: Text = Text("")) -> None:
    item = library.item_from_save(ctx, text)
    item_id, created = await library.keep(ctx, item)
    if not created:
        await ctx.reply(ctx.t("save.duplicate", id=item_id, command=ctx.command_word("get", item_id)))
        return
    tags = " ".join(f"#{t}" for t in item.tags)
    await ctx.reply(ctx.t("save.done", id=item_id, title=clean_text(item.title), tags=tags).rstrip())


@command("search", help="Search the library: /search oxytocin dose.", aliases=("find",),
         usage="<words>")
async def search_command(ctx: CommandContext, query: Text = Text("")) -> None:
    config = ctx.config
    if not query.strip():
        raise UsageError(ctx.t("search.empty", command=ctx.command_word("search")))
    try:
        outcome = await search.search(ctx.db, ctx.community.name, query, synonyms=config.synonyms,
                                      limit=config.page_size + 1)
    except search.QueryError as error:
        key = "search.too_long" if error.reason == "too_long" else "search.no_words"
        raise UsageError(ctx.t(key, chars=logic.MAX_QUERY_CHARS, words=logic.MAX_QUERY_TERMS,
                               command=ctx.command_word("search"))) from None
    await insights.log_search(ctx, query, len(outcome.rows))
    rows = outcome.rows
    if not rows:
        await ctx.reply(ctx.t("search.none", query=excerpt(clean_text(query), 60), command=ctx.command_word("resources")))
        return
    lines = []
    if outcome.suggestion:
        lines.append(ctx.t("search.did_you_mean", suggestion=outcome.suggestion))
    lines += [library.line(ctx, row) for row in rows[: config.page_size]]
    if len(rows) > config.page_size:
        lines.append(ctx.t("search.more"))
    lines.append(ctx.t("search.get_hint", command=ctx.command_word("get")))
    await ctx.reply("\n".join(lines))


@command("get", help="Receive a library item: /get 12.", usage="<id>")
async def get_command(ctx: CommandContext, item_id: int) -> None:
    row = await _item(ctx, item_id)
    chat = ctx.chat
    await store.count_request(ctx.db, row["id"])
    header = library.line(ctx, row)
    if row["kind"] == "document" and row["file_ref"]:
        if row["file_platform"] == chat.platform:
            await ctx.act(SendFile(chat=chat, file_ref=row["file_ref"], caption=library.shown(row["title"]),
                                   reply_to=ctx.message.id if ctx.message else None))
            return
        if not row["url"]:
            await ctx.reply(ctx.t("get.other_platform", id=item_id, title=library.shown(row["title"]),
                                        platform=row["file_platform"]))
            return
    if row["kind"] == "link" or row["url"]:
        await ctx.reply(f"{header}\n{library.shown(row['url'])}")
        return
    await ctx.reply(f"{header}\n{library.shown(row['body'])}")


@command("resources", help="Browse the library, or one tag: /resources #pph.", aliases=("library",),
         usage="[#tag]")
async def resources_command(ctx: CommandContext, tag: str = "") -> None:
    config = ctx.config
    name = ctx.community.name
    folded = logic.fold(tag.strip().lstrip("#"))
    if folded:
        rows = await store.tagged_items(ctx.db, name, folded, config.page_size)
        if not rows:
            raise NotFound(ctx.t("resources.no_tag", tag=folded[:40], command=ctx.command_word("resources")))
        await ctx.reply("\n".join([ctx.t("resources.tag_header", tag=folded)] + [library.line(ctx, r) for r in rows]))
        return
    rows = await store.recent_items(ctx.db, name, config.page_size)
    if not rows:
        await ctx.reply(ctx.t("resources.empty", command=ctx.command_word("save")))
        return
    lines = [ctx.t("resources.header", count=await store.count_items(ctx.db, name))]
    lines += [library.line(ctx, r) for r in rows]
    tags = await store.top_tags(ctx.db, name, 10)
    if tags:
        lines.append(ctx.t("resources.tags", tags=" ".join(f"#{t['tag']} ({t['n']})" for t in tags)))
    await ctx.reply("\n".join(lines))


@command("verify", help="Mark a library item as checked by a moderator.", role=Role.MODERATOR, usage="<id>")
async def verify_command(ctx: CommandContext, item_id: int) -> None:
    row = await _item(ctx, item_id)
    if row["verified"]:
        await ctx.reply(ctx.t("verify.already", id=item_id))
        return
    moderator = ctx.user
    await store.set_verified(ctx.db, item_id, moderator.uid, to_utc_text(ctx.now()))
    await ctx.reply(ctx.t("verify.done", id=item_id, title=library.shown(row["title"])))
    member = library.contributor(row)
    if member is not None:
        await ctx.emit(ResourceVerified(community=ctx.community.name, member=member, item_id=item_id, verified_by=moderator))


@command("supersede", help="Mark an item as outdated, replaced by a newer one: /supersede 3 12.", role=Role.MODERATOR,
         usage="<old id> <new id>")
async def supersede_command(ctx: CommandContext, old_id: int, new_id: int) -> None:
    if old_id == new_id:
        raise UsageError(ctx.t("supersede.same"))
    old = await _item(ctx, old_id)
    await _item(ctx, new_id)
    await store.set_superseded(ctx.db, old_id, new_id)
    await ctx.reply(ctx.t("supersede.done", old=old_id, new=new_id, title=library.shown(old["title"])))


@command("delete", help="Remove a library item you added (moderators: any item).", usage="<id>")
async def delete_command(ctx: CommandContext, item_id: int) -> None:
    row = await _item(ctx, item_id)
    user = ctx.user
    if user.uid not in (row["added_by"], row["author_uid"]) and await ctx.role_of() < Role.MODERATOR:
        raise PermissionDenied(ctx.t("delete.not_yours", id=item_id))
    await store.delete_item(ctx.db, item_id)
    await ctx.reply(ctx.t("delete.done", id=item_id, title=library.shown(row["title"])))


@command("faq", help="The most asked question topics, unanswered ones first: /faq 30.", role=Role.MODERATOR,
         usage="[days]")
async def faq_command(ctx: CommandContext, days: int = 0) -> None:
    config = ctx.config
    if not config.insights:
        await ctx.reply(ctx.t("faq.off"))
        return
    if days < 0 or days > MAX_FAQ_DAYS:
        raise UsageError(ctx.t("faq.bad_days", max=MAX_FAQ_DAYS))
    days = min(days or config.faq_days, config.retention_days)
    ranked = await insights.ranked_topics(ctx, days)
    lines = [ctx.t("faq.header", count=days)]
    open_ = [r.topic for r in ranked if not r.answered][:FAQ_UNANSWERED]
    done = [r.topic for r in ranked if r.answered][:FAQ_ANSWERED]
    if not open_ and not done:
        lines.append(ctx.t("faq.no_questions"))
    number = 0
    for key, part in (("faq.unanswered_header", open_), ("faq.answered_header", done)):
        if part:
            lines.append(ctx.t(key))
        for topic in part:
            number += 1
            lines.append(f"{number}. {excerpt(clean_text(topic.wording), 100)} ({topic.count})")
    await ctx.reply("\n".join(lines))


ALL = (save_command, search_command, get_command, resources_command, verify_command, supersede_command,
       delete_command, faq_command)
