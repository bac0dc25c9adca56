"""A real headless Chromium (Debian's, never a downloaded build) driven by Playwright, and sign-in helpers."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
from playwright.async_api import Browser, Page, async_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
LINK = re.compile(r"(https?://\S+/login/[A-Za-z0-9_-]+)")
DASHBOARD = {"dashboard": {"enabled": True, "port": 0}}


@pytest_asyncio.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        await chromium.close()


async def link_for(bot: Any, user: str) -> str:
    """Send /dashboard as `user` and return the link the bot sent privately."""
    await bot.send("/dashboard", user=user, chat=bot.dm_chat(user))
    texts = [m.text for m in bot.new_messages()]
    found = [LINK.search(t) for t in texts]
    links = [f.group(1) for f in found if f]
    assert links, texts
    return links[-1]


async def sign_in(bot: Any, browser: Browser, user: str, *, javascript: bool = True) -> Page:
    """A browser page signed in as `user` through the one-time link."""
    context = await browser.new_context(java_script_enabled=javascript)
    context.set_default_timeout(8000)
    page = await context.new_page()
    await page.goto(await link_for(bot, user))
    await page.click("#signin")
    await page.wait_for_load_state()
    return page
