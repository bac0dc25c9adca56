"""Reports on the moderation page: dismissed, warned, removed or muted from the browser, with the chat
commands' effects (a case naming the coordinator, the member's notice, the log); refusals change nothing."""

from __future__ import annotations

import aiohttp
import pytest

from core import DeleteMessage, DirectMessage, Reply, Restrict, Role
from tests.dashboard.conftest import sign_in


def _config():
    return {
        "dashboard": {"enabled": True, "port": 0},
        "communities": {
            "cohort7": {"chats": ["telegram:g1"], "moderators": ["telegram:trainer"], "log_chat": "telegram:log7"},
            "cohort8": {"chats": ["telegram:g2"], "moderators": ["telegram:coord8", "telegram:trainer"]},
        },
    }


async def _report(bot, text: str, *, author: str = "amina", reporter: str = "bekele"):
    message = await bot.send(text, user=author, chat="cohort7")
    await bot.send("/report advertising", user=reporter, chat="cohort7", reply_to=message)
    bot.new_messages()
    return message


async def _moderation(bot, browser, user: str = "trainer", *, javascript: bool = True):
    page = await sign_in(bot, browser, user, javascript=javascript)
    base = page.url.split("/c/")[0].rstrip("/")
    await page.goto(f"{base}/c/cohort7/moderation")
    return page, base


def _to(messages, who: str) -> list[str]:
    return [m.text for m in messages if isinstance(m, DirectMessage) and m.user.id == who]


def _log(messages) -> list[str]:
    return [m.text for m in messages if isinstance(m, Reply) and m.chat.key == "telegram:log7"]


@pytest.mark.parametrize("javascript", [True, False])
async def test_a_warning_from_the_page_resolves_the_report_and_reaches_the_member(make_bot, browser, javascript):
    bot = await make_bot(platform="telegram", config=_config())
    await _report(bot, "buy my cream, cheap")
    page, _ = await _moderation(bot, browser, javascript=javascript)
    assert "buy my cream" in await page.inner_text("#reports")
    await page.fill("#reports input[name=reason]", "advertising products")
    await page.click("button[id^=report_warn-]")
    await page.wait_for_selector("#notice")
    assert "Case #2: amina was warned." in await page.inner_text("#notice")
    assert await page.query_selector("#reports") is None  # resolved: no longer listed
    await bot.runtime.idle()
    sent = bot.new_messages()
    (notice,) = _to(sent, "amina")
    assert notice.startswith("You received a warning in cohort7. Reason: advertising products.") and "/appeal 2" in notice
    log = _log(sent)
    assert any("Case #2: warning — amina, by trainer" in line for line in log), log
    assert "Case #1: report handled by trainer with case #2." in log
    await bot.send("/cases @amina", user="trainer", chat="dm")
    cases = bot.next_reply().text
    assert "Case #2: warning — amina, by trainer" in cases and "Case #1: report" in cases and "(handled)" in cases


async def test_mute_remove_and_dismiss_from_the_page(make_bot, browser):
    bot = await make_bot(platform="telegram", config=_config())
    first = await _report(bot, "first advert")
    page, _ = await _moderation(bot, browser)
    await page.fill("#reports input[name=duration]", "2h")
    await page.click("button[id^=report_mute-]")
    await page.wait_for_selector("#notice")
    assert "amina is muted" in await page.inner_text("#notice")
    await bot.runtime.idle()
    (mute,) = bot.actions(Restrict)
    assert mute.user.id == "amina" and mute.chat.key == "telegram:g1" and mute.until is not None
    assert any(t.startswith("You are muted in the group until") for t in _to(bot.new_messages(), "amina"))

    assert page.url.endswith("/c/cohort7/moderation")  # a reload asks for the page, not the action
    second = await _report(bot, "second advert", author="chala", reporter="fatuma")  # (amina is muted)
    await page.reload()
    await page.click("button[id^=report_remove-]")
    await page.wait_for_selector("#notice")
    assert "the message of chala was removed" in await page.inner_text("#notice")
    await bot.runtime.idle()
    removed = [a.message_id for a in bot.actions(DeleteMessage)]
    assert second.id in removed and first.id not in removed  # the reported message, not the earlier one
    assert any(t.startswith("Your message was removed: reported message (case #3)") for t in _to(bot.new_messages(), "chala"))

    await _report(bot, "good question about sutures", author="dawit", reporter="gebre")
    await page.reload()
    await page.click("button[id^=report_dismiss-]")
    await page.wait_for_selector("#notice")
    assert "dismissed" in await page.inner_text("#notice")
    await bot.runtime.idle()
    sent = bot.new_messages()
    assert _to(sent, "dawit") == []  # a dismissed report tells the member nothing
    assert any("report dismissed by trainer" in line for line in _log(sent))
    assert await page.query_selector("#reports") is None


async def test_refusals_change_nothing(make_bot, browser):
    bot = await make_bot(platform="telegram", config=_config())
    bot.set_platform_role("trainer2", Role.MODERATOR)  # a Telegram admin of the group
    reported = [await _report(bot, "advert by a moderator", author="trainer2"), await _report(bot, "advert", reporter="fatuma")]
    page, base = await _moderation(bot, browser)
    protected, report_id = [(await b.get_attribute("id")).split("-")[1] for b in await page.query_selector_all("button[id^=report_warn-]")][::-1]
    csrf = await page.get_attribute("input[name=csrf]", "value")
    cookies = {c["name"]: c["value"] for c in await page.context.cookies()}
    async with aiohttp.ClientSession(cookies=cookies) as http:
        async with http.post(f"{base}/c/cohort7/moderation/report_warn", data={"id": report_id}) as response:
            assert response.status == 403  # no CSRF token
        async with http.post(f"{base}/c/cohort8/moderation/report_warn", data={"id": report_id, "csrf": csrf}) as response:
            assert response.status == 404  # the report belongs to cohort7
        async with http.post(f"{base}/c/cohort7/moderation/report_warn", data={"id": protected, "csrf": csrf}) as response:
            assert response.status == 409  # only a higher role may warn a moderator
            assert "do that to trainer2: they are a moderator" in await response.text()
        async with http.post(f"{base}/c/cohort7/moderation/report_mute",
                             data={"id": report_id, "csrf": csrf, "duration": "-5d"}) as response:
            assert response.status == 409 and "is not a duration I can use" in await response.text()

    other = await sign_in(bot, browser, "coord8")  # a coordinator of cohort8 only
    csrf8 = await other.get_attribute("input[name=csrf]", "value")
    cookies8 = {c["name"]: c["value"] for c in await other.context.cookies()}
    async with aiohttp.ClientSession(cookies=cookies8) as http:
        async with http.post(f"{base}/c/cohort7/moderation/report_dismiss", data={"id": report_id, "csrf": csrf8}) as response:
            assert response.status == 403
        async with http.post(f"{base}/c/cohort8/moderation/report_dismiss", data={"id": report_id, "csrf": csrf8}) as response:
            assert response.status == 404
    await bot.runtime.idle()
    assert not bot.actions(Restrict)
    assert not {m.id for m in reported} & {a.message_id for a in bot.actions(DeleteMessage)}
    assert not [m for m in bot.new_messages() if isinstance(m, DirectMessage)]
    await page.reload()
    assert len(await page.query_selector_all("button[id^=report_warn-]")) == 2  # both still open


async def test_two_coordinators_decide_on_the_same_report(make_bot, browser):
    bot = await make_bot(platform="telegram", config=_config())
    bot.set_platform_role("Hiwot", Role.ADMIN)
    await _report(bot, "advert")
    first, _ = await _moderation(bot, browser)
    second, _ = await _moderation(bot, browser, "Hiwot")
    await first.click("button[id^=report_dismiss-]")
    await first.wait_for_selector("#notice")
    await second.click("button[id^=report_warn-]")  # her page still shows the report
    await second.wait_for_selector("#notice")
    assert "Report #1 was already handled." in await second.inner_text("#notice")  # shown, with JavaScript too
    await bot.runtime.idle()
    assert not [m for m in bot.new_messages() if isinstance(m, DirectMessage)]
