"""Several workers on one PostgreSQL database: a code of conduct accepted, a mute or an unmute made
through one worker holds on the other for the member's next message (moderation's in-memory state is
kept current through `ctx.announce` and `practica_directory_changed`)."""

from __future__ import annotations

import pytest

from core import DeleteMessage
from tests.workers import two_workers

pytestmark = pytest.mark.parametrize("practica_engine", ["postgresql"])

RULES = {"rules": "Be kind. No patient names.", "rules_version": "1", "verify_joins": False}
COHORT = {"chats": ["g1", "g2"], "moderators": ["trainer"], "members": ["amina", "zara"]}  # g1 for A, g2 for B


@pytest.fixture
def practica_community() -> str:
    return "default"  # the community is given: run once


async def test_a_code_of_conduct_accepted_through_one_worker_lets_the_member_post_on_the_other(make_bot):
    a, b = await two_workers(make_bot, plugins={"moderation"}, communities={"cohort7": COHORT},
                             config={"plugins": {"moderation": RULES}})
    try:
        await a.send("/accept", user="amina")  # in g1, held by A
        assert any("You can post now" in m.text for m in a.new_messages())
        await b.runtime.idle()
        await b.send("hello everyone", user="amina", chat="g2")  # another group of the community, held by B
        assert b.actions(DeleteMessage) == []
    finally:
        await b.runtime.stop()


async def test_a_mute_and_an_unmute_through_one_worker_hold_on_the_other(make_bot):
    a, b = await two_workers(make_bot, plugins={"moderation"}, communities={"cohort7": COHORT},
                             config={"plugins": {"moderation": {"verify_joins": False}}})
    try:
        await a.send("/mute @zara 1h", user="trainer")
        a.new_messages()
        await b.runtime.idle()
        muted = await b.send("still here?", user="zara", chat="g2")
        assert [action.message_id for action in b.actions(DeleteMessage)] == [muted.id]
        await a.send("/unmute @zara", user="trainer")
        await b.runtime.idle()
        await b.send("thank you", user="zara", chat="g2")
        assert len(b.actions(DeleteMessage)) == 1
    finally:
        await b.runtime.stop()
