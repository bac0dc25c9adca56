"""The moderation page: a join request approved from the browser reaches the chat; forged posts are refused."""

from __future__ import annotations

import aiohttp

from core import ApproveJoin, DirectMessage, Role
from tests.dashboard.conftest import sign_in


def _config():
    return {
        "dashboard": {"enabled": True, "port": 0},
        "plugins": {"moderation": {"verify_joins": True, "questions": ["Which facility?"]}},
        "communities": {
            "cohort7": {"chats": ["telegram:g1"], "moderators": ["telegram:trainer"]},
            "cohort8": {"chats": ["telegram:g2"], "moderators": ["telegram:trainer"]},
        },
    }


async def test_approval_from_the_page_reaches_the_chat(make_bot, browser):
    bot = await make_bot(platform="telegram", config=_config())
    await bot.join_request("Fatuma")
    await bot.send("Adama <b>health</b> centre", user="Fatuma", chat="dm")
    page = await sign_in(bot, browser, "trainer")
    base = page.url.split("/c/")[0].rstrip("/")
    await page.goto(f"{base}/c/cohort7/moderation")
    assert "Fatuma" in await page.inner_text("#requests")
    assert "Adama <b>health</b> centre" in await page.inner_text("#requests")  # escaped, shown as typed
    bot.new_messages()
    await page.click("button[id^=approve-]")
    await page.wait_for_selector("#notice")
    assert "Fatuma" in await page.inner_text("#notice")
    await bot.runtime.idle()
    approved = bot.actions(ApproveJoin)
    assert approved and approved[-1].user.id == "fatuma"
    told = [m for m in bot.new_messages() if isinstance(m, DirectMessage) and m.user.id == "fatuma"]
    assert told, "the member is told in the chat"
    assert "Nothing waiting" in await page.inner_text("main")


async def test_forged_post_and_other_community_ids_are_refused(make_bot, browser):
    bot = await make_bot(platform="telegram", config=_config())
    await bot.join_request("Fatuma")
    await bot.send("Adama <b>health</b> centre", user="Fatuma", chat="dm")
    page = await sign_in(bot, browser, "trainer")
    base = page.url.split("/c/")[0].rstrip("/")
    cookie = {c["name"]: c["value"] for c in await page.context.cookies()}
    await page.goto(f"{base}/c/cohort7/moderation")
    request_id = (await page.get_attribute("button[id^=approve-]", "id")).split("-")[1]
    csrf = await page.get_attribute("input[name=csrf]", "value")
    async with aiohttp.ClientSession(cookies=cookie) as http:
        async with http.post(f"{base}/c/cohort7/moderation/approve", data={"id": request_id}) as response:
            assert response.status == 403
            assert "nothing was changed" in await response.text()
        async with http.post(f"{base}/c/cohort8/moderation/approve", data={"id": request_id, "csrf": csrf}) as response:
            assert response.status == 404  # the request belongs to cohort7
        async with http.get(f"{base}/c/cohort7/moderation?" + "x" * 5000) as response:
            assert response.status == 414
        async with http.post(f"{base}/c/cohort7/moderation/approve", data={"id": "1 OR 1=1", "csrf": csrf}) as response:
            assert response.status == 400
    assert not bot.actions(ApproveJoin)
    assert "Fatuma" in await (await page.reload()) .text()


async def test_a_telegram_chat_admin_approves_in_french(make_bot, browser):
    bot = await make_bot(platform="telegram", config=_config())
    bot.set_platform_role("Hiwot", Role.ADMIN)  # an administrator of the Telegram group, not listed in plugins.toml
    await bot.send("/lang fr", user="Hiwot", chat="dm")
    await bot.join_request("Fatuma")
    await bot.send("Adama", user="Fatuma", chat="dm")
    page = await sign_in(bot, browser, "Hiwot")
    base = page.url.split("/c/")[0].rstrip("/")
    await page.goto(f"{base}/c/cohort7/moderation")
    assert "Demandes d'adhésion" in await page.inner_text("main")
    await page.click("button[id^=approve-]")
    await page.wait_for_selector("#notice")
    assert "acceptée : Fatuma peut rejoindre le groupe" in await page.inner_text("#notice")
    await bot.runtime.idle()
    assert bot.actions(ApproveJoin)
