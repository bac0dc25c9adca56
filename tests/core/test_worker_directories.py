"""Several workers on one PostgreSQL database: what a member changes through one worker (/lang,
/community, /link, /forgetme, a first message in a community) is honoured by the other worker for their
next message, also after a restart of the PostgreSQL server (core.directories).

Two runtimes in this test process share one real database as two workers (tests/workers.py): each
handles the one chat it is handed first, so the test knows which worker answers."""

from __future__ import annotations

import asyncio

import pytest

from core import SendPoll, directories
from tests.workers import two_workers

pytestmark = pytest.mark.parametrize("practica_engine", ["postgresql"])


async def test_lang_chosen_through_one_worker_is_the_language_of_the_other(make_bot):
    a, b = await two_workers(make_bot)
    try:
        await a.send("/lang fr", user="amina")  # in the group, held by A
        assert a.next_reply().text.startswith("Désormais")
        await b.runtime.idle()
        await b.send("/whoami", user="amina", chat="dm")  # her private chat, held by B
        assert b.next_reply().text.startswith("Vous êtes")
        await b.send("/lang reset", user="amina", chat="dm")
        assert b.next_reply().text.startswith("From now on")
        await a.runtime.idle()
        await a.send("/whoami", user="amina")
        assert a.next_reply().text.startswith("You are")
    finally:
        await b.runtime.stop()


async def test_community_chosen_through_one_worker_is_the_home_on_the_other(make_bot):
    a, b = await two_workers(make_bot, communities={"cohort7": {"members": ["amina"]}, "cohort8": {"members": ["amina"]}})
    try:
        await a.send("/community cohort7", user="amina", chat="cohort8")
        assert "cohort7" in a.next_reply().text
        await b.runtime.idle()
        await b.send("/whoami", user="amina", chat="dm")
        assert "community cohort7" in b.next_reply().text  # not cohort8, the first by name of those seen today
    finally:
        await b.runtime.stop()


async def test_a_member_first_seen_through_one_worker_is_a_member_on_the_other(make_bot):
    a, b = await two_workers(make_bot, communities={"cohort7": {}})
    try:
        await a.send("hello everyone", user="zara", chat="cohort7")  # zara's first message there
        await b.runtime.idle()
        await b.send("/whoami", user="zara", chat="dm")
        assert "community cohort7" in b.next_reply().text  # not default: B knows she belongs to cohort7
    finally:
        await b.runtime.stop()


async def test_accounts_linked_through_one_worker_are_linked_on_the_other(make_bot):
    a, b = await two_workers(make_bot, also=("discord",))
    elsewhere = b.chat("g2", platform="discord")
    try:
        await a.send("/link", user="amina", chat="dm")
        # the code leaves in a private message of a chat neither worker took here: read where it is kept
        code = await a.runtime.storage.fetchval("SELECT code FROM practica_link_codes WHERE uid = 'telegram:amina'")
        await b.send(f"/link {code}", user=b.user("amina", platform="discord"), chat=elsewhere)
        assert b.next_reply().text.startswith("Linked: telegram:amina, discord:amina")
        await a.runtime.idle()
        await a.send("/unlink", user="amina", chat="dm")  # A knows the link it did not make
        assert a.next_reply().text == "Separated again: telegram:amina, discord:amina."
        await b.runtime.idle()
        await b.send("/unlink", user=b.user("amina", platform="discord"), chat=elsewhere)
        assert b.next_reply().text == "This account is not linked to another one."
    finally:
        await b.runtime.stop()


async def test_forgetme_through_one_worker_leaves_nothing_of_the_member_on_the_other(make_bot):
    a, b = await two_workers(make_bot, communities={"cohort7": {"members": ["amina"]}})
    try:
        await b.send("/lang fr", user="amina", chat="dm")  # chosen through B, which remembers it
        assert b.next_reply().text.startswith("Désormais")
        await a.send("/forgetme", user="amina", chat="cohort7")
        a.new_messages()
        await a.send("/forgetme confirm", user="amina", chat="cohort7")
        assert "deleted" in a.new_messages()[-1].text
        await b.runtime.idle()
        await b.send("/whoami", user="amina", chat="dm")
        answer = b.next_reply().text
        assert answer.startswith("You are")  # her /lang went with the rest
        assert "community default" in answer  # and B no longer counts her a member of cohort7
    finally:
        await b.runtime.stop()


async def test_a_database_restart_leaves_no_stale_entry_on_the_other_worker(make_bot, practica_pg, monkeypatch):
    monkeypatch.setattr(directories, "RETRY", 1.0)  # B listens again only after A has committed its change
    a, b = await two_workers(make_bot)
    try:
        await a.send("/whoami", user="amina")
        a.next_reply()
        practica_pg.restart()  # every connection is dropped, B's listening one too
        await a.send("/lang fr", user="amina")  # committed while B does not listen: B never hears it
        assert a.next_reply().text.startswith("Désormais")
        await b.runtime.idle()
        await b.send("/whoami", user="amina", chat="dm")
        assert b.next_reply().text.startswith("Vous êtes")  # B read everything again once back
    finally:
        await b.runtime.stop()


async def test_a_native_poll_posted_by_one_worker_takes_votes_in_its_community_on_the_other(make_bot):
    communities = {"cohort7": {"moderators": ["mod7"], "members": ["amina", "dawit"]},
                   "cohort8": {"members": ["dawit"], "disabled_plugins": ["polls"]}}
    a, b = await two_workers(make_bot, plugins={"polls"}, communities=communities)
    try:
        await a.send("/poll Best day? | Monday | Friday", user="mod7", chat="cohort7")  # posted by A
        ref = next(f"poll{i + 1}" for i, action in enumerate(a.actions()) if isinstance(action, SendPoll))
        await b.runtime.idle()
        for voter in ("amina", "dawit"):  # Telegram's votes name no chat; B handles them
            await b.vote(ref, [0], user=voter)
        await a.send("/results 1", user="amina", chat="cohort7")
        text = a.new_messages()[-1].text
        # dawit's vote acts in the poll's community, not in cohort8 (his private chat's, without polls)
        assert "2 votes" in text, text
    finally:
        await b.runtime.stop()


async def test_a_slow_round_trip_is_waited_for_while_the_other_worker_listens(make_bot, monkeypatch):
    """A loaded server or machine may take longer than CATCH_UP to bring a change over: `idle()` waits
    for it as long as the listener is connected, instead of answering from a stale directory. And A's
    `idle()` returns only once the poll's delivery (its record and notice) is stored: the reply of a
    chat A had to claim first is queued while `idle()` runs (it once returned before)."""
    monkeypatch.setattr(directories, "CATCH_UP", 0.05)
    communities = {"cohort7": {"moderators": ["mod7"], "members": ["amina", "dawit"]},
                   "cohort8": {"members": ["dawit"], "disabled_plugins": ["polls"]}}
    a, b = await two_workers(make_bot, plugins={"polls"}, communities=communities)
    polls = b.runtime.native_polls
    quick_refresh = polls.refresh

    async def slow_refresh(kind, keys):
        await asyncio.sleep(0.5)  # far longer than CATCH_UP
        await quick_refresh(kind, keys)

    monkeypatch.setattr(polls, "refresh", slow_refresh)
    try:
        await a.send("/poll Best day? | Monday | Friday", user="mod7", chat="cohort7")
        ref = next(f"poll{i + 1}" for i, action in enumerate(a.actions()) if isinstance(action, SendPoll))
        await b.runtime.idle()
        await b.vote(ref, [0], user="dawit")
        await a.send("/results 1", user="amina", chat="cohort7")
        assert "1 vote" in a.new_messages()[-1].text  # dawit's vote counted in the poll's community
    finally:
        await b.runtime.stop()
