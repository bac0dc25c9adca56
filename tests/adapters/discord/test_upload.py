"""A file the bot made (a member's data export) is uploaded as an attachment, privately or in a channel."""

from __future__ import annotations

from core.replies import UploadFile
from tests.adapters.discord.test_outbound import ALICE, GENERAL, MESSAGES
from tests.adapters.discord.fakediscord import DM_ID


async def test_upload_to_a_member_goes_to_their_direct_messages(adapter, fake):
    body = b'{"polls": {"votes": 1}}'
    sent = await adapter.perform(UploadFile(name="practica-data.json", content=body, user=ALICE, caption="@everyone data"))
    assert fake.find("POST", r"^/users/@me/channels$")
    upload = fake.find("POST", rf"^/channels/{DM_ID}/messages$")[-1]
    assert upload.json["content"] == "@everyone data" and upload.json["allowed_mentions"]["parse"] == []
    assert body in [v for k, v in upload.form.items() if k.startswith("files")]
    assert sent.message_id


async def test_upload_to_a_channel(adapter, fake):
    await adapter.perform(UploadFile(name="report.csv", content=b"a,b\n1,2\n", chat=GENERAL))
    upload = fake.find("POST", MESSAGES)[-1]
    assert b"a,b\n1,2\n" in [v for k, v in upload.form.items() if k.startswith("files")]
