"""The adapter on real HTTP: the fake Graph API behind it, signed webhooks in front, a host that stores."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from adapters.whatsapp import adapter as adapter_module
from adapters.whatsapp.adapter import WhatsAppAdapter
from adapters.whatsapp.config import WhatsAppConfig
from core.errors import DeliveryError
from core.events import ChatRef, Event, Role, User
from core.replies import ApproveJoin, Button, DeclineJoin, DirectMessage, Reply
from core.schema import validate
from tests.adapters.whatsapp.fake_graph_api import PHONE_NUMBER_ID, TOKEN, FakeGraphApi
from tests.adapters.whatsapp.payloads import APP_SECRET, VERIFY_TOKEN, signed, status, text

ALICE, BOB = "15550002002", "15550003003"


class Host:
    """The core as the adapter sees it: stores events (or, when `full`, never gets to)."""

    prefix = "/"

    def __init__(self, folder: str) -> None:
        self.data_dir = folder
        self.events: list[tuple[str | None, Event]] = []
        self.full = False

    async def accept(self, event: Event, *, source: str | None = None) -> asyncio.Future[Any]:
        if self.full:
            await asyncio.Event().wait()
        self.events.append((source, event))
        future = asyncio.get_running_loop().create_future()
        future.set_result(1)
        return future

    async def deliver(self, event: Event, *, source: str | None = None) -> None:
        await (await self.accept(event, source=source))

    def configured_role(self, user: User, chat: ChatRef | None) -> Role:
        return Role.MEMBER


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraphApi]:
    async with FakeGraphApi() as server:
        yield server


@pytest.fixture
async def make(graph, tmp_path):
    started: list[WhatsAppAdapter] = []
    host = Host(str(tmp_path))

    async def build(**table: Any) -> WhatsAppAdapter:
        config = validate(WhatsAppConfig, {"phone_number_id": PHONE_NUMBER_ID, "token": TOKEN, "app_secret": APP_SECRET,
                                           "verify_token": VERIFY_TOKEN, "webhook_port": 0, "api_base_url": graph.base_url,
                                           "reminder_template": "homework_reminder", **table}, "[adapters.whatsapp]")
        adapter = WhatsAppAdapter(config, host)
        await adapter.start()
        started.append(adapter)
        return adapter

    build.host = host  # type: ignore[attr-defined]
    yield build
    for adapter in started:
        await adapter.stop()


async def post(adapter: WhatsAppAdapter, payload: dict[str, Any]) -> int:
    body, headers = signed(payload)
    async with aiohttp.ClientSession() as http:
        async with http.post(f"http://127.0.0.1:{adapter.port}/whatsapp", data=body, headers=headers) as response:
            return response.status


def dm(wa_id: str, body: str = "Reminder: #1 Case study is due tomorrow.") -> DirectMessage:
    return DirectMessage(user=User("whatsapp", wa_id, wa_id), text=body)


async def test_inside_the_window_free_form_outside_the_template_and_the_window_survives_a_restart(make, graph):
    adapter = await make()
    assert await post(adapter, text(ALICE, "Alice", "hi")) == 200
    sent = await adapter.perform(dm(ALICE))
    assert sent.message_id and graph.sent(ALICE, "text")
    await adapter.perform(dm(BOB))
    assert [m["type"] for m in graph.sent(BOB)] == ["template"]
    await adapter.stop()
    again = await make()
    await again.perform(dm(ALICE, "second"))
    assert graph.texts(ALICE)[-1] == "second"  # still inside Alice's window after the restart
    old = text(BOB, "Bob", "hi", at=time.time() - 25 * 3600)  # a message from yesterday opens nothing now
    assert await post(again, old) == 200
    await again.perform(dm(BOB, "third"))
    assert graph.sent(BOB)[-1]["type"] == "template"


async def test_a_report_on_any_part_of_a_split_message_reaches_the_message_s_record(make, graph):
    reports: list[tuple[str, str]] = []

    async def delivery_status(platform: str, message_id: str, status: str, *, error: str = "") -> bool:
        reports.append((message_id, status))
        return True

    make.host.delivery_status = delivery_status
    adapter = await make()
    assert await post(adapter, text(ALICE, "Alice", "hi")) == 200
    long_question = DirectMessage(user=User("whatsapp", ALICE, ALICE), text="word " * 400,  # longer than a button body
                                  buttons=((Button("Yes", "y"), Button("No", "n")),))
    sent = await adapter.perform(long_question)  # the text, then the buttons: two WhatsApp messages
    first, second = (graph.wamid_of(body) for body in graph.sent(ALICE))
    assert sent.message_id == first
    assert await post(adapter, status(second, ALICE, "failed", 131026)) == 200
    assert await post(adapter, status(first, ALICE, "read")) == 200
    assert reports == [(first, "failed"), (first, "read")]  # the member did not get the whole message


async def test_join_requests_are_approved_or_rejected_by_the_member_s_number(make, graph):
    adapter = await make()  # a fresh process: it finds the request by number, not by what it heard earlier
    group = ChatRef("whatsapp", "Y2FwaV9ncm91cDoxNzA1", kind="group")
    alice, bob = (User("whatsapp", w, w) for w in (ALICE, BOB))
    alice_request, bob_request = graph.request_join(group.id, ALICE), graph.request_join(group.id, BOB)
    await adapter.perform(ApproveJoin(chat=group, user=alice))
    await adapter.perform(DeclineJoin(chat=group, user=bob, reason="not in this cohort"))
    assert graph.answered_joins() == [("POST", group.id, [alice_request]), ("DELETE", group.id, [bob_request])]
    with pytest.raises(DeliveryError) as caught:  # withdrawn, or answered in WhatsApp already
        await adapter.perform(ApproveJoin(chat=group, user=alice))
    assert caught.value.permanent and "no open request" in str(caught.value)


async def test_outside_the_window_wait_holds_and_drop_refuses_for_good(make, graph):
    waiting = await make(outside_window="wait")
    with pytest.raises(DeliveryError) as caught:
        await waiting.perform(dm(BOB))
    assert caught.value.retry_after == adapter_module.WAIT_RECHECK and not caught.value.permanent
    await waiting.stop()
    dropping = await make(outside_window="drop", reminder_template=None)
    with pytest.raises(DeliveryError) as caught:
        await dropping.perform(dm(BOB))
    assert caught.value.permanent and "dropped" in str(caught.value)
    assert graph.calls == []


async def test_meta_refusing_a_free_form_message_for_the_window_gets_the_template(make, graph):
    adapter = await make()
    assert await post(adapter, text(ALICE, "Alice", "hi")) == 200
    graph.fail_next(400, 131047, "Re-engagement message")
    await adapter.perform(dm(ALICE))
    assert [c.body["type"] for c in graph.calls] == ["text", "template"]


@pytest.mark.parametrize("status, code, check", [
    (429, 130429, lambda e: e.retry_after == 5.0),
    (400, 131056, lambda e: e.retry_after == 6.0),
    (400, 80007, lambda e: e.retry_after == 60.0),
    (500, 131000, lambda e: e.retry_after is None and not e.permanent),
    (400, 131026, lambda e: e.permanent),
    (401, 190, lambda e: e.permanent and "WHATSAPP_TOKEN" in str(e)),
])
async def test_graph_errors_become_retry_permanent_or_reauth(make, graph, status, code, check):
    adapter = await make()
    assert await post(adapter, text(ALICE, "Alice", "hi")) == 200
    graph.fail_next(status, code)
    with pytest.raises(DeliveryError) as caught:
        await adapter.perform(Reply(chat=ChatRef("whatsapp", ALICE, kind="direct"), text="secret body"))
    assert check(caught.value)
    assert "secret body" not in str(caught.value) and TOKEN not in str(caught.value)


async def test_stop_drops_reminders_but_not_answers(make, graph):
    adapter = await make()
    assert await post(adapter, text(ALICE, "Alice", "/stop")) == 200
    await asyncio.sleep(0.3)
    assert make.host.events == []  # handled by the adapter, not a command for the plugins
    with pytest.raises(DeliveryError) as caught:
        await adapter.perform(dm(ALICE))
    assert caught.value.permanent and "/stop" in str(caught.value)
    await adapter.perform(Reply(chat=ChatRef("whatsapp", ALICE, kind="direct"), text="your progress"))
    assert graph.texts(ALICE)[-1] == "your progress"
    assert await post(adapter, text(ALICE, "Alice", "/start")) == 200
    await adapter.perform(dm(ALICE, "reminder again"))
    assert graph.texts(ALICE)[-1] == "reminder again"


async def test_a_full_intake_answers_503_and_the_same_message_later_is_stored_once(make, monkeypatch):
    monkeypatch.setattr(adapter_module, "WEBHOOK_ACCEPT_TIMEOUT", 0.3)
    adapter = await make()
    make.host.full = True
    payload = text(ALICE, "Alice", "/homework", message_id="wamid.SAME")
    assert await post(adapter, payload) == 503
    make.host.full = False
    assert await post(adapter, payload) == 200
    assert [source for source, _ in make.host.events] == ["whatsapp:wamid.SAME"]
