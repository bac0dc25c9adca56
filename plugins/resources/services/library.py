"""Building, storing and presenting library items (shared by the commands and auto-capture)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from core import (Attachment, CommandContext, Context, MessageEvent, UsageError, User, clean_text, excerpt, from_utc_text,
                  to_utc_text)
from plugins.resources import logic, store
from plugins.resources.services import search

CAPTURED_KINDS = ("document",)  # attachment kinds auto-capture keeps (photos and voice notes are chat, not library)


def _file_of(attachments: tuple[Attachment, ...]) -> Attachment | None:
    for attachment in attachments:
        if attachment.file_ref:
            return attachment
    return None


def item_from_save(ctx: CommandContext, text: str) -> store.NewItem:
    """The item `/save <title> #tags` describes: the replied message's file, link or text, or inline content.

    Raises UsageError when there is nothing to save.
    """
    event = ctx.message
    request = logic.parse_save(text)
    reply = event.reply_to
    source_text = reply.text if reply is not None else ""
    attachment = _file_of(event.attachments) or (_file_of(reply.attachments) if reply is not None else None)
    url = request.url or (logic.urls(source_text)[0] if logic.urls(source_text) else None)
    author = event.author
    if reply is not None and reply.author is not None and not reply.author.is_bot:
        author = reply.author
    source_message = reply.message_id if reply is not None else event.id
    common: dict[str, Any] = dict(
        community=ctx.community.name, added_at=to_utc_text(ctx.now()), tags=tuple(request.tags),
        source_chat=event.chat.key, source_message=source_message, author_uid=author.uid, author_name=author.name,
        author_handle=author.handle, added_by=event.author.uid)
    if attachment is not None:
        title = request.title or attachment.name or excerpt(source_text) or ""
        if not title:
            raise UsageError(ctx.t("save.need_title"))
        body = " ".join(x for x in (attachment.name or "", request.note, source_text) if x)
        return store.NewItem(kind="document", title=excerpt(title, 200), body=body, file_ref=attachment.file_ref,
                             file_platform=event.chat.platform, file_name=attachment.name, mime=attachment.mime,
                             size=attachment.size, language=logic.guess_language(f"{title} {body}", ctx.community.locale),
                             **common)
    if url is not None:
        title = request.title or excerpt(source_text.replace(url, " ")) or url
        body = " ".join(x for x in (request.note, source_text.replace(url, " ").strip(), url) if x)
        return store.NewItem(kind="link", title=excerpt(title, 200), body=body, url=url,
                             url_key=logic.normalize_url(url),
                             language=logic.guess_language(f"{title} {body}", ctx.community.locale), **common)
    note = request.note or source_text
    if not note and request.title:
        note = request.title  # a one-line note: "/save Oxytocin 10 IU IM after birth #pph"
    if not note:
        raise UsageError(ctx.t("save.nothing", command=ctx.command_word("save")))
    title = request.title or excerpt(note)
    return store.NewItem(kind="note", title=excerpt(title, 200), body=note,
                         language=logic.guess_language(f"{title} {note}", ctx.community.locale), **common)


async def keep(ctx: Context, item: store.NewItem) -> tuple[int, bool]:
    """Store `item` unless the same file or link is already there: (id, created).

    Replied texts and file names do not pass through the command line, so they are cleaned here
    (no bidi overrides or zero-width characters reach the library or come back in answers).
    """
    item = replace(item, title=clean_text(item.title), body=clean_text(item.body),
                   file_name=clean_text(item.file_name) if item.file_name else item.file_name)
    item_id, created = await store.add_item(ctx.db, item)
    if created:
        search.remember(ctx.db, item.title, " ".join(item.tags), item.body)
    return item_id, created


async def capture(event: MessageEvent, ctx: Context) -> None:
    """Auto-capture: keep documents and links posted in a configured chat (duplicates are skipped)."""
    attachment = next((a for a in event.attachments if a.kind in CAPTURED_KINDS and a.file_ref), None)
    found = logic.urls(event.text) if attachment is None else []
    if attachment is None and not found:
        return
    author = event.author
    common: dict[str, Any] = dict(
        community=ctx.community.name, added_at=to_utc_text(ctx.now()), tags=tuple(logic.hashtags(event.text)),
        source_chat=event.chat.key, source_message=event.id, author_uid=author.uid, author_name=author.name,
        author_handle=author.handle, added_by=author.uid)
    if attachment is not None:
        title = attachment.name or excerpt(event.text) or attachment.file_ref[:20]
        body = " ".join(x for x in (attachment.name or "", event.text) if x)
        item = store.NewItem(kind="document", title=excerpt(title, 200), body=body, file_ref=attachment.file_ref,
                             file_platform=event.chat.platform, file_name=attachment.name, mime=attachment.mime,
                             size=attachment.size, language=logic.guess_language(body, ctx.community.locale), **common)
    else:
        url = found[0]
        rest = event.text.replace(url, " ").strip()
        item = store.NewItem(kind="link", title=excerpt(rest or url, 200), body=f"{rest} {url}".strip(), url=url,
                             url_key=logic.normalize_url(url), language=logic.guess_language(rest, ctx.community.locale),
                             **common)
    item_id, created = await keep(ctx, item)
    if created:
        ctx.log.debug("auto-captured item #%d", item_id)


def contributor(row: Any) -> User | None:
    """The member who contributed an item (None once anonymized)."""
    uid = row["author_uid"]
    if not uid:
        return None
    platform, _, ident = uid.partition(":")
    return User(platform=platform, id=ident, name=row["author_name"] or ident, handle=row["author_handle"])


def line(ctx: Context, row: Any) -> str:
    """One result line: `#12 ✓ Title — document, 1.2 MB, 20 Nov 2026 (outdated: see #15)`, in the reader's language."""
    when = ctx.format_day(from_utc_text(row["added_at"]))
    details = [ctx.t(f"kind.{row['kind']}")]
    size = logic.format_size(row["size"])
    if size:
        details.append(size)
    details.append(when)
    mark = "✓ " if row["verified"] else ""
    text = f"#{row['id']} {mark}{shown(row['title'])} — {', '.join(details)}"
    if row["superseded_by"] is not None:
        text += " " + ctx.t("outdated", id=row["superseded_by"])
    return text


def shown(text: str | None) -> str:
    """Stored text as it may be echoed (items saved before cleaning existed may hold invisible characters)."""
    return clean_text(text or "")
