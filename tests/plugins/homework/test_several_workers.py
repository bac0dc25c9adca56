"""Several workers on one PostgreSQL database: a reply to an assignment's post counts as handing it in
on whichever worker handles the chat, not only on the one that posted it."""

from __future__ import annotations

import pytest

from tests.plugins.homework.conftest import post_id
from tests.workers import two_workers

pytestmark = pytest.mark.parametrize("practica_engine", ["postgresql"])

COHORT = {"chats": ["g1"], "moderators": ["trainer"], "members": ["amina"]}


@pytest.fixture
def practica_community() -> str:
    return "default"  # the community is given: run once


async def test_a_reply_to_a_post_made_by_another_worker_is_a_submission(make_bot):
    a, b = await two_workers(make_bot, plugins={"homework"}, communities={"cohort7": COHORT},
                             config={"plugins": {"homework": {"digest": ""}}})
    try:
        await a.send("/homework add Manikin | due in 3 days", user="trainer")  # A posts it in g1
        message_id = post_id(a)
        await b.runtime.idle()
        await a.runtime.stop()  # A stops (a deploy): its chats pass to B at once
        await b.send("Done, it went well", user="amina", chat="g1", reply_to=message_id)
        assert any("recorded, on time" in m.text for m in b.new_messages())
    finally:
        await b.runtime.stop()
