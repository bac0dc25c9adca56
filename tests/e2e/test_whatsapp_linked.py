"""One person on WhatsApp and Telegram: a real `practica run` with both adapters, against the fake Graph
API and the fake Bot API. `/link` joins the accounts: points add up, `/rank` agrees on both sides, and
`/mydata` from WhatsApp gathers both accounts (the window store included); `/forgetme` from Telegram
empties WhatsApp's window store too."""

from __future__ import annotations

import json
import re

from tests.adapters.telegram.fake_bot_api import TOKEN as TELEGRAM_TOKEN
from tests.adapters.telegram.payloads import message, private
from tests.adapters.whatsapp.fake_graph_api import FakeGraphApi
from tests.adapters.whatsapp.payloads import text
from tests.e2e.harness import TOKEN_VARIABLE, group, user, wait_until
from tests.e2e.whatsapp_bot import WhatsAppBot

WA_GROUP, ALICE_WA = "Y2FwaV9ncm91cDoxNzA1NTU1MDEzOToxMjAzNjM0MDQ2OTQyMzM4MjAZD", "15550002002"
TRAINER, ALICE_TG = user(1), user(2)
TG_GROUP = group(7)


def _toml(api) -> str:  # type: ignore[no-untyped-def]
    return (f'[adapters.telegram]\ntoken = {{ "$env" = "{TOKEN_VARIABLE}" }}\nbase_url = "{api.base_url}"\npoll_timeout = 1\n\n'
            '[plugins.homework]\ndigest = ""\nremind_before = []\n\n'
            f'[communities.cohort7]\nchats = ["whatsapp:{WA_GROUP}", "telegram:{TG_GROUP["id"]}"]\n'
            f'moderators = ["telegram:{TRAINER["id"]}"]\n')


def _telegram_texts(api, chat_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(c.params.get("text", "")) for c in api.answered
            if c.method == "sendMessage" and int(c.params["chat_id"]) == chat_id]


async def test_link_merges_points_rank_and_mydata_across_whatsapp_and_telegram(api, tmp_path, monkeypatch):
    monkeypatch.setenv(TOKEN_VARIABLE, TELEGRAM_TOKEN)
    async with FakeGraphApi() as graph, WhatsAppBot(tmp_path, graph, extra_toml=_toml(api)) as bot:
        await wait_until(lambda: api.calls_of("getUpdates"), 20, "Telegram polling")
        api.push_update(message=message("hello", chat=TG_GROUP, sender=ALICE_TG))
        assert await bot.post(text(ALICE_WA, "Alice", "hello from the clinic", group_id=WA_GROUP)) == 200
        api.push_update(message=message("/homework add Case study | due in 3 days | one page", chat=TG_GROUP, sender=TRAINER))
        await wait_until(lambda: any("Case study" in t for t in _telegram_texts(api, TG_GROUP["id"])), 20, "the assignment")

        # Separate accounts: homework on WhatsApp, a correction on Telegram
        assert await bot.post(text(ALICE_WA, "Alice", "/done 1 read it twice")) == 200
        await wait_until(lambda: any("is recorded" in t for t in graph.texts(ALICE_WA)), 20, "the /done answer")
        api.push_update(message=message(f"/points @{ALICE_TG['username']} +5 case notes", chat=TG_GROUP, sender=TRAINER))
        await wait_until(lambda: any("+5" in t or "5 points" in t for t in _telegram_texts(api, TG_GROUP["id"])), 20,
                         "the correction")
        assert await bot.post(text(ALICE_WA, "Alice", "/rank")) == 200
        await wait_until(lambda: any("points in total" in t for t in graph.texts(ALICE_WA)), 20, "her WhatsApp rank")
        assert "10 points in total" in [t for t in graph.texts(ALICE_WA) if "points in total" in t][-1]

        # /link: a code from Telegram, sent from WhatsApp
        api.push_update(message=message("/link", chat=private(ALICE_TG), sender=ALICE_TG))
        await wait_until(lambda: any(re.search(r"/link [A-Z0-9]{6}", t) for t in _telegram_texts(api, ALICE_TG["id"])), 20,
                         "the code")
        code = next(m.group(0) for t in _telegram_texts(api, ALICE_TG["id"]) if (m := re.search(r"/link [A-Z0-9]{6}", t)))
        assert await bot.post(text(ALICE_WA, "Alice", code)) == 200
        await wait_until(lambda: any(t.startswith("Linked") for t in graph.texts(ALICE_WA)), 20, "the link")
        assert f"telegram:{ALICE_TG['id']}" in graph.texts(ALICE_WA)[-1] and f"whatsapp:{ALICE_WA}" in graph.texts(ALICE_WA)[-1]

        seen = len(graph.texts(ALICE_WA))
        assert await bot.post(text(ALICE_WA, "Alice", "/rank")) == 200
        await wait_until(lambda: len(graph.texts(ALICE_WA)) > seen, 20, "her rank after the link")
        assert "15 points in total" in graph.texts(ALICE_WA)[-1]
        api.push_update(message=message("/rank", chat=private(ALICE_TG), sender=ALICE_TG))
        await wait_until(lambda: any("15 points in total" in t for t in _telegram_texts(api, ALICE_TG["id"])), 20,
                         "the same rank on Telegram")

        # /mydata from WhatsApp: both accounts, and what the WhatsApp adapter keeps
        assert await bot.post(text(ALICE_WA, "Alice", "/mydata")) == 200
        await wait_until(lambda: graph.sent(ALICE_WA, "document"), 20, "the data file")
        exported = json.loads(next(c for c in graph.calls if c.kind == "media").body["content"])
        dump = json.dumps(exported, ensure_ascii=False)
        assert f"telegram:{ALICE_TG['id']}" in dump and "case notes" in dump and "read it twice" in dump
        assert exported["whatsapp"]["number"] == ALICE_WA

        # /forgetme from Telegram deletes the WhatsApp account's row of the window store too
        for _ in range(2):
            api.push_update(message=message("/forgetme confirm", chat=private(ALICE_TG), sender=ALICE_TG))
        await wait_until(lambda: any(t.startswith("Done: your data was deleted") for t in _telegram_texts(api, ALICE_TG["id"])),
                         20, "the erasure")
        with bot.db() as db:
            assert db.execute("SELECT COUNT(*) FROM whatsapp_members WHERE wa_id = ?", (ALICE_WA,)).fetchone() == (0,)
