"""Signing in to the dashboard by the one-time link /dashboard sends, and what is refused."""

from __future__ import annotations

from datetime import timedelta

from tests.dashboard.conftest import DASHBOARD, link_for


async def test_login_by_link_and_reused_link_refused(make_bot, browser):
    bot = await make_bot(config=DASHBOARD, moderators=["trainer"])
    await bot.send("hello", user="amina")
    link = await link_for(bot, "trainer")
    page = await (await browser.new_context()).new_page()
    await page.goto(link)
    await page.click("#signin")
    assert "Overview" in await page.inner_text("nav")
    assert "members" in await page.inner_text("#figures")
    cookie = next(c for c in await page.context.cookies() if c["name"] == "practica_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    other = await (await browser.new_context()).new_page()
    response = await other.goto(link)
    assert response.status == 404
    assert "already used" in await other.inner_text("#message")


async def test_member_is_refused_and_expired_link(make_bot, browser):
    bot = await make_bot(platform="telegram", config=DASHBOARD, moderators=["trainer"])
    await bot.send("/dashboard", user="amina")
    assert "moderators, trainers and admins" in bot.next_reply().text
    link = await link_for(bot, "trainer")
    await bot.advance(timedelta(minutes=11))
    page = await (await browser.new_context()).new_page()
    response = await page.goto(link)
    assert response.status == 404
