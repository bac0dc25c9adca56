"""A file the bot made (a member's data export) is uploaded with sendDocument, privately or to a chat."""

from __future__ import annotations

from core.replies import UploadFile
from tests.adapters.telegram.fake_bot_api import FakeBotApi
from tests.adapters.telegram.test_outbound import ALICE, GROUP
from tests.adapters.telegram.payloads import GROUP_ID


async def test_upload_to_a_member_privately_sends_the_bytes_as_a_document(api: FakeBotApi, adapter) -> None:
    body = '{"polls": {"votes": 1}}'.encode()
    sent = await adapter.perform(UploadFile(name="practica-data.json", content=body, user=ALICE,
                                            caption="Your data <full>", mime="application/json"))
    (params,) = api.calls_of("sendDocument")
    assert params["chat_id"] == 111
    assert params["document"] == {"filename": "practica-data.json", "content": body}
    assert (params["caption"], params["parse_mode"]) == ("Your data &lt;full&gt;", "HTML")
    assert sent.message_id is not None


async def test_upload_to_a_group(api: FakeBotApi, adapter) -> None:
    await adapter.perform(UploadFile(name="report.csv", content=b"a,b\n1,2\n", chat=GROUP))
    (params,) = api.calls_of("sendDocument")
    assert params["chat_id"] == GROUP_ID and params["document"]["content"] == b"a,b\n1,2\n"
    assert "caption" not in params


async def test_mydata_on_telegram_sends_a_private_summary_then_the_json_document(api, tmp_path, monkeypatch):
    import json

    from core.runtime import Runtime
    from tests.adapters.telegram import payloads
    from tests.adapters.telegram.fake_bot_api import TOKEN
    from tests.adapters.telegram.test_end_to_end import _config

    monkeypatch.setenv("PRACTICA_E2E_TELEGRAM_TOKEN", TOKEN)
    async with Runtime(_config(api, tmp_path)):
        api.push_update(message=payloads.message("/team Adama HC"))
        await api.wait_for_call("sendMessage")
        api.push_update(message=payloads.message("/mydata"))
        (document,) = await api.wait_for_call("sendDocument")
    private = [c for c in api.calls_of("sendMessage") if c["chat_id"] == 111]
    assert private and private[-1]["text"].startswith("What practica stores about you (telegram:111), in short:")
    assert "team and visibility: 1 (Adama HC)" in private[-1]["text"]
    assert document["chat_id"] == 111 and document["document"]["filename"].endswith(".json")
    data = json.loads(document["document"]["content"])
    assert data["leaderboards"]["profiles"][0]["team"] == "Adama HC"
