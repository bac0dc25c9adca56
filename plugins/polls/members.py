"""Members' data (practica_user_data): export a member's votes and polls; erase them."""

from __future__ import annotations

from typing import Any

from core import Context
from plugins.polls import store
from plugins.polls.services import secret
from plugins.polls.logic import anonymous_token


async def user_data(member: str, ctx: Context, erase: bool) -> dict[str, Any]:
    """Export: votes in non-anonymous polls (which options), anonymous polls voted in (only that),
    polls created. Erase: delete the member's votes (results change accordingly) and quiz scores,
    and keep the polls they created without an author."""
    keys = [(poll_id, anonymous_token(salt, member, secret.voter_key(ctx))) for poll_id, salt in await store.anonymous_salts(ctx.db)]
    if erase:
        summary = await store.erase_member(ctx.db, member, keys)
        return summary if any(summary.values()) else {}
    votes: dict[int, dict[str, Any]] = {}
    for poll, option in await store.votes_by_voter(ctx.db, member):
        entry = votes.setdefault(poll.id, {"poll": poll.id, "question": poll.question, "chosen": []})
        entry["chosen"].append(poll.options[option] if 0 <= option < len(poll.options) else option)
    anonymous = []
    for poll_id in await store.anonymous_polls_voted(ctx.db, keys):
        poll = await store.get_poll(ctx.db, poll_id)
        if poll is not None:
            anonymous.append({"poll": poll.id, "question": poll.question, "voted": True})
    created = [{"poll": p.id, "question": p.question, "created_at": p.created_at.isoformat(),
                "closed": p.closed_at is not None} for p in await store.polls_by_author(ctx.db, member)]
    out: dict[str, Any] = {}
    if votes:
        out["votes"] = list(votes.values())
    if anonymous:
        out["anonymous_polls_voted"] = anonymous
    if created:
        out["polls_created"] = created
    return out
