"""The homework page of the dashboard: assignments x members (on time, late, not yet) and completion."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from starlette.responses import Response

from core import from_utc_text, to_utc_text
from core.dashboard import Page, View, bar_chart

TEMPLATES = Path(__file__).parent / "templates"
LAST = 12  # the most recent assignments shown as columns; the CSV has all of them
PER_PAGE = 200  # members a page: small pages for slow links; the CSV has every member


async def _assignments(view: View, limit: int | None) -> list[Any]:
    sql = ("SELECT id, title, due_at, status FROM homework_assignments WHERE community = ? AND status != 'cancelled' "
           "ORDER BY due_at DESC, id DESC")
    rows = await view.ctx.db.fetchall(sql + (f" LIMIT {int(limit)}" if limit else ""), (view.ctx.community.name,))
    return list(reversed(rows))


async def homework(view: View) -> Response:
    """A row per member (PER_PAGE a page, by name), a column per recent assignment; completion chart.
    Only the page's rows are formatted, and the chart counts submissions, not members x assignments:
    the page costs the same at 100 or 100,000 members but for reading the member list. The CSV has all."""
    csv = view.query.get("format") == "csv"
    assignments = await _assignments(view, None if csv else LAST)
    ids = [a["id"] for a in assignments]
    done: dict[tuple[int, str], bool] = {}
    if ids:
        marks = ",".join("?" * len(ids))
        for r in await view.ctx.db.fetchall(f"SELECT assignment_id, uid, on_time FROM homework_submissions "
                                            f"WHERE assignment_id IN ({marks})", ids):
            done[(r["assignment_id"], r["uid"])] = bool(r["on_time"])
    members = sorted((u for u in await view.ctx.members.active() if not u.is_bot), key=lambda u: (u.name.casefold(), u.uid))
    words = {True: view.t("dash.on_time"), False: view.t("dash.late"), None: view.t("dash.not_yet")}

    def cells(member: Any) -> list[str]:
        return [words[done.get((a["id"], member.uid))] for a in assignments]

    header = [view.t("dash.member"), *(f'#{a["id"]} {a["title"]}' for a in assignments)]
    if csv:
        return view.csv("homework", header, ([m.name, *cells(m)] for m in members))
    uids = {m.uid for m in members}
    on_time: Counter[int] = Counter()
    late: Counter[int] = Counter()
    for (assignment, uid), in_time in done.items():
        if uid in uids:
            (on_time if in_time else late)[assignment] += 1
    bars = [(f'#{a["id"]} {view.format_day(from_utc_text(a["due_at"]))}', [on_time[a["id"]], late[a["id"]]])
            for a in assignments]
    chart = bar_chart(bars, [words[True], words[False]], title=view.t("dash.completion"))
    paged = view.paged(members, PER_PAGE)
    return view.render("homework.html", header=header, rows=[(m.name, cells(m)) for m in paged.rows], paged=paged,
                       chart=chart, assignments=assignments, csv_url=view.url(format="csv"))


async def _summary(view: View) -> list[tuple[str, Any]]:
    count = await view.ctx.db.fetchval("SELECT COUNT(*) FROM homework_assignments WHERE community = ? AND status = 'open' "
                                       "AND due_at > ?", (view.ctx.community.name, to_utc_text(view.ctx.now())), 0)
    return [(view.t("dash.open_homework"), count)]


homework.summary = _summary  # type: ignore[attr-defined]

PAGES = (Page(slug="homework", label="dash.page", handler=homework, templates=TEMPLATES, order=20),)
