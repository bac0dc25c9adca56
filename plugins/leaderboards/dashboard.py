"""The leaderboards' dashboard pages: learning progress, Champions (with certificates) and /verify/<code>."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.responses import Response

from core import from_utc_text
from core.dashboard import Page, View, bar_chart
from plugins.leaderboards.services import certificates, learners_table, progress as kept
from plugins.leaderboards.logic import LEVELS, is_champion
from plugins.leaderboards.services.learners_table import Learner

TEMPLATES = Path(__file__).parent / "templates"
PER_PAGE = 200  # rows per page: a page stays small on a slow link; the CSV has every row
MAX_ONE_AWAY = 100  # names listed as one module away (the CSV shows everyone's levels)


@dataclass(frozen=True, slots=True)
class Row:
    name: str
    cells: tuple[str, ...]
    champion: bool
    since: str


def _level_name(view: View, level: int, confirmed: bool) -> str:
    name = view.t(f"level.{LEVELS[level - 1]}")
    return name if confirmed else view.t("dprogress.pending", level=name)


def _matches(levels_of: dict[str, tuple[int, bool, str]], modules: dict[str, str], module: str, level: str) -> bool:
    wanted = LEVELS.index(level) + 1 if level in LEVELS else (0 if level == "none" else None)
    keys = [module] if module in modules else list(modules)
    if wanted is None:
        return True
    return any(levels_of.get(k, (0, True, ""))[0] == wanted for k in keys)


async def progress(view: View) -> Response:
    """One row per learner (name first), a column per module, Champion status and date; filters; chart.

    The learners are kept between visits (services/learners_table.py) and only the rows of the page shown
    are formatted (the CSV formats them all): 100,000 learners stay fast.
    """
    modules = view.ctx.config.module_labels()
    table = await learners_table.table(view.ctx, modules)
    module, level = view.query.get("module", ""), view.query.get("level", "")
    if module and module not in modules or level and level not in (*LEVELS, "none"):
        raise view.fail(400, "dashboard.error.bad_input")
    names = {(n, ok): _level_name(view, n, ok) for n in (1, 2, 3) for ok in (True, False)}
    matching = [r for r in table.rows if _matches(r.recorded, modules, module, level)] if level else table.rows

    def row(learner: Learner) -> Row:
        recorded = learner.recorded
        champion = is_champion(learner.confirmed(), modules)
        since = max((recorded[m][2] for m in modules if m in recorded), default="") if champion else ""
        cells = tuple(names[recorded[m][:2]] if m in recorded else "" for m in modules)
        return Row(learner.user.name, cells, champion, view.format_day(from_utc_text(since)) if since else "")

    header = [view.t("dprogress.name"), *modules.values(), view.t("dprogress.champion"), view.t("dprogress.champion_since")]
    if view.query.get("format") == "csv":
        yes, no = view.t("dprogress.yes"), view.t("dprogress.no")
        learners = list(matching)  # a copy: the kept rows move on with the next visit while this CSV is sent
        return view.csv("progress", header, ([r.name, *r.cells, yes if r.champion else no, r.since]
                                             for r in map(row, learners)))
    one_away = [view.t("dprogress.one_away_missing", name=name, module=modules[missing])
                for _, name, missing in table.one_away[:MAX_ONE_AWAY]]
    chart = bar_chart([(label, table.chart[key]) for key, label in modules.items()], [view.t(f"level.{n}") for n in LEVELS],
                      title=view.t("dprogress.chart"))
    paged = view.paged(len(matching), PER_PAGE, module=module, level=level)
    rows = [row(r) for r in matching[paged.start:paged.stop]]
    return view.render("progress.html", header=header, rows=rows, total=len(table.rows), modules=modules, levels=LEVELS,
                       module=module, level=level, chart=chart, one_away=one_away, paged=paged,
                       csv_url=view.url(module=module, level=level, format="csv"))


async def _progress_summary(view: View) -> list[tuple[str, Any]]:
    """The overview's figure: Champions among the learners, from the counts /progress keeps."""
    modules = view.ctx.config.module_labels()
    if not modules:
        return []
    return [(view.t("dprogress.summary_champions"), (await kept.counts(view.ctx, modules)).missing[0])]


progress.summary = _progress_summary  # type: ignore[attr-defined]


async def champions(view: View) -> Response:
    """Every certificate of the community, valid or revoked, with its verification code; CSV for the association."""
    issued = await certificates.of_community(view.ctx.db, view.ctx.community.name)
    rows = [(c.name or "—", view.format_day(c.issued_at), ", ".join(c.modules), c.code,
             view.t("champions.revoked") if c.revoked_at else view.t("champions.valid")) for c in issued]
    header = [view.t("dprogress.name"), view.t("champions.issued"), view.t("dprogress.module"), view.t("champions.code"),
              view.t("champions.status")]
    if view.query.get("format") == "csv":
        return view.csv("champions", header, rows)
    return view.render("champions.html", header=header, rows=rows, csv_url=view.url(format="csv"))


async def verify(view: View) -> Response:
    """Public: whether a certificate code is valid and for whom (no login)."""
    cert = await certificates.find(view.ctx.db, view.arg[:40])
    status = 404 if cert is None else 200
    return view.render("verify.html", status=status, cert=cert,
                       date=view.format_day(cert.issued_at) if cert else "")


PAGES = (
    Page(slug="progress", label="page.progress", handler=progress, templates=TEMPLATES, order=10),
    Page(slug="champions", label="page.champions", handler=champions, templates=TEMPLATES, order=11),
    Page(slug="verify", label="verify.title", handler=verify, templates=TEMPLATES, public=True),
)
