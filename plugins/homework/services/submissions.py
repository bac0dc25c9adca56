"""Recording a submission (by /done or by a reply to the assignment's post), shared by both paths."""

from __future__ import annotations

from dataclasses import dataclass

from core import Context, HomeworkSubmitted, User
from plugins.homework import store
from plugins.homework.jobs import schedule_proof
from plugins.homework.logic import MAX_NOTE, Assignment


@dataclass(frozen=True, slots=True)
class Outcome:
    first: bool
    on_time: bool


async def record(ctx: Context, a: Assignment, user: User, *, via: str, note: str = "",
                 attachment: str | None = None) -> Outcome:
    """Store `user`'s submission of `a` (an update when they already submitted).

    The first submission emits HomeworkSubmitted and plans the social-proof post. The note is kept only
    when the config says so (`keep_notes`), truncated; it is never logged.
    """
    now = ctx.now()
    note = note.strip()
    kept = note[:MAX_NOTE] if (note and ctx.config.keep_notes) else None
    async with ctx.db.transaction():
        existing = await store.get_submission(ctx.db, a.id, ctx.identity.person_of(user))
        if existing is not None:
            await store.update_submission(ctx.db, assignment_id=a.id, uid=ctx.identity.person_of(user), now=now, attachment=attachment,
                                          has_note=bool(note), note=kept)
            return Outcome(first=False, on_time=bool(existing["on_time"]))
        on_time = now <= a.due_at
        await store.insert_submission(ctx.db, assignment_id=a.id, uid=ctx.identity.person_of(user), name=user.name, handle=user.handle,
                                      now=now, on_time=on_time, via=via, attachment=attachment, has_note=bool(note),
                                      note=kept)
    await ctx.emit(HomeworkSubmitted(community=a.community, member=user, assignment_id=a.id, on_time=on_time,
                                     module=a.module))
    await schedule_proof(ctx, a)
    return Outcome(first=True, on_time=on_time)
