"""The homework page of the dashboard: assignments x members (on time, late, not yet) and completion."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.responses import Response

from core import from_utc_text, to_utc_text
from core.dashboard import Page, View, bar_chart

TEMPLATES = Path(__file__).parent / "templates"
LAST = 12  # the most recent assignments shown as columns; the CSV has all of them


async def _assignments(view: View, limit: int | None) -> list[Any]:
    sql = ("SELECT id, title, due_at, status FROM homework_assignments WHERE community = ? AND status != 'cancelled' "
           "ORDER BY due_at DESC, id DESC")
    rows = await view.ctx.db.fetchall(sql + (f" LIMIT {int(limit)}" if limit else ""), (view.ctx.community.name,))
    return list(reversed(rows))


async def homework(view: View) -> Response:
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
    rows = [(m.name, [words[done.get((a["id"], m.uid))] if (a["id"], m.uid) in done else words[None]
                      for a in assignments]) for m in members]
    header = [view.t("dash.member"), *(f'#{a["id"]} {a["title"]}' for a in assignments)]
    if csv:
        return view.csv("homework", header, ([name, *cells] for name, cells in rows))
    bars = []
    for a in assignments:
        on_time = sum(1 for m in members if done.get((a["id"], m.uid)) is True)
        late = sum(1 for m in members if done.get((a["id"], m.uid)) is False)
        bars.append((f'#{a["id"]} {view.format_day(from_utc_text(a["due_at"]))}', [on_time, late]))
    chart = bar_chart(bars, [words[True], words[False]], title=view.t("dash.completion"))
    return view.render("homework.html", header=header, rows=rows, chart=chart, assignments=assignments,
                       csv_url=view.url(format="csv"))


async def _summary(view: View) -> list[tuple[str, Any]]:
    count = await view.ctx.db.fetchval("SELECT COUNT(*) FROM homework_assignments WHERE community = ? AND status = 'open' "
                                       "AND due_at > ?", (view.ctx.community.name, to_utc_text(view.ctx.now())), 0)
    return [(view.t("dash.open_homework"), count)]


homework.summary = _summary  # type: ignore[attr-defined]

PAGES = (Page(slug="homework", label="dash.page", handler=homework, templates=TEMPLATES, order=20),)
