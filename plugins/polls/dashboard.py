"""The polls page of the dashboard: results with charts, and quiz success per question."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.responses import Response

from core.dashboard import Page, View, bar_chart
from plugins.polls import store

TEMPLATES = Path(__file__).parent / "templates"
LAST = 30


async def _polls(view: View) -> list[Any]:
    rows = await view.ctx.db.fetchall("SELECT id FROM polls_polls WHERE community = ? ORDER BY id DESC LIMIT ?",
                                      (view.ctx.community.name, LAST))
    out = []
    for row in rows:
        poll = await store.get_poll(view.ctx.db, row["id"])
        if poll is None:
            continue
        secret = poll.hidden and poll.closed_at is None  # results hidden until the poll closes, as in the chat
        out.append((poll, None if secret else await store.poll_tally(view.ctx.db, poll)))
    return out


async def polls(view: View) -> Response:
    found = await _polls(view)
    if view.query.get("format") == "csv":
        header = ["id", view.t("dash.question"), view.t("dash.kind"), view.t("dash.option"), view.t("dash.votes"),
                  view.t("dash.correct")]
        rows = []
        for poll, tally in found:
            kind = view.t("dash.quiz") if poll.correct is not None else view.t("dash.poll")
            for i, option in enumerate(poll.options):
                rows.append([poll.id, poll.question, kind, option, tally.counts[i] if tally else "",
                             view.t("dash.yes") if poll.correct == i else ""])
        return view.csv("polls", header, rows)
    cards = []
    for poll, tally in found:
        chart = None
        if tally is not None:
            chart = bar_chart([(o, [c]) for o, c in zip(poll.options, tally.counts)], [view.t("dash.votes")], title=poll.question)
        cards.append({"poll": poll, "tally": tally, "chart": chart,
                      "status": view.t("dash.open") if poll.closed_at is None else view.t("dash.closed")})
    quizzes = [(poll, tally) for poll, tally in found if poll.correct is not None and tally is not None and tally.voters]
    success = [(f"#{p.id} {p.question}", [t.counts[p.correct], t.voters - t.counts[p.correct]]) for p, t in quizzes]
    quiz_chart = bar_chart(success, [view.t("dash.right"), view.t("dash.wrong")], title=view.t("dash.success")) if success else None
    rates = [(p, round(100 * t.counts[p.correct] / t.voters)) for p, t in quizzes]
    return view.render("polls.html", cards=cards, quiz_chart=quiz_chart, rates=rates, csv_url=view.url(format="csv"))


async def _summary(view: View) -> list[tuple[str, Any]]:
    return [(view.t("dash.open_polls"), len(await store.open_polls(view.ctx.db, view.ctx.community.name)))]


polls.summary = _summary  # type: ignore[attr-defined]

PAGES = (Page(slug="polls", label="dash.page", handler=polls, templates=TEMPLATES, order=30),)
