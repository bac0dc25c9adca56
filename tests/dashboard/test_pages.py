"""Every page shows what real conversations produced: homework, polls and quizzes, questions, library, overview."""

from __future__ import annotations

import csv
import io

import aiohttp
import pytest

from core.storage import to_utc_text
from plugins.resources import store
from tests.dashboard.conftest import sign_in


def _config():
    return {
        "dashboard": {"enabled": True, "port": 0},
        "plugins": {"resources": {"insights": True}},
        "communities": {"cohort7": {"chats": ["console:g1"], "moderators": ["console:trainer"]}},
    }


async def _conversations(bot) -> None:
    await bot.send("/homework add Manikin practice | due tomorrow 18:00 | 10 minutes on the newborn manikin", user="trainer")
    await bot.send("/done 1", user="amina")
    await bot.send("hello everyone", user="Bekele")
    await bot.send("/poll Next micro-lecture? | Breastfeeding | Postpartum bleeding", user="trainer")
    await bot.send("/vote 1 2", user="amina")
    await bot.send("/vote 1 2", user="Bekele")
    await bot.send("/quiz Oxytocin IM dose for PPH prevention? | 5 IU | *10 IU | 20 IU", user="trainer")
    await bot.send("/vote 2 2", user="amina")
    await bot.send("/vote 2 1", user="Bekele")
    await bot.send("/save https://example.org/oxy Oxytocin protocol #pph", user="trainer")
    await bot.send("/get 1", user="amina")
    await bot.send("/search kangaroo care", user="amina")
    await bot.send("/search kangaroo care", user="Bekele")


async def test_each_page_shows_the_conversations(make_bot, browser):
    bot = await make_bot(config=_config())
    await _conversations(bot)
    page = await sign_in(bot, browser, "trainer")
    base = page.url.split("/c/")[0].rstrip("/")
    assert "active in the last 7 days" in await page.inner_text("#figures")
    figures = await page.inner_text("#figures")
    assert "open polls" in figures and "open homework" in figures
    await page.click("nav >> text=Homework")
    await page.wait_for_selector("#homework")
    table = await page.inner_text("#homework")
    assert "Manikin practice" in table
    rows = {line.split("\t")[0]: line.split("\t")[1:] for line in table.splitlines()[1:]}
    assert rows["amina"] == ["on time"] and rows["Bekele"] == ["not yet"]
    await page.goto(f"{base}/c/cohort7/polls")
    assert "50 %" in await page.inner_text("#quiz")
    assert "2 voters" in await page.inner_text("#polls")
    await page.goto(f"{base}/c/cohort7/questions")
    assert "kangaroo care" in await page.inner_text("#zero")
    await page.goto(f"{base}/c/cohort7/library")
    library = await page.inner_text("#library")
    assert "Oxytocin protocol" in library and "\t1" in library.splitlines()[1]
    cookies = {c["name"]: c["value"] for c in await page.context.cookies()}
    async with aiohttp.ClientSession(cookies=cookies) as http:
        async with http.get(f"{base}/c/cohort7/homework?format=csv") as response:
            assert response.headers["content-type"].startswith("text/csv")
            rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8"))))
            assert rows[0] == ["Member", "#1 Manikin practice"]
        async with http.get(f"{base}/c/cohort7/questions?days=99999") as response:
            assert response.status == 400


async def test_the_library_page_shows_a_large_librarys_most_requested_items_and_its_csv_every_item(make_bot, browser):
    bot = await make_bot(config=_config())
    db = bot.runtime.storage

    def note(community: str, n: int) -> store.NewItem:
        return store.NewItem(community=community, kind="note", title=f"Note {n:03d}", tags=("pph",),
                             added_at="2026-11-01T08:00:00.000000Z")

    await store.add_items(db, [note("cohort7", n) for n in range(1, 504)])  # ids 1-503
    await store.add_items(db, [note("default", 999)])  # another community's: never shown here
    for item_id in (201, 201, 201, 8):
        await store.count_request(db, item_id)
    page = await sign_in(bot, browser, "trainer")
    base = page.url.split("/c/")[0].rstrip("/")
    await page.goto(f"{base}/c/cohort7/library")
    assert "503 items" in await page.inner_text("body")
    rows = (await page.inner_text("#library")).splitlines()[1:]
    assert len(rows) == 500  # the most requested first, then by number: 1-500 without 8 and 201
    assert [row.split("\t")[0] for row in rows[:4]] == ["201", "8", "1", "2"] and rows[-1].startswith("500\t")
    cookies = {c["name"]: c["value"] for c in await page.context.cookies()}
    async with aiohttp.ClientSession(cookies=cookies) as http:
        async with http.get(f"{base}/c/cohort7/library?format=csv") as response:
            lines = list(csv.reader(io.StringIO((await response.read()).decode("utf-8"))))
    assert len(lines) == 1 + 503 and "Note 999" not in {line[1] for line in lines}


async def test_pages_work_without_javascript_and_in_french(make_bot, browser):
    bot = await make_bot(config=_config())
    await _conversations(bot)
    await bot.send("/lang fr", user="trainer", chat="dm")
    page = await sign_in(bot, browser, "trainer", javascript=False)
    assert "Vue d'ensemble" in await page.inner_text("nav")
    await page.click("nav >> text=Devoirs")
    assert "à temps" in await page.inner_text("#homework")
    await page.click("nav >> text=Questions")
    await page.select_option("select[name=days]", "7")
    await page.click("#period button")
    assert "days=7" in page.url
    assert "kangaroo care" in await page.inner_text("#zero")
    await page.click("#logout")
    assert "déconnecté" in await page.inner_text("#message")
    response = await page.goto(page.url.split("/logout")[0] + "/c/cohort7/")
    assert response.status == 401


async def _many_members(bot, community: str, count: int, prefix: str) -> None:
    """`count` members seen in `community` (straight into the member table, as years of chat would leave it)."""
    when = to_utc_text(bot.clock.now())
    await bot.runtime.storage.executemany(
        "INSERT INTO practica_members (community, uid, platform, user_id, name, handle, first_seen, last_seen) "
        "VALUES (?, ?, 'console', ?, ?, NULL, ?, ?)",
        [(community, f"console:{prefix}{n:04d}", f"{prefix}{n:04d}", f"{prefix}{n:04d}", when, when)
         for n in range(count)])
    await bot.restart()  # the member directory is read at start


@pytest.mark.parametrize("practica_engine", ["sqlite", "postgresql"])
async def test_the_homework_page_of_a_large_community_is_paged_and_its_csv_has_every_member(make_bot, browser):
    bot = await make_bot(config=_config())
    await bot.send("/homework add Manikin practice | due tomorrow 18:00 | 10 minutes on the newborn manikin", user="trainer")
    await _many_members(bot, "cohort7", 1_200, "nurse")
    await _many_members(bot, "default", 5, "other")  # another community's members: never on this page
    await _many_members(bot, "default", 3, "nurse")  # nurse0000-0002 are members of both: listed once here
    await bot.send("/done 1", user="amina")
    await bot.send("/done 1", user="nurse0001")
    page = await sign_in(bot, browser, "trainer")
    base = page.url.split("/c/")[0].rstrip("/")
    await page.goto(f"{base}/c/cohort7/homework")
    rows = (await page.inner_text("#homework")).splitlines()[1:]
    assert len(rows) == 200 and rows[0].split("\t") == ["amina", "on time"] and rows[2].startswith("nurse0001\ton time")
    assert "Page 1 of 7" in await page.inner_text(".pager")
    bars = await page.locator("#chart svg text").all_text_contents()
    assert "2" in bars and "1200" not in bars  # handed in by two: counted from the submissions, not the members
    await page.click(".pager >> text=Next")
    await page.locator(".pager", has_text="Page 2 of 7").wait_for()
    assert (await page.inner_text("#homework")).splitlines()[1].startswith("nurse0199\tnot yet")
    await page.goto(f"{base}/c/cohort7/homework?page=99")  # past the end: the last page
    assert "Page 7 of 7" in await page.inner_text(".pager")
    cookies = {c["name"]: c["value"] for c in await page.context.cookies()}
    async with aiohttp.ClientSession(cookies=cookies) as http:
        async with http.get(f"{base}/c/cohort7/homework?page=two") as response:
            assert response.status == 400
        async with http.get(f"{base}/c/cohort7/homework?format=csv") as response:  # streamed in slices of 1,000 rows
            lines = list(csv.reader(io.StringIO((await response.read()).decode("utf-8"))))
    names = [line[0] for line in lines[1:]]
    assert lines[0] == ["Member", "#1 Manikin practice"] and len(names) == len(set(names)) == 1 + 1_200 + 1
    assert not any(name.startswith("other") for name in names) and lines[-1] == ["trainer", "not yet"]
