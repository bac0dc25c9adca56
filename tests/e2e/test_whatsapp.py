"""WhatsApp end to end: a real `practica run`, signed webhooks as Meta sends them, a fake Graph API."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from tests.adapters.whatsapp.fake_graph_api import TOKEN, FakeGraphApi
from tests.adapters.whatsapp.payloads import APP_SECRET, VERIFY_TOKEN, button_reply, join_request, list_reply, status, text
from tests.e2e.whatsapp_bot import WhatsAppBot, wait_until

GROUP = "Y2FwaV9ncm91cDoxNzA1NTU1MDEzOToxMjAzNjM0MDQ2OTQyMzM4MjAZD"  # a Groups API id, as Meta documents them
TRAINER, ALICE, BOB = "15550001001", "15550002002", "15550003003"
COHORT = f'[communities.cohort7]\nchats = ["whatsapp:{GROUP}"]\nmoderators = ["whatsapp:{TRAINER}"]\n'


@pytest.fixture
async def graph():
    async with FakeGraphApi() as server:
        yield server


async def test_handshake_answers_the_challenge_and_unsigned_posts_are_refused(graph, tmp_path):
    async with WhatsAppBot(tmp_path, graph) as bot:
        assert await bot.handshake(VERIFY_TOKEN, "1158201444") == (200, "1158201444")
        assert (await bot.handshake("wrong", "1158201444"))[0] == 403
        assert await bot.post(text(ALICE, "Alice", "/help"), secret="not-the-app-secret") == 401
        assert await bot.post(text(ALICE, "Alice", "/help"), signature=None) == 401
        await asyncio.sleep(1.0)
        assert graph.calls == []  # nothing happened
        with bot.db() as db:
            assert db.execute("SELECT COUNT(*) FROM whatsapp_members").fetchone()[0] == 0
        assert await bot.post(text(ALICE, "Alice", "/help")) == 200
        await wait_until(lambda: graph.sent(ALICE), 15, "the signed /help answered")
    log = bot.log.read_text()
    for secret in (TOKEN, APP_SECRET, VERIFY_TOKEN, "/help"):
        assert secret not in log  # DEBUG logs of practica, httpx and httpcore included


async def test_homework_and_done_in_a_one_to_one_chat_and_a_group_answered_in_text(graph, tmp_path):
    async with WhatsAppBot(tmp_path, graph, extra_toml=COHORT) as bot:
        assert await bot.post(text(ALICE, "Alice", "hello everyone", group_id=GROUP)) == 200
        assert await bot.post(text(TRAINER, "Trainer", "/homework add Case study | due in 3 days | one page",
                                   group_id=GROUP)) == 200
        await wait_until(lambda: graph.sent(GROUP), 15, "the assignment posted in the group")
        posted = graph.sent(GROUP)[0]
        assert posted["recipient_type"] == "group" and posted["type"] == "text"
        assert "Case study" in posted["text"]["body"]

        assert await bot.post(text(ALICE, "Alice", "/homework")) == 200
        await wait_until(lambda: any("Case study" in t for t in graph.texts(ALICE)), 15, "Alice's homework list")
        assert graph.sent(ALICE)[0]["recipient_type"] == "individual"
        assert await bot.post(text(ALICE, "Alice", "/done 1 read it twice")) == 200
        await wait_until(lambda: len(graph.texts(ALICE)) >= 2, 15, "the /done answer")
        assert "1" in graph.texts(ALICE)[1] and "Case study" in graph.texts(ALICE)[1]


async def test_a_button_reply_is_a_button_press(graph, tmp_path):
    async with WhatsAppBot(tmp_path, graph) as bot:
        assert await bot.post(text(ALICE, "Alice", "/forgetme")) == 200
        await wait_until(lambda: graph.sent(ALICE, "interactive"), 15, "the question with buttons")
        sent = graph.sent(ALICE, "interactive")[0]
        question = sent["interactive"]
        assert question["type"] == "button"
        buttons = {b["reply"]["title"]: b["reply"]["id"] for b in question["action"]["buttons"]}
        assert set(buttons) == {"Yes, delete", "Cancel"}
        assert await bot.post(button_reply(ALICE, "Alice", buttons["Cancel"], "Cancel", graph.wamid_of(sent))) == 200
        await wait_until(lambda: "Nothing was deleted." in graph.texts(ALICE), 15, "the cancel answer")


async def test_reminders_inside_the_window_are_free_form_outside_it_the_template(graph, tmp_path):
    toml = COHORT + '[plugins.homework]\nremind_before = ["9m57s"]\n'
    async with WhatsAppBot(tmp_path, graph, extra_toml=toml) as bot:
        for who, name in ((ALICE, "Alice"), (BOB, "Bob")):  # both are members of the group
            assert await bot.post(text(who, name, f"hi, {name} here", group_id=GROUP)) == 200
        assert await bot.post(text(ALICE, "Alice", "/whoami")) == 200  # Alice writes one-to-one: her window opens
        await wait_until(lambda: graph.sent(ALICE), 15, "Alice's /whoami answer")
        assert await bot.post(text(TRAINER, "Trainer", "/homework add Hand hygiene | due in 10 minutes",
                                   group_id=GROUP)) == 200
        await wait_until(lambda: graph.sent(BOB) and len(graph.sent(ALICE)) >= 2, 30, "the reminders")
        alice = graph.sent(ALICE)[-1]
        assert alice["type"] == "text" and "Hand hygiene" in alice["text"]["body"]
        bob = graph.sent(BOB)
        assert [m["type"] for m in bob] == ["template"]  # Bob never wrote one-to-one: outside the window
        template = bob[0]["template"]
        assert template["name"] == "homework_reminder" and template["language"] == {"code": "en"}
        parameter = template["components"][0]["parameters"][0]["text"]
        assert "Hand hygiene" in parameter and "\n" not in parameter


async def test_stop_turns_reminders_off_and_a_rate_limit_is_retried(graph, tmp_path):
    toml = COHORT + '[plugins.homework]\nremind_before = ["9m57s"]\n'
    async with WhatsAppBot(tmp_path, graph, extra_toml=toml) as bot:
        assert await bot.post(text(ALICE, "Alice", "hi", group_id=GROUP)) == 200
        assert await bot.post(text(BOB, "Bob", "hi", group_id=GROUP)) == 200
        assert await bot.post(text(BOB, "Bob", "/stop")) == 200
        await wait_until(lambda: graph.sent(BOB), 15, "the /stop confirmation")
        assert "Reminders and announcements are off" in graph.texts(BOB)[0]
        assert await bot.post(text(ALICE, "Alice", "/whoami")) == 200
        await wait_until(lambda: graph.sent(ALICE), 15, "Alice's /whoami answer")
        graph.fail_next(429, 130429, "Rate limit hit")
        started = time.monotonic()
        assert await bot.post(text(TRAINER, "Trainer", "/homework add Charting | due in 10 minutes", group_id=GROUP)) == 200
        await wait_until(lambda: graph.sent(GROUP), 90, "the assignment posted after the rate limit")
        assert any(not c.ok for c in graph.calls)
        await wait_until(lambda: len(graph.sent(ALICE)) >= 2, 90, "Alice's reminder")
        assert len(graph.sent(BOB)) == 1  # only the /stop confirmation: no reminder
        assert time.monotonic() - started >= 1
        assert await bot.post(status(graph.wamid_of(graph.sent(ALICE)[-1]), ALICE, "read")) == 200


async def test_statuses_reach_the_delivery_records_and_a_failed_reminder_falls_back_to_the_group(graph, tmp_path):
    toml = COHORT + '[plugins.homework]\nremind_before = ["9m57s"]\n'
    async with WhatsAppBot(tmp_path, graph, extra_toml=toml) as bot:
        assert await bot.post(text(ALICE, "Alice", "hi", group_id=GROUP)) == 200
        assert await bot.post(text(ALICE, "Alice", "/whoami")) == 200
        await wait_until(lambda: graph.sent(ALICE), 15, "Alice's /whoami answer")
        answer = graph.wamid_of(graph.sent(ALICE)[0])
        for state in ("sent", "delivered", "read"):
            assert await bot.post(status(answer, ALICE, state)) == 200
        with bot.main_db() as db:  # recorded on the answer's delivery record, once answered 200
            assert db.execute("SELECT status, receipt FROM practica_outbox WHERE message_id = ?", (answer,)).fetchone() \
                == ("sent", "read")

        assert await bot.post(text(TRAINER, "Trainer", "/homework add Hand hygiene | due in 10 minutes",
                                   group_id=GROUP)) == 200
        await wait_until(lambda: len(graph.sent(ALICE)) >= 2, 30, "Alice's reminder")
        reminder = graph.sent(ALICE)[-1]
        assert "Hand hygiene" in reminder["text"]["body"]
        assert not [t for t in graph.texts(GROUP) if t.startswith("Reminder")]
        # WhatsApp accepted the reminder, then reports that it could not be delivered (131026)
        assert await bot.post(status(graph.wamid_of(reminder), ALICE, "failed", 131026)) == 200
        await wait_until(lambda: [t for t in graph.texts(GROUP) if t.startswith("Reminder")], 15,
                         "the anonymous reminder in the group instead")
        with bot.main_db() as db:
            row = db.execute("SELECT status, error FROM practica_outbox WHERE message_id = ?",
                             (graph.wamid_of(reminder),)).fetchone()
        assert row == ("failed", "WhatsApp error 131026 (Message undeliverable)")
        posts = len(graph.sent(GROUP))
        assert await bot.post(status(graph.wamid_of(reminder), ALICE, "failed", 131026)) == 200  # Meta retries
        assert await bot.post(status(graph.wamid_of(graph.sent(GROUP)[0]), GROUP, "read", group=True)) == 200
        await asyncio.sleep(0.5)
        assert len(graph.sent(GROUP)) == posts  # told once
    assert "Message Undeliverable." not in bot.log.read_text()  # Meta's details are never logged


async def test_a_poll_in_a_group_is_numbered_text_and_a_member_votes_from_a_list_in_private(graph, tmp_path):
    async with WhatsAppBot(tmp_path, graph, extra_toml=COHORT) as bot:
        assert await bot.post(text(ALICE, "Alice", "hello", group_id=GROUP)) == 200
        assert await bot.post(text(BOB, "Bob", "hello", group_id=GROUP)) == 200
        assert await bot.post(text(TRAINER, "Trainer", "/poll Next topic? | Breastfeeding | Newborn care | "
                                   "Postpartum bleeding | Family planning", group_id=GROUP)) == 200
        await wait_until(lambda: graph.sent(GROUP), 15, "the poll in the group")
        poll = graph.sent(GROUP)[0]
        assert poll["type"] == "text" and "2. Newborn care" in poll["text"]["body"]  # no interactive message in groups

        # In the group: a reply with the number to the poll's message.
        assert await bot.post(text(BOB, "Bob", "3", group_id=GROUP,
                                   context={"from": "15550783881", "id": graph.wamid_of(poll)})) == 200
        await wait_until(lambda: any("3. Postpartum bleeding" in t for t in graph.texts(GROUP)), 15, "Bob's vote")

        # In private: /polls, then a pick from the list.
        assert await bot.post(text(ALICE, "Alice", "/polls")) == 200
        await wait_until(lambda: graph.sent(ALICE, "interactive"), 15, "the poll as a list")
        picker = graph.sent(ALICE, "interactive")[0]
        assert picker["interactive"]["type"] == "list"  # four options: a list, not buttons
        rows = {r["title"]: r["id"] for r in picker["interactive"]["action"]["sections"][0]["rows"]}
        assert list(rows) == ["Breastfeeding", "Newborn care", "Postpartum bleeding", "Family planning"]
        assert await bot.post(list_reply(ALICE, "Alice", rows["Newborn care"], "Newborn care",
                                         graph.wamid_of(picker))) == 200
        await wait_until(lambda: any("2. Newborn care" in t for t in graph.texts(ALICE)), 15, "Alice's vote")
        assert await bot.post(text(TRAINER, "Trainer", "/results 1", group_id=GROUP)) == 200
        await wait_until(lambda: any("2 votes" in t for t in graph.texts(GROUP)), 15, "the results")


async def test_mydata_uploads_the_file_then_sends_it_as_a_document(graph, tmp_path):
    async with WhatsAppBot(tmp_path, graph) as bot:
        assert await bot.post(text(ALICE, "Alice", "/mydata")) == 200
        await wait_until(lambda: graph.sent(ALICE, "document"), 15, "the data file")
        upload = next(c for c in graph.calls if c.kind == "media")
        assert upload.body["messaging_product"] == "whatsapp" and upload.body["filename"].endswith(".json")
        document = graph.sent(ALICE, "document")[0]["document"]
        assert document["id"].startswith("449") and document["filename"] == upload.body["filename"]


async def test_mydata_shows_and_forgetme_erases_the_members_row_of_the_window_store(graph, tmp_path):
    async with WhatsAppBot(tmp_path, graph) as bot:
        assert await bot.post(text(ALICE, "Alice", "/stop")) == 200  # her opt-out is stored too
        assert await bot.post(text(ALICE, "Alice", "/mydata")) == 200
        await wait_until(lambda: graph.sent(ALICE, "document"), 15, "the data file")
        summary = next(t for t in graph.texts(ALICE) if "in short" in t)
        assert f"WhatsApp: number: {ALICE}" in summary and "reminders off (/stop): yes" in summary
        upload = next(c for c in graph.calls if c.kind == "media")
        exported = json.loads(upload.body["content"])
        assert exported["whatsapp"]["number"] == ALICE and exported["whatsapp"]["reminders_off"] is True

        assert await bot.post(text(BOB, "Bob", "hello")) == 200  # another member, kept
        assert await bot.post(text(ALICE, "Alice", "/forgetme")) == 200
        await wait_until(lambda: graph.sent(ALICE, "interactive"), 15, "the question")
        question = graph.sent(ALICE, "interactive")[-1]
        yes = next(b["reply"]["id"] for b in question["interactive"]["action"]["buttons"] if b["reply"]["title"] == "Yes, delete")
        assert await bot.post(button_reply(ALICE, "Alice", yes, "Yes, delete", graph.wamid_of(question))) == 200
        await wait_until(lambda: any(t.startswith("Done: your data was deleted") for t in graph.texts(ALICE)), 15,
                         "the confirmation")
        done = next(m for m in graph.sent(ALICE) if m["type"] == "text" and m["text"]["body"].startswith("Done"))
        assert "whatsapp" in done["text"]["body"]  # answered in the window she opened, not as a template
        with bot.db() as db:
            assert db.execute("SELECT wa_id FROM whatsapp_members").fetchall() == [(BOB,)]
        on_disk = b"".join(p.read_bytes() for p in tmp_path.glob("whatsapp.db*"))
        assert ALICE.encode() not in on_disk and BOB.encode() in on_disk  # overwritten, the log emptied


async def test_a_request_to_join_a_mentoring_group_reaches_the_trainer_who_approves_it_with_a_button(graph, tmp_path):
    async with WhatsAppBot(tmp_path, graph, extra_toml=COHORT) as bot:
        assert await bot.post(text(TRAINER, "Trainer", "/whoami")) == 200  # the trainer's window is open
        await wait_until(lambda: graph.sent(TRAINER), 15, "the trainer's /whoami answer")
        alice_request = graph.request_join(GROUP, ALICE)
        assert await bot.post(join_request(GROUP, ALICE, alice_request)) == 200
        assert await bot.post(join_request(GROUP, ALICE, alice_request)) == 200  # Meta sends it again: one request
        await wait_until(lambda: graph.sent(ALICE), 15, "the questionnaire sent to Alice")
        assert graph.sent(ALICE)[0]["type"] == "template"  # she has not written to the bot yet: outside the window
        for answer in ("midwife", "Kisumu district hospital", "RN-20417", "none"):
            count = len(graph.sent(ALICE))
            assert await bot.post(text(ALICE, "Alice", answer)) == 200  # her answers open her window
            await wait_until(lambda: len(graph.sent(ALICE)) > count, 15, "the next question")
        await wait_until(lambda: len(graph.sent(TRAINER)) >= 2, 15, "the join request shown to the trainer")
        review = graph.sent(TRAINER)[-1]
        assert review["type"] == "interactive" and f"+{ALICE}" in review["interactive"]["body"]["text"]
        approve = next(b["reply"] for b in review["interactive"]["action"]["buttons"] if b["reply"]["id"].startswith("mod:"))
        assert await bot.post(button_reply(TRAINER, "Trainer", approve["id"], approve["title"],
                                           graph.wamid_of(review))) == 200
        await wait_until(lambda: graph.answered_joins(), 15, "the approval sent to WhatsApp")
        assert graph.answered_joins() == [("POST", GROUP, [alice_request])]
        assert graph.join_requests[GROUP] == {}
        await asyncio.sleep(0.5)
        assert len([b for b in graph.sent(TRAINER) if b["type"] == "interactive"]) == 1
