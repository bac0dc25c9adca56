"""The resources plugin's dashboard pages: the questions members ask (micro-lecture planning) and the library."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from starlette.responses import Response

from core import to_utc_text
from core.dashboard import Page, View, bar_chart
from plugins.resources import store
from plugins.resources.services import insights

TEMPLATES = Path(__file__).parent / "templates"
PERIODS = (7, 30, 90)
SHOWN = 30
LIBRARY_SHOWN = 500  # items on the library page (most requested first); its CSV has every item


def _days(view: View) -> int:
    raw = view.query.get("days", "")
    default = min(view.ctx.config.faq_days, view.ctx.config.retention_days)
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= view.ctx.config.retention_days:
        raise view.fail(400, "dashboard.error.bad_input")
    return int(raw)


async def questions(view: View) -> Response:
    """Frequent-question topics (unanswered first) and searches that found nothing, over a chosen period."""
    days = _days(view)
    ranked = await insights.ranked_topics(view.ctx, days) if view.ctx.config.insights else []
    since = to_utc_text(view.ctx.now() - timedelta(days=days))
    zero = await view.ctx.db.fetchall(
        "SELECT MIN(text) AS text, COUNT(*) AS times, COUNT(DISTINCT member) AS askers FROM resources_questions "
        "WHERE community = ? AND source = 'search' AND results = 0 AND asked_at >= ? GROUP BY lower(text) "
        "ORDER BY askers DESC, times DESC LIMIT ?", (view.ctx.community.name, since, SHOWN))
    table = view.query.get("table", "")
    if view.query.get("format") == "csv":
        if table == "topics":
            return view.csv("question-topics", [view.t("dash.topic"), view.t("dash.askers"), view.t("dash.answered")],
                            ([r.topic.wording, r.topic.count, view.t("dash.yes") if r.answered else view.t("dash.no")]
                             for r in ranked))
        if table == "zero":
            return view.csv("zero-result-searches", [view.t("dash.search"), view.t("dash.askers"), view.t("dash.times")],
                            ([r["text"], r["askers"], r["times"]] for r in zero))
        raise view.fail(400, "dashboard.error.bad_input")
    shown = ranked[:SHOWN]
    chart = bar_chart([(r.topic.wording, [r.topic.count]) for r in shown[:10]], [view.t("dash.askers")],
                      title=view.t("dash.topics")) if shown else None
    return view.render("questions.html", days=days, periods=sorted({*PERIODS, days}), topics=shown, zero=zero, chart=chart,
                       insights=view.ctx.config.insights)


async def library(view: View) -> Response:
    """The items, most requested first: verified or not, superseded, how often requested. The page shows
    the first LIBRARY_SHOWN (read in that order from an index, whatever the library's size); the CSV has all."""
    as_csv = view.query.get("format") == "csv"
    db, community = view.ctx.db, view.ctx.community.name
    rows = await store.requested_items(db, community, None if as_csv else LIBRARY_SHOWN)
    yes, no = view.t("dash.yes"), view.t("dash.no")
    items = ((r["id"], r["title"], r["kind"], r["tags"], yes if r["verified"] else no,
              f'#{r["superseded_by"]}' if r["superseded_by"] else "", r["requests"]) for r in rows)
    header = ["#", view.t("dash.title"), view.t("dash.kind"), view.t("dash.tags"), view.t("dash.verified"),
              view.t("dash.superseded"), view.t("dash.requests")]
    if as_csv:
        return view.csv("library", header, items)  # formatted as it is sent (core.dashboard.csv_response)
    return view.render("library.html", header=header, items=list(items), total=await store.count_items(db, community),
                       csv_url=view.url(format="csv"))


PAGES = (
    Page(slug="questions", label="dash.page_questions", handler=questions, templates=TEMPLATES, order=40),
    Page(slug="library", label="dash.page_library", handler=library, templates=TEMPLATES, order=50),
)
