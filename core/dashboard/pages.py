"""What a plugin gives the dashboard (Page) and what its handler receives (View).

A plugin returns Pages from `practica_dashboard_pages`; core hosts them under `/c/<community>/<slug>`,
checks the role in that community before the handler runs, and hands the handler a View: the request,
a Context bound to the plugin and community, the reader's language, and helpers that render a
template, a CSV export or an SVG bar chart. The handler returns the View's response.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse

from core.context import Context
from core.events import ChatRef, Role, User
from core.slices import sliced

if TYPE_CHECKING:
    from core.config import Community
    from core.host import Host

Handler = Callable[["View"], Awaitable[Response]]


@dataclass(frozen=True)
class Page:
    """One dashboard page of a plugin.

    Attributes:
        slug: URL part (`/c/<community>/<slug>`; `/<slug>/<arg>` when public).
        label: key of the nav label in the plugin's catalog.
        handler: async function(View) -> Response for GET.
        templates: the folder of the plugin's Jinja2 templates.
        role: the least role in the community that sees the page.
        actions: POST handlers by name (`/c/<community>/<slug>/<name>`), CSRF-checked by core.
        public: served without login at `/<slug>/<arg>` (e.g. certificate verification).
        order: position in the navigation.
    """

    slug: str
    label: str
    handler: Handler
    templates: Path
    role: Role = Role.MODERATOR
    actions: Mapping[str, Handler] = field(default_factory=dict)
    public: bool = False
    order: int = 50


class HttpError(Exception):
    """A plain 4xx page: `key` is a message of core's catalog."""

    def __init__(self, status: int, key: str) -> None:
        super().__init__(key)
        self.status = status
        self.key = key


class Site(Protocol):
    """What pages see of the dashboard (core.dashboard.app.Dashboard): a protocol, so that this module
    does not import the application that serves it."""

    @property
    def pages(self) -> Mapping[str, tuple[str, Page]]: ...

    def render(self, view: View, template: str, values: dict[str, Any], *, status: int = 200) -> HTMLResponse: ...

    def text(self, locale: str, key: str, /, **params: Any) -> str: ...

    async def role_in(self, user: User, community: Community) -> Role: ...

    def page_context(self, plugin: str, community: Community, locale: str) -> Context: ...


@dataclass(frozen=True, slots=True)
class Paged:
    """Which page of a long table is shown (`View.paged`): rows `start` to `stop` of the whole, and links to
    the pages around it. The template shows it with `{% include "core/pager.html" %}`."""

    page: int
    pages: int
    start: int
    stop: int
    prev_url: str
    next_url: str


@dataclass
class View:
    """What a page handler gets: the request, its community context and rendering helpers."""

    request: Request
    dashboard: Site
    plugin: str
    page: Page
    ctx: Context
    user: User | None
    locale: str
    csrf: str
    nav: Sequence[tuple[str, str, bool]]
    arg: str = ""

    @property
    def query(self) -> Mapping[str, str]:
        return self.request.query_params

    def t(self, key: str, /, **params: Any) -> str:
        """Message `key` of the page's plugin in the reader's language."""
        return self.ctx.t_for(self.locale, key, **params)

    def render(self, template: str, /, *, status: int = 200, **values: Any) -> HTMLResponse:
        """The plugin's template inside the dashboard's layout (autoescaped)."""
        return self.dashboard.render(self, template, values, status=status)

    def csv(self, name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
        """A CSV download (UTF-8, header row first)."""
        return csv_response(name, header, rows)

    def fail(self, status: int, key: str) -> HttpError:
        """An error to raise: a plain page with `status` and core's message `key`."""
        return HttpError(status, key)

    def format_day(self, when: Any) -> str:
        return self.ctx.format_day(when, locale=self.locale) if when is not None else ""

    def paged(self, total: int, per_page: int, **query: Any) -> Paged:
        """The page of `total` rows asked for (`?page=`, kept within range), with links to the pages around
        it keeping `query` (filters). A page number that is not a number is a 400."""
        pages = max(1, -(-total // per_page))
        try:
            page = min(max(1, int(self.query.get("page", "1"))), pages)
        except ValueError:
            raise self.fail(400, "dashboard.error.bad_input") from None
        start = (page - 1) * per_page
        return Paged(page, pages, start, min(start + per_page, total),
                     self.url(**query, page=page - 1), self.url(**query, page=page + 1))

    def url(self, slug: str | None = None, **query: Any) -> str:
        """This community's page `slug` (default: this page), with a query string."""
        from urllib.parse import urlencode

        base = f"/c/{self.ctx.community.name}/{slug or self.page.slug}"
        items = {k: v for k, v in query.items() if v not in (None, "")}
        return base + ("?" + urlencode(items) if items else "")


CSV_SLICE = 1_000  # rows written between two turns of the loop: a large export never holds the bot's chats


def csv_response(name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """`name`.csv as an attachment: UTF-8 with a header row; cells that a spreadsheet would run are quoted.

    Streamed CSV_SLICE rows at a time, the loop going on between two slices (the dashboard shares the
    bot's loop): give `rows` as a generator and an export of 100,000 members or a million items is
    formatted as it is sent, never as one whole text nor in one long turn of the loop.
    """
    safe = "".join(ch for ch in name if ch.isalnum() or ch in "-_") or "export"
    return StreamingResponse(_csv_chunks(header, rows), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{safe}.csv"'})


async def _csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> AsyncIterator[bytes]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    async for chunk in sliced(rows, CSV_SLICE):
        writer.writerows([_safe_cell(v) for v in row] for row in chunk)
        yield out.getvalue().encode("utf-8")
        out.seek(0)
        out.truncate()
    if out.tell():
        yield out.getvalue().encode("utf-8")


def _safe_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def bar_chart(bars: Sequence[tuple[str, Sequence[int]]], series: Sequence[str], *, title: str, width: int = 560) -> Markup:
    """A horizontal stacked bar chart as inline SVG (readable without JavaScript), with a text legend.

    Args:
        bars: (label, one count per series) per bar.
        series: the series' names (legend), at most five.
        title: the accessible title.
    """
    colours = ("#9ecae1", "#4292c6", "#08519c", "#fdae6b", "#e6550d")
    row, label_w = 22, 170
    top = 4
    height = top + row * len(bars) + 24
    biggest = max((sum(v) for _, v in bars), default=0) or 1
    scale = (width - label_w - 40) / biggest
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-size="12" font-family="sans-serif"><title>{escape(title)}</title>']
    for i, (label, values) in enumerate(bars):
        y = top + i * row
        parts.append(f'<text x="0" y="{y + 14}">{escape(label[:28])}</text>')
        x = float(label_w)
        for j, value in enumerate(values):
            if value:
                w = value * scale
                parts.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" fill="{colours[j % 5]}">'
                             f'<title>{escape(series[j])}: {value}</title></rect>')
                x += w
        parts.append(f'<text x="{x + 4:.1f}" y="{y + 14}">{sum(values)}</text>')
    y = top + row * len(bars) + 14
    x = 0
    for j, name in enumerate(series):
        parts.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{colours[j % 5]}"/>'
                     f'<text x="{x + 14}" y="{y}">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    parts.append("</svg>")
    return Markup("".join(parts))



class PageContext(Context):
    """A Context for a page: texts in the coordinator's language; roles as the dashboard sees them (the
    configured role or the platform's in one of the community's groups), so a page's action applies the
    same rights as the chat command typed in the group."""

    __slots__ = ("_reader", "_site")

    def __init__(self, host: Host, plugin: str, community: Community, locale: str, site: Site | None) -> None:
        super().__init__(host, plugin, community)
        self._reader = locale
        self._site = site

    @property
    def locale(self) -> str:
        return self._reader

    async def role_of(self, user: User | None = None, chat: ChatRef | None = None) -> Role:
        if user is not None and chat is None and self._site is not None:
            return await self._site.role_in(user, self.community)
        return await super().role_of(user, chat)


def page_context(host: Host, plugin: str, community: Community, locale: str, site: Site | None = None) -> Context:
    """The context a page's handler gets: `plugin`'s, in `community`, read in `locale`."""
    return PageContext(host, plugin, community, locale, site)
