"""The homework page of the dashboard: assignments x members (on time, late, not yet) and completion."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.responses import Response

from core import from_utc_text, to_utc_text
from core.dashboard import Page, View, bar_chart
from plugins.homework.services import notify

TEMPLATES = Path(__file__).parent / "templates"
LAST = 12  # the most recent assignments shown as columns; the CSV has all of them
PER_PAGE = 200  # members a page: small pages for slow links; the CSV has every member


async def _assignments(view: View, limit: int | None) -> list[Any]:
    sql = ("SELECT id, title, due_at, status FROM homework_assignments WHERE community = ? AND status != 'cancelled' "
           "ORDER BY due_at DESC, id DESC")
    rows = await view.ctx.db.fetchall(sql + (f" LIMIT {int(limit)}" if limit else ""), (view.ctx.community.name,))
    return list(reversed(rows))


async def _done(view: View, ids: list[int], uids: list[str] | None) -> dict[tuple[int, str], bool]:
    """(assignment, member) -> handed in on time, for the assignments `ids` (and only members `uids`)."""
    if not ids or uids == []:
        return {}
    sql = f"SELECT assignment_id, uid, on_time FROM homework_submissions WHERE assignment_id IN ({','.join('?' * len(ids))})"
    params: list[Any] = list(ids)
    if uids is not None:
        sql += f" AND uid IN ({','.join('?' * len(uids))})"
        params += uids
    return {(r["assignment_id"], r["uid"]): bool(r["on_time"]) for r in await view.ctx.db.fetchall(sql, params)}


async def _handed_in(view: View, ids: list[int]) -> dict[tuple[int, bool], int]:
    """(assignment, on time) -> how many handed it in, counted in the database."""
    if not ids:
        return {}
    rows = await view.ctx.db.fetchall(
        f"SELECT assignment_id, on_time, COUNT(*) AS n FROM homework_submissions WHERE assignment_id IN "
        f"({','.join('?' * len(ids))}) GROUP BY assignment_id, on_time", ids)
    return {(r["assignment_id"], bool(r["on_time"])): int(r["n"]) for r in rows}


async def _one_per_person(view: View, members: list[Any]) -> list[Any]:
    """`members`, a person who linked accounts (/link) once: on the account reminders name them on (their
    own when it is a member here; `notify.audience_member`). A page may so show a row fewer."""
    return [m for m in members if view.ctx.identity.person_of(m) == m.uid
            or await notify.audience_member(view.ctx, m.uid, staff=True) is not None]


async def homework(view: View) -> Response:
    """A row per member (PER_PAGE a page, by name), a column per recent assignment; completion chart.

    The page reads only its own members and their submissions, and the chart counts submissions in the
    database: it costs the same at 100 or 100,000 members. The CSV has every member and assignment.
    """
    csv = view.query.get("format") == "csv"
    assignments = await _assignments(view, None if csv else LAST)
    ids = [a["id"] for a in assignments]
    words = {True: view.t("dash.on_time"), False: view.t("dash.late"), None: view.t("dash.not_yet")}
    header = [view.t("dash.member"), *(f'#{a["id"]} {a["title"]}' for a in assignments)]

    def cells(member: Any, done: dict[tuple[int, str], bool]) -> list[str]:
        person = view.ctx.identity.person_of(member)  # submissions are stored under the person
        return [words[done.get((a["id"], person))] for a in assignments]

    if csv:
        everyone = sorted(await view.ctx.members.active(), key=lambda u: (u.name.lower(), u.uid))  # the page's order
        done = await _done(view, ids, None)
        return view.csv("homework", header, ([m.name, *cells(m, done)] for m in await _one_per_person(view, everyone)))
    paged = view.paged(await view.ctx.members.count(), PER_PAGE)
    members = await _one_per_person(view, await view.ctx.members.page(paged.start, PER_PAGE))
    done = await _done(view, ids, list({view.ctx.identity.person_of(m) for m in members}))
    handed_in = await _handed_in(view, ids)
    bars = [(f'#{a["id"]} {view.format_day(from_utc_text(a["due_at"]))}',
             [handed_in.get((a["id"], True), 0), handed_in.get((a["id"], False), 0)]) for a in assignments]
    chart = bar_chart(bars, [words[True], words[False]], title=view.t("dash.completion"))
    return view.render("homework.html", header=header, rows=[(m.name, cells(m, done)) for m in members], paged=paged,
                       chart=chart, assignments=assignments, csv_url=view.url(format="csv"))


async def _summary(view: View) -> list[tuple[str, Any]]:
    count = await view.ctx.db.fetchval("SELECT COUNT(*) FROM homework_assignments WHERE community = ? AND status = 'open' "
                                       "AND due_at > ?", (view.ctx.community.name, to_utc_text(view.ctx.now())), 0)
    return [(view.t("dash.open_homework"), count)]


homework.summary = _summary  # type: ignore[attr-defined]

PAGES = (Page(slug="homework", label="dash.page", handler=homework, templates=TEMPLATES, order=20),)
