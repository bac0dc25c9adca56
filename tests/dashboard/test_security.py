"""Tokens never reach a log (not even uvicorn's access log at DEBUG); pages stay small; names are escaped."""

from __future__ import annotations

import logging
from pathlib import Path

import aiohttp

from core import Role, hookimpl
from core.dashboard import Page
from core.cli import setup_logging
from tests.dashboard.conftest import DASHBOARD, link_for


async def test_login_token_and_session_never_logged(make_bot, caplog):
    caplog.set_level(logging.DEBUG)
    root = logging.getLogger()
    level = root.level
    handler = setup_logging("DEBUG")  # what `practica run` installs, at its most talkative
    try:
        await _sign_in_over_http(make_bot, caplog)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


async def _sign_in_over_http(make_bot, caplog) -> None:
    bot = await make_bot(config=DASHBOARD, moderators=["trainer"])
    link = await link_for(bot, "trainer")
    token = link.rsplit("/", 1)[1]
    base = link.split("/login/")[0]
    async with aiohttp.ClientSession() as http:
        async with http.get(link) as response:
            assert response.status == 200
        async with http.post(f"{base}/login", data={"token": token}, allow_redirects=False) as response:
            assert response.status == 303
            session = response.cookies["practica_session"].value
        async with http.get(link) as response:
            assert response.status == 404
        async with http.get(f"{base}/login/not-a-token") as response:
            assert response.status == 404 and "not-a-token" not in await response.text()
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.args}" for r in caplog.records)
    assert token not in logged and session not in logged and "/login/" not in logged
    rows = await bot.runtime.storage.fetchall("SELECT hash FROM practica_dashboard_tokens UNION ALL "
                                              "SELECT hash FROM practica_dashboard_sessions")
    assert rows and all(token != r["hash"] and session != r["hash"] for r in rows)


async def test_names_are_escaped_and_pages_are_small(make_bot):
    bot = await make_bot(config={**DASHBOARD, "plugins": {"leaderboards": {"modules": {"pph": "PPH"}}}},
                         moderators=["trainer"])
    evil = bot.user("x")
    evil = type(evil)(platform=evil.platform, id="evil", name="<script>alert(1)</script>", handle="evil")
    await bot.send("/level pph expert", user=evil)
    link = await link_for(bot, "trainer")
    base = link.split("/login/")[0]
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.post(f"{base}/login", data={"token": link.rsplit("/", 1)[1]}) as response:
            assert response.status == 200
        async with http.get(f"{base}/c/default/progress") as response:
            body = await response.text()
    assert "<script>alert" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert len(body.encode()) < 60_000
    assert "font-face" not in body and "<img" not in body


class Broken:
    """A contributor's plugin whose page fails, and whose other page is for admins only."""

    @hookimpl
    def practica_dashboard_pages(self):
        async def fails(view):
            raise RuntimeError("secret detail of the failure")

        async def admins(view):
            return view.render("core/overview.html", figures=[("admins only", 1)])

        here = Path(__file__).parent
        return (Page(slug="broken", label="broken", handler=fails, templates=here),
                Page(slug="admins", label="admins", handler=admins, templates=here, role=Role.ADMIN))


async def test_a_failing_plugin_page_is_a_plain_500_and_roles_of_pages_apply(make_bot):
    bot = await make_bot(config=DASHBOARD, moderators=["trainer"], admins=["boss"], extra_plugins={"broken": Broken()})
    for who, admin_status in (("trainer", 403), ("boss", 200)):
        link = await link_for(bot, who)
        base = link.split("/login/")[0]
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            async with http.post(f"{base}/login", data={"token": link.rsplit("/", 1)[1]}) as response:
                assert response.status == 200
            async with http.get(f"{base}/c/default/broken") as response:
                body = await response.text()
                assert response.status == 500
                assert "secret detail" not in body and "Traceback" not in body and "went wrong" in body
            async with http.get(f"{base}/c/default/admins") as response:
                assert response.status == admin_status
