"""Authorization at the object on the coordinators' dashboard: every state-changing POST route, by
every role, at every community's URL, with A's object ids. A coordinator of B posting A's ids (at B's
URL or A's) changes nothing in A; so does everyone else without rights over A. No page shows A's
private text to them. Requests go through the real Starlette app (httpx's ASGI transport), signed in
through a one-time login link as `/dashboard` would give.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from core.dashboard import auth
from core.dashboard.app import COOKIE, Dashboard
from tests.communities.authz_world import PLATFORMS, SECRET, World, a_state, build_world, changed, on_a

# (page, action) -> what its id names: A's join request #1, held message #1, appeal #1.
ACTIONS = {("moderation", "approve"): "1", ("moderation", "deny"): "1", ("moderation", "release"): "1",
           ("moderation", "reject"): "1", ("moderation", "appeal_accept"): "1", ("moderation", "appeal_refuse"): "1",
           **{("moderation", f"report_{decision}"): "5" for decision in ("dismiss", "warn", "remove", "mute")}}
# Coordinators of B (mod8, modb, own8), a member, a trusted member and a banned member of A, a stranger,
# an unlisted group's creator.
ACTORS = ("mod8", "modb", "own8", "mem7", "tr7", "banned7", "stranger", "rogue")
COORDINATES = {"mod8": {"cohort8"}, "modb": {"cohort8"}, "own8": {"cohort8"}}
URLS = ("cohort7", "cohort8", "default", "nowhere")


def dashboard_of(runtime: Any) -> Dashboard:
    """The dashboard app of `runtime`, with the pages its plugins declare (no server)."""
    return Dashboard(runtime, runtime.runner.collect("practica_dashboard_pages"))


class Browser:
    """A signed-in coordinator's HTTP client on the dashboard app (no server, no browser)."""

    def __init__(self, client: httpx.AsyncClient, csrf: str) -> None:
        self.client = client
        self.csrf = csrf

    async def post(self, path: str, **form: str) -> httpx.Response:
        return await self.client.post(path, data={"csrf": self.csrf, **form})


async def sign_in(world: World, dashboard: Dashboard, name: str) -> Browser:
    bot = world.bot
    user = bot.user(name)
    token = await auth.issue_token(bot.runtime.storage, user, bot.clock.now())
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=dashboard.app), base_url="http://dashboard.test")
    signed = await client.post("/login", data={"token": token})
    assert signed.status_code == 303, signed.text
    return Browser(client, auth.Session(client.cookies[COOKIE], user).csrf)


def expected_status(actor: str, url: str) -> int:
    """What a refused post answers: 404 for a community that does not exist or an id that is not this
    community's; 403 where the actor is not a coordinator."""
    if url == "nowhere":
        return 404
    return 404 if url in COORDINATES.get(actor, set()) else 403


def test_every_dashboard_action_is_in_the_table():
    from pathlib import Path

    from core.config import parse_config
    from core.runtime import Runtime

    runtime = Runtime(parse_config({"adapters": {"console": {}}}, Path("plugins.toml")), database=":memory:")
    dashboard = dashboard_of(runtime)
    assert {(slug, action) for slug, (_, page) in dashboard.pages.items() for action in page.actions} == set(ACTIONS)


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_a_coordinator_of_a_changes_each_object_from_the_dashboard(make_bot, platform):
    """The table's check is live: A's moderator, at A's URL, changes A with every action."""
    for (slug, action), number in ACTIONS.items():
        world = await build_world(make_bot, platform)
        browser = await sign_in(world, dashboard_of(world.bot.runtime), "mod7")
        before, since = a_state(world.bot), len(world.bot.actions())
        response = await browser.post(f"/c/cohort7/{slug}/{action}", id=number, reason="checked")
        await world.bot.runtime.idle()
        assert response.status_code == 200, (action, response.status_code)
        assert changed(before, world.bot) or on_a(world.bot, since), action


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_no_post_by_anyone_without_rights_over_a_changes_it(make_bot, platform):
    world = await build_world(make_bot, platform)
    bot = world.bot
    dashboard = dashboard_of(bot.runtime)
    before, since = a_state(bot), len(bot.actions())
    for actor in ACTORS:
        browser = await sign_in(world, dashboard, actor)
        for url in URLS:
            for slug in [slug for slug, (_, page) in dashboard.pages.items() if not page.public]:
                shown = await browser.client.get(f"/c/{url}/{slug}")
                assert SECRET not in shown.text, (actor, url, slug)
            for (slug, action), number in ACTIONS.items():
                response = await browser.post(f"/c/{url}/{slug}/{action}", id=number, reason="x")
                await bot.runtime.idle()
                assert response.status_code == expected_status(actor, url), (actor, url, action, response.status_code)
                assert SECRET not in response.text, (actor, url, action)
                assert not changed(before, bot), f"{action} by {actor} at /c/{url} changed {changed(before, bot)}"
                assert not on_a(bot, since), f"{action} by {actor} at /c/{url} made the bot do {on_a(bot, since)}"
        await browser.client.aclose()
