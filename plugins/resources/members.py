"""Members' data: export and erase (practica_user_data).

Export: the items a member added, contributed or verified, and their logged questions and searches.
Erase: logged questions and searches are deleted (stored and still buffered). Library items stay,
anonymized: they are shared community knowledge that other members rely on (protocols, guidelines,
superseded-by chains), and were posted for the group; only the link to the person is removed. A member
who wants an item gone deletes it with /delete first (or asks a moderator).
"""

from __future__ import annotations

from typing import Any

from core import Context
from plugins.resources import store
from plugins.resources.services import insights


async def user_data(member: str, ctx: Context, erase: bool) -> dict[str, Any] | None:
    if erase:
        dropped = insights.drop_buffered(ctx, member)
        summary = await store.erase_member(ctx.db, member)
        summary["questions_deleted"] += dropped
        return summary if any(summary.values()) else None
    await insights.flush(ctx)
    items = [{"id": r["id"], "community": r["community"], "kind": r["kind"], "title": r["title"], "tags": r["tags"],
              "url": r["url"], "file_name": r["file_name"], "added_at": r["added_at"],
              "contributed": r["author_uid"] == member, "added": r["added_by"] == member,
              "verified": r["verified_by"] == member}
             for r in await store.member_items(ctx.db, member)]
    questions = [{"community": r["community"], "text": r["text"], "kind": r["source"], "asked_at": r["asked_at"]}
                 for r in await store.member_questions(ctx.db, member)]
    if not items and not questions:
        return None
    return {"library_items": items, "logged_questions": questions}
