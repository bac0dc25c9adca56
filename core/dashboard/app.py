"""The coordinators' dashboard: a Starlette app on the runtime's loop, pages from plugins.

Routes: `/login/<token>` (a button that signs in; link previews cannot use the token), `POST /login`,
`POST /logout`, `/` (the communities one coordinates), `/c/<community>/` (overview),
`/c/<community>/<slug>` (a plugin's page; `?format=csv&table=...` for its exports),
`POST /c/<community>/<slug>/<action>` (a GET there, e.g. a reload, goes back to the page), `/<slug>/<arg>`
(public pages), `/static/htmx.min.js`.
Every refusal is a plain page with a 4xx status; nothing else (no traceback, no id) is shown.
"""

from __future__ import annotations

import hmac
import logging
from pathlib import Path
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import jinja2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from core.context import Context
from core.dashboard import auth
from core.storage import from_utc_text
from core.dashboard.pages import HttpError, Page, View, page_context
from core.events import ChatRef, Role, User

if TYPE_CHECKING:
    from core.config import Community
    from core.host import Host

log = logging.getLogger("practica.dashboard")

HERE = Path(__file__).parent
COOKIE = "practica_session"
MAX_QUERY = 2048
MAX_PATH = 512
MAX_FORM = 16_384


class _Limits:
    """ASGI middleware: huge paths, query strings or bodies get a plain 414/413 before any work."""

    def __init__(self, app: ASGIApp, dashboard: Dashboard) -> None:
        self.app = app
        self.dashboard = dashboard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            status = 0
            if len(scope.get("query_string", b"")) > MAX_QUERY or len(scope.get("path", "")) > MAX_PATH:
                status = 414
            else:
                length = dict(scope.get("headers", [])).get(b"content-length", b"0")
                if not length.isdigit() or int(length) > MAX_FORM:
                    status = 413
            if status:
                response = self.dashboard.plain(status, "dashboard.error.too_long", self.dashboard.default_locale)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class Dashboard:
    """The web app: routes, the Jinja2 environment, pages collected from plugins."""

    def __init__(self, runtime: Host, declared_pages: Iterable[tuple[str, Iterable[Page] | None]]) -> None:
        self.runtime = runtime
        self.settings = runtime.config.dashboard
        self.pages: dict[str, tuple[str, Page]] = {}
        folders: dict[str, jinja2.BaseLoader] = {"core": jinja2.FileSystemLoader(HERE / "templates")}
        for plugin, declared in declared_pages:
            for page in declared or ():
                self.pages[page.slug] = (plugin, page)
                folders.setdefault(plugin, jinja2.FileSystemLoader(page.templates))
        self.env = jinja2.Environment(loader=jinja2.PrefixLoader(folders, delimiter="/"), autoescape=True,
                                      trim_blocks=True, lstrip_blocks=True)
        self.public_url = ""
        routes = [
            Route("/", self.home), Route("/login/{token}", self.login_form), Route("/login", self.login, methods=["POST"]),
            Route("/logout", self.logout, methods=["POST"]), Route("/static/htmx.min.js", self.htmx),
            Route("/c/{community}/", self.overview), Route("/c/{community}/{slug}", self.page),
            Route("/c/{community}/{slug}/{action}", self.action, methods=["POST"]),
            Route("/c/{community}/{slug}/{action}", self.after_action, methods=["GET"]),
            Route("/{slug}/{arg}", self.public),
        ]
        self.app = _Limits(Starlette(routes=routes, exception_handlers={404: self._not_found, 405: self._not_allowed,
                                                                      500: self._crashed}), self)

    # --- helpers -----------------------------------------------------------------------------

    @property
    def default_locale(self) -> str:
        return self.runtime.config.community_for(None).locale

    def text(self, locale: str, key: str, /, **params: Any) -> str:
        return self.runtime.translator.text("core", locale, key, **params)

    def plain(self, status: int, key: str, locale: str) -> HTMLResponse:
        """A plain error page (no layout, nothing from the request echoed)."""
        template = self.env.get_template("core/error.html")
        body = template.render(lang=locale, title=self.text(locale, "dashboard.title"), message=self.text(locale, key),
                               home=self.text(locale, "dashboard.home"))
        return HTMLResponse(body, status_code=status, headers=_SECURITY_HEADERS)

    async def _not_found(self, request: Request, exc: Exception) -> Response:
        return self.plain(404, "dashboard.error.not_found", self.default_locale)

    async def _not_allowed(self, request: Request, exc: Exception) -> Response:
        return self.plain(405, "dashboard.error.method", self.default_locale)

    async def _crashed(self, request: Request, exc: Exception) -> Response:
        # the route's name only: a path may hold a login token or a certificate code
        route = request.scope.get("route")
        log.error("dashboard request failed (%s %s)", request.method, getattr(route, "path", "?"), exc_info=exc)
        return self.plain(500, "dashboard.error.unexpected", self.default_locale)

    async def _session(self, request: Request) -> auth.Session | None:
        return await auth.session(self.runtime.storage, request.cookies.get(COOKIE), self.runtime.clock.now())

    def locale_of(self, user: User | None) -> str:
        if user is None:
            return self.default_locale
        return self.runtime.members.locales.get(user.uid) or self.default_locale

    def page_context(self, plugin: str, community: Community, locale: str) -> Context:
        """A page's context for `plugin` in `community`, read in `locale`."""
        return page_context(self.runtime, plugin, community, locale, self)

    async def role_in(self, user: User, community: Community) -> Role:
        """The user's role in `community`: configured, or given by the platform in one of its groups."""
        chat = next((c for c in sorted(community.chats) if c.startswith(user.platform + ":")), None)
        ref = ChatRef(platform=user.platform, id=chat.partition(":")[2], kind="group") if chat else None
        return await self.runtime.role_of(user, ref, community)

    async def coordinated(self, user: User) -> list[tuple[Community, Role]]:
        """The communities where `user` is a moderator or more."""
        out = []
        for community in self.runtime.config.communities.values():
            role = await self.role_in(user, community)
            if role >= Role.MODERATOR:
                out.append((community, role))
        return out

    def render(self, view: View, template: str, values: dict[str, Any], *, status: int = 200) -> HTMLResponse:
        """A page inside the layout: nav, the community, the sign-out button."""
        name = template if "/" in template else f"{view.plugin}/{template}"
        body = self.env.get_template(name).render(
            view=view, t=view.t, ct=lambda key, **p: self.text(view.locale, key, **p), lang=view.locale,
            community=view.ctx.community.name, nav=view.nav, csrf=view.csrf, user=view.user, **values)
        return HTMLResponse(body, status_code=status, headers=_SECURITY_HEADERS)

    # --- sign in and out -------------------------------------------------------------------------

    async def login_form(self, request: Request) -> Response:
        token = request.path_params["token"]
        locale = self.default_locale
        if not await self._token_alive(token):
            return self.plain(404, "dashboard.error.link", locale)
        body = self.env.get_template("core/login.html").render(
            lang=locale, ct=lambda key, **p: self.text(locale, key, **p), token=token)
        return HTMLResponse(body, headers={**_SECURITY_HEADERS, "Referrer-Policy": "no-referrer"})

    async def _token_alive(self, token: str) -> bool:
        if not token or len(token) > auth.MAX_SECRET_LENGTH:
            return False
        row = await self.runtime.storage.fetchone(
            "SELECT expires_at, used_at FROM practica_dashboard_tokens WHERE hash = ?", (auth.digest(token),))
        return row is not None and row["used_at"] is None and from_utc_text(row["expires_at"]) > self.runtime.clock.now()

    async def login(self, request: Request) -> Response:
        form = await request.form()
        token = str(form.get("token") or "")
        session = await auth.redeem(self.runtime.storage, token, self.runtime.clock.now(), self.settings.session_hours)
        if session is None:
            return self.plain(403, "dashboard.error.link", self.default_locale)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(COOKIE, session.id, max_age=int(self.settings.session_hours * 3600), httponly=True,
                            samesite="strict", secure=self.public_url.startswith("https://"), path="/")
        return response

    async def logout(self, request: Request) -> Response:
        session = await self._session(request)
        if session is None:
            return self.plain(401, "dashboard.error.signed_out", self.default_locale)
        form = await request.form()
        if not session.csrf_ok(form.get("csrf")):  # type: ignore[arg-type]
            return self.plain(403, "dashboard.error.csrf", self.locale_of(session.user))
        await auth.end_session(self.runtime.storage, session.id)
        response = self.plain(200, "dashboard.signed_out", self.locale_of(session.user))
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
        return response

    async def htmx(self, request: Request) -> Response:
        return FileResponse(HERE / "static" / "htmx.min.js", media_type="text/javascript",
                            headers={"Cache-Control": "public, max-age=604800"})

    # --- pages -----------------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        session = await self._session(request)
        if session is None:
            return self.plain(401, "dashboard.error.signed_out", self.default_locale)
        locale = self.locale_of(session.user)
        communities = await self.coordinated(session.user)
        if len(communities) == 1:
            return RedirectResponse(f"/c/{communities[0][0].name}/", status_code=303)
        body = self.env.get_template("core/home.html").render(
            lang=locale, ct=lambda key, **p: self.text(locale, key, **p), communities=communities, csrf=session.csrf,
            user=session.user)
        return HTMLResponse(body, headers=_SECURITY_HEADERS)

    async def _view(self, request: Request, slug: str | None) -> View | Response:
        """Check the session and the role in the community of the URL; the page's View, or a refusal."""
        session = await self._session(request)
        if session is None:
            return self.plain(401, "dashboard.error.signed_out", self.default_locale)
        locale = self.locale_of(session.user)
        community = self.runtime.config.communities.get(request.path_params["community"])
        if community is None:
            return self.plain(404, "dashboard.error.not_found", locale)
        role = await self.role_in(session.user, community)
        if role < Role.MODERATOR:
            return self.plain(403, "dashboard.error.forbidden", locale)
        if slug is None:
            plugin, page = "core", _OVERVIEW
        else:
            found = self.pages.get(slug)
            if found is None or found[1].public or found[0] in community.disabled_plugins:
                return self.plain(404, "dashboard.error.not_found", locale)
            plugin, page = found
            if role < page.role:
                return self.plain(403, "dashboard.error.forbidden", locale)
        nav = [("", self.text(locale, "dashboard.overview"), slug is None)]
        for other_plugin, other in sorted(self.pages.values(), key=lambda item: (item[1].order, item[1].slug)):
            if not other.public and role >= other.role and other_plugin not in community.disabled_plugins:
                label = self.runtime.translator.text(other_plugin, locale, other.label)
                nav.append((other.slug, label, other.slug == slug))
        ctx = page_context(self.runtime, plugin, community, locale, self)
        return View(request=request, dashboard=self, plugin=plugin, page=page, ctx=ctx, user=session.user,
                    locale=locale, csrf=session.csrf, nav=nav)

    async def overview(self, request: Request) -> Response:
        view = await self._view(request, None)
        if isinstance(view, Response):
            return view
        return await _OVERVIEW.handler(view)

    async def page(self, request: Request) -> Response:
        view = await self._view(request, request.path_params["slug"])
        if isinstance(view, Response):
            return view
        try:
            return await view.page.handler(view)
        except HttpError as error:
            return self.plain(error.status, error.key, view.locale)

    async def action(self, request: Request) -> Response:
        """A POST from a page: CSRF checked, then the plugin's action inside one unit of work."""
        view = await self._view(request, request.path_params["slug"])
        if isinstance(view, Response):
            return view
        handler = view.page.actions.get(request.path_params["action"])
        if handler is None:
            return self.plain(404, "dashboard.error.not_found", view.locale)
        form = await request.form()
        if not (view.csrf and hmac.compare_digest(view.csrf, str(form.get("csrf") or ""))):
            return self.plain(403, "dashboard.error.csrf", view.locale)
        try:
            async with self.runtime.unit():
                response = await handler(view)
        except HttpError as error:
            return self.plain(error.status, error.key, view.locale)
        # htmx shows the page's own address afterwards (a reload asks for the page, not the action)
        response.headers["HX-Push-Url"] = view.url()
        return response

    async def after_action(self, request: Request) -> Response:
        """A GET of an action's address (a reload or a bookmark after a POST): the page itself."""
        params = request.path_params  # the page checks the session and the role, as for any visit
        return RedirectResponse(f"/c/{quote(params['community'], safe='')}/{quote(params['slug'], safe='')}", status_code=303)

    async def public(self, request: Request) -> Response:
        found = self.pages.get(request.path_params["slug"])
        if found is None or not found[1].public:
            return self.plain(404, "dashboard.error.not_found", self.default_locale)
        plugin, page = found
        community = self.runtime.config.community_for(None)
        view = View(request=request, dashboard=self, plugin=plugin, page=page, ctx=Context(self.runtime, plugin, community),
                    user=None, locale=self.default_locale, csrf="", nav=(), arg=request.path_params["arg"])
        try:
            return await page.handler(view)
        except HttpError as error:
            return self.plain(error.status, error.key, view.locale)


_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


async def _overview(view: View) -> Response:
    """Members and activity of the community, then each page's own summary figures."""
    from datetime import timedelta

    from core.storage import to_utc_text

    db, name, now = view.ctx.db, view.ctx.community.name, view.ctx.now()
    members = await db.fetchval("SELECT COUNT(*) FROM practica_members WHERE community = ? AND active = 1 AND is_bot = 0",
                                (name,), 0)
    active = {}
    for days in (7, 30):
        since = to_utc_text(now - timedelta(days=days))[:10]
        active[days] = await db.fetchval("SELECT COUNT(*) FROM practica_members WHERE community = ? AND active = 1 "
                                         "AND is_bot = 0 AND last_seen >= ?", (name, since), 0)
    figures: list[tuple[str, Any]] = [(view.dashboard.text(view.locale, "dashboard.members"), members),
                                      (view.dashboard.text(view.locale, "dashboard.active7"), active[7]),
                                      (view.dashboard.text(view.locale, "dashboard.active30"), active[30])]
    for plugin, page in view.dashboard.pages.values():
        summary = getattr(page.handler, "summary", None)
        if summary is not None and plugin not in view.ctx.community.disabled_plugins:
            plugin_view = View(request=view.request, dashboard=view.dashboard, plugin=plugin, page=page,
                               ctx=view.dashboard.page_context(plugin, view.ctx.community, view.locale), user=view.user,
                               locale=view.locale, csrf=view.csrf, nav=view.nav)
            figures.extend(await summary(plugin_view))
    return view.render("core/overview.html", figures=figures)


_OVERVIEW = Page(slug="", label="dashboard.overview", handler=_overview, templates=HERE / "templates")
