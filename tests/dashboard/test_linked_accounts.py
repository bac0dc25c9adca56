"""A member who linked a Telegram and a Discord account (/link) is one person on the dashboard, as in the chats."""

from __future__ import annotations

import csv
import io

import aiohttp

from tests.communities.test_linked_accounts import link
from tests.dashboard.conftest import sign_in

COMMUNITIES = {
    "cohort7": {"chats": ["telegram:g7", "discord:d7"], "moderators": ["mod7"], "members": ["amina", "bekele"]},
    "cohort8": {"chats": ["telegram:g8"], "moderators": ["mod8"]},
}


async def _rows(page, base: str, path: str, table: str) -> list[list[str]]:
    await page.goto(f"{base}/c/cohort7/{path}")
    return [line.split("\t") for line in (await page.inner_text(f"#{table}")).splitlines()[1:]]


async def _csv(page, base: str, path: str) -> list[list[str]]:
    cookies = {c["name"]: c["value"] for c in await page.context.cookies()}
    async with aiohttp.ClientSession(cookies=cookies) as http:
        async with http.get(f"{base}/c/cohort7/{path}?format=csv") as response:
            return list(csv.reader(io.StringIO((await response.read()).decode("utf-8"))))[1:]


async def test_a_person_with_two_linked_accounts_is_one_row_with_their_levels_and_homework(make_bot, browser):
    bot = await make_bot(platform="telegram", also=("discord",), communities=COMMUNITIES,
                         plugins={"leaderboards", "homework"},
                         config={"dashboard": {"enabled": True, "port": 0},
                                 "plugins": {"homework": {"digest": "", "remind_before": []},
                                             "leaderboards": {"activity": {"points": 0},
                                                              "modules": {"pph": "PPH", "hbb": "HBB"}}}})
    amina_dc = bot.user("amina", platform="discord")
    await bot.send("hello", user=amina_dc, chat=bot.chat("cohort7", platform="discord"))
    await bot.send("/level pph expert", user="amina", chat="cohort7")  # on Telegram
    await bot.send("/level hbb familiar", user="bekele", chat="cohort7")
    await bot.send("/level pph familiar", user="amina", chat="cohort8")  # her other community: not on cohort7's pages
    await bot.send("/homework add Manikin | due in 3 days", user="mod7", chat="cohort7")
    bot.new_messages()
    page = await sign_in(bot, browser, "mod7")
    base = page.url.split("/c/")[0].rstrip("/")
    # two accounts not linked are two people, as /progress counts them
    assert sorted(r[0:2] for r in await _rows(page, base, "progress", "progress")) == [
        ["amina", ""], ["amina", "expert"], ["bekele", ""]]

    assert "Linked: telegram:amina, discord:amina" in await link(bot)
    await bot.send("/done 1 practised", user=amina_dc, chat="dm")  # handed in from Discord
    await bot.send("/progress", user="bekele", chat="cohort7")
    assert "Learners: 2" in bot.new_messages()[-1].text
    progress = await _rows(page, base, "progress", "progress")
    assert [r[0:3] for r in progress] == [["amina", "expert", ""], ["bekele", "", "familiar"]]
    assert "2 learners" in await page.inner_text("main")
    assert [r[0:3] for r in await _csv(page, base, "progress")] == [["amina", "expert", ""], ["bekele", "", "familiar"]]
    assert await _rows(page, base, "homework", "homework") == [["amina", "on time"], ["bekele", "not yet"], ["mod7", "not yet"]]
    assert await _csv(page, base, "homework") == [["amina", "on time"], ["bekele", "not yet"], ["mod7", "not yet"]]
