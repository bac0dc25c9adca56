"""The moderation page of the dashboard: join requests, reports, held messages and appeals.

Each button runs the same code as the chat command (`/approve`, `/deny`, `/release`, `/reject`,
`/appeal_accept`, `/appeal_refuse`; for a report: the code of `/warn` and `/mute`, or the removal of
the reported message, see `reports`) with the signed-in coordinator as the moderator, so the same
rules apply and the log names them. An id that belongs to another community is refused.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from starlette.responses import Response

from core import CommandError
from core.dashboard import Page, View
from plugins.moderation import store
from plugins.moderation.services import appeals, held, membership, reports
from plugins.moderation.store import held as held_store

TEMPLATES = Path(__file__).parent / "templates"
MAX_REASON = 300


async def _data(view: View) -> dict[str, Any]:
    db, name = view.ctx.db, view.ctx.community.name
    requests = [r for r in await store.open_requests(db) if r.community == name and r.status == "pending"]
    reports = [store.Case.from_row(r) for r in await db.fetchall(
        "SELECT * FROM moderation_cases WHERE community = ? AND action = 'report' AND status = 'open' "
        "ORDER BY number DESC LIMIT 50", (name,))]
    return {"requests": requests, "reports": reports, "held": await held_store.pending(db, name, limit=50),
            "appeals": await store.pending_appeals(db, name)}


async def moderation(view: View, notice: str = "", status: int = 200) -> Response:
    data = await _data(view)
    table = view.query.get("format") == "csv" and view.query.get("table", "")
    if table == "requests":
        return view.csv("join-requests", ["id", view.t("dash.member"), view.t("dash.date"), view.t("dash.answers")],
                        ([r.id, r.member_name, view.format_day(r.created_at), " | ".join(r.answers)] for r in data["requests"]))
    if table == "reports":
        return view.csv("reports", ["case", view.t("dash.member"), view.t("dash.date"), view.t("dash.reason")],
                        ([c.number, c.member_name, view.format_day(c.created_at), c.reason] for c in data["reports"]))
    if table == "held":
        return view.csv("held", ["id", view.t("dash.member"), view.t("dash.date"), view.t("dash.text")],
                        ([h.id, h.member_name, view.format_day(h.created_at), h.text] for h in data["held"]))
    if table == "appeals":
        return view.csv("appeals", ["id", "case", view.t("dash.date"), view.t("dash.text")],
                        ([a.id, a.case_number, view.format_day(a.created_at), a.text] for a in data["appeals"]))
    if table:
        raise view.fail(400, "dashboard.error.bad_input")
    return view.render("moderation.html", status=status, notice=notice, **data)


def _number(view: View, form: Any, key: str = "id") -> int:
    raw = str(form.get(key) or "")
    if not raw.isdigit() or len(raw) > 12:
        raise view.fail(400, "dashboard.error.bad_input")
    return int(raw)


def _action(decide: Callable[[View, int, str], Awaitable[str]], owner: Callable[[View, int], Awaitable[str | None]]):  # type: ignore[no-untyped-def]
    """A POST handler: check the object is this community's, then run the chat command's code."""

    async def handler(view: View) -> Response:
        form = await view.request.form()
        number = _number(view, form)
        if await owner(view, number) != view.ctx.community.name:
            raise view.fail(404, "dashboard.error.not_found")
        reason = " ".join(str(form.get("reason") or "").split())[:MAX_REASON]
        try:
            text = await decide(view, number, reason)
        except CommandError as error:
            return await moderation(view, str(error), 409)
        return await moderation(view, text)

    return handler


async def _request_owner(view: View, number: int) -> str | None:
    request = await store.get_request(view.ctx.db, number)
    return request.community if request else None


async def _held_owner(view: View, number: int) -> str | None:
    found = await held_store.get(view.ctx.db, number)
    return found.community if found else None


async def _appeal_owner(view: View, number: int) -> str | None:
    appeal = await store.get_appeal(view.ctx.db, number)
    return appeal.community if appeal else None


async def _approve(view: View, number: int, reason: str) -> str:
    assert view.user is not None
    return await membership.approve(view.ctx, number, view.user)


async def _deny(view: View, number: int, reason: str) -> str:
    assert view.user is not None
    return await membership.deny(view.ctx, number, view.user, reason)


async def _release(view: View, number: int, reason: str) -> str:
    assert view.user is not None
    return await held.decide(view.ctx, await held_store.get(view.ctx.db, number), view.user, True)


async def _reject(view: View, number: int, reason: str) -> str:
    assert view.user is not None
    return await held.decide(view.ctx, await held_store.get(view.ctx.db, number), view.user, False, reason)


async def _accept_appeal(view: View, number: int, reason: str) -> str:
    assert view.user is not None
    return await appeals.decide(view.ctx, number, view.user, True)


async def _refuse_appeal(view: View, number: int, reason: str) -> str:
    assert view.user is not None
    return await appeals.decide(view.ctx, number, view.user, False, reason)


async def _report_owner(view: View, number: int) -> str | None:
    case = await store.get_case_by_id(view.ctx.db, number)
    return case.community if case is not None and case.action == "report" else None


def _report(decision: str) -> Callable[[View, int, str], Awaitable[str]]:
    """The decision `decision` on a report (dismiss, warn, remove, mute), by the signed-in coordinator."""

    async def decide(view: View, number: int, reason: str) -> str:
        assert view.user is not None
        form = await view.request.form()
        duration = str(form.get("duration") or "")[:20]
        return await reports.decide(view.ctx, await store.get_case_by_id(view.ctx.db, number), view.user, decision,
                                    reason=reason, duration=duration)

    return decide


async def _summary(view: View) -> list[tuple[str, Any]]:
    db, name = view.ctx.db, view.ctx.community.name
    verified = await db.fetchval("SELECT COUNT(DISTINCT member_uid) FROM moderation_requests WHERE community = ? "
                                 "AND status = 'approved'", (name,), 0)
    pending = await db.fetchval("SELECT COUNT(*) FROM moderation_requests WHERE community = ? "
                                "AND status IN ('questionnaire', 'pending')", (name,), 0)
    return [(view.t("dash.verified"), verified), (view.t("dash.pending"), pending)]


moderation.summary = _summary  # type: ignore[attr-defined]

PAGES = (
    Page(slug="moderation", label="dash.page", handler=moderation, templates=TEMPLATES, order=60, actions={
        "approve": _action(_approve, _request_owner), "deny": _action(_deny, _request_owner),
        "release": _action(_release, _held_owner), "reject": _action(_reject, _held_owner),
        "appeal_accept": _action(_accept_appeal, _appeal_owner), "appeal_refuse": _action(_refuse_appeal, _appeal_owner),
        **{f"report_{decision}": _action(_report(decision), _report_owner) for decision in reports.DECISIONS},
    }),
)
