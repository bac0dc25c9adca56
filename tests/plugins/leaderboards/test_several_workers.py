"""Several workers on one PostgreSQL database: a level set through one worker counts in /progress
answered by the other (its kept counts catch up instead of staying as they were)."""

from __future__ import annotations

import pytest

from tests.workers import two_workers

pytestmark = pytest.mark.parametrize("practica_engine", ["postgresql"])

MODULES = {"pph": "PPH", "sepsis": "Sepsis"}
COHORT = {"chats": ["g1", "g2"], "moderators": ["trainer"], "members": ["amina", "bekele"]}  # g1 for A, g2 for B


@pytest.fixture
def practica_community() -> str:
    return "default"  # the community is given: run once


async def test_a_level_set_through_one_worker_counts_in_progress_on_the_other(make_bot):
    a, b = await two_workers(make_bot, plugins={"leaderboards"}, communities={"cohort7": COHORT},
                             config={"plugins": {"leaderboards": {"modules": MODULES}}})
    try:
        await b.send("/progress", user="bekele", chat="g2")
        assert "0/2 proficient or better in PPH" in b.next_reply().text
        await a.send("/level pph expert", user="amina")
        a.new_messages()
        await b.runtime.idle()
        await b.send("/progress", user="bekele", chat="g2")
        assert "1/2 proficient or better in PPH" in b.next_reply().text
    finally:
        await b.runtime.stop()
