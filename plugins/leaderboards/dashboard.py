"""The leaderboards' dashboard pages: learning progress, Champions (with certificates) and /verify/<code>."""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.responses import Response

from core import Storage, from_utc_text, sliced
from core.dashboard import Page, View, bar_chart
from plugins.leaderboards import store
from plugins.leaderboards.services import certificates, progress as kept
from plugins.leaderboards.logic import LEVELS, is_champion, modules_to_champion

TEMPLATES = Path(__file__).parent / "templates"
PER_PAGE = 200  # rows per page: a page stays small on a slow link; the CSV has every row
CACHE_SECONDS = 30.0
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


Table = list[tuple[Any, dict[str, tuple[int, bool, str]]]]


@dataclass(frozen=True, slots=True)
class Gathered:
    """What the progress page needs whatever its filters: learners with levels, counts, one module away."""

    table: Table
    counts: dict[str, list[int]]  # module -> learners confirmed familiar, proficient, expert
    one_away: list[tuple[str, str]]  # (name, the module still missing)


_cache: weakref.WeakKeyDictionary[Storage, dict[str, tuple[Any, float, Gathered]]] = weakref.WeakKeyDictionary()


async def _gather(table: Table, modules: dict[str, str]) -> Gathered:
    counts = {key: [0, 0, 0] for key in modules}
    one_away = []
    async for chunk in sliced(table):  # a large community: the bot's chats go on meanwhile
        for user, recorded in chunk:
            confirmed = _confirmed(recorded)
            for key in modules:
                if confirmed.get(key, 0):
                    counts[key][confirmed[key] - 1] += 1
            if len(modules) > 1 and modules_to_champion(confirmed, modules) == 1:
                one_away.append((user.name, next(label for key, label in modules.items() if confirmed.get(key, 0) < 3)))
    return Gathered(table, counts, one_away)


async def _table(view: View) -> tuple[dict[str, str], Gathered]:
    """(modules, [(learner, their levels)] sorted by name): a row per person, however many accounts they
    linked with /link, as /progress counts them. Kept while no level or link changes, at most CACHE_SECONDS
    (so that a join or a name change shows within that time). Who is a learner comes from the counts
    /progress keeps (services/progress.py), not from asking every member's role again: at 100,000 members
    that took a second of the loop."""
    modules = view.ctx.config.module_labels()
    db, name = view.ctx.db, view.ctx.community.name
    key = (store.levels_version(db), view.ctx.identity.version(), tuple(modules))
    held = _cache.setdefault(db, {}).get(name)
    now = time.monotonic()
    if held is not None and held[0] == key and now - held[1] < CACHE_SECONDS:
        return modules, held[2]
    recorded = await store.all_levels(db, name)
    learning = (await kept.counts(view.ctx, modules)).accounts  # learner account -> person
    named: dict[str, Any] = {}  # person -> the account their row names (their own when it is a learner here)
    async for chunk in sliced(await view.ctx.members.active()):
        for user in chunk:
            person = learning.get(user.uid)
            if person is not None and (person not in named or user.uid == person):
                named[person] = user
    table: Table = [(user, recorded.get(person, {})) for person, user in named.items()]  # levels follow the person
    table.sort(key=lambda pair: (pair[0].name.casefold(), pair[0].uid))
    gathered = await _gather(table, modules)
    _cache[db][name] = (key, now, gathered)
    return modules, gathered


def _confirmed(levels_of: dict[str, tuple[int, bool, str]]) -> dict[str, int]:
    return {m: lvl for m, (lvl, ok, _) in levels_of.items() if ok}


def _matches(levels_of: dict[str, tuple[int, bool, str]], modules: dict[str, str], module: str, level: str) -> bool:
    wanted = LEVELS.index(level) + 1 if level in LEVELS else (0 if level == "none" else None)
    keys = [module] if module in modules else list(modules)
    if wanted is None:
        return True
    return any(levels_of.get(k, (0, True, ""))[0] == wanted for k in keys)


async def progress(view: View) -> Response:
    """One row per learner (name first), a column per module, Champion status and date; filters; chart.

    Only the rows of the page shown are formatted (the CSV formats them all): 10,000 learners stay fast.
    """
    modules, gathered = await _table(view)
    table = gathered.table
    module, level = view.query.get("module", ""), view.query.get("level", "")
    if module and module not in modules or level and level not in (*LEVELS, "none"):
        raise view.fail(400, "dashboard.error.bad_input")
    names = {(n, ok): _level_name(view, n, ok) for n in (1, 2, 3) for ok in (True, False)}
    matching = [(user, rec) for user, rec in table if _matches(rec, modules, module, level)] if level else table

    def row(user: Any, recorded: dict[str, tuple[int, bool, str]]) -> Row:
        champion = is_champion(_confirmed(recorded), modules)
        since = max((recorded[m][2] for m in modules if m in recorded), default="") if champion else ""
        cells = tuple(names[recorded[m][:2]] if m in recorded else "" for m in modules)
        return Row(user.name, cells, champion, view.format_day(from_utc_text(since)) if since else "")

    header = [view.t("dprogress.name"), *modules.values(), view.t("dprogress.champion"), view.t("dprogress.champion_since")]
    if view.query.get("format") == "csv":
        yes, no = view.t("dprogress.yes"), view.t("dprogress.no")
        return view.csv("progress", header, ([r.name, *r.cells, yes if r.champion else no, r.since]
                                             for r in (row(u, rec) for u, rec in matching)))
    one_away = [view.t("dprogress.one_away_missing", name=who, module=missing)
                for who, missing in gathered.one_away[:MAX_ONE_AWAY]]
    chart = bar_chart([(label, gathered.counts[key]) for key, label in modules.items()], [view.t(f"level.{n}") for n in LEVELS],
                      title=view.t("dprogress.chart"))
    paged = view.paged(len(matching), PER_PAGE, module=module, level=level)
    rows = [row(u, rec) for u, rec in matching[paged.start:paged.stop]]
    return view.render("progress.html", header=header, rows=rows, total=len(table), modules=modules, levels=LEVELS,
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
