"""A worker cut off from the database longer than it may trust its leases (core.leases.TRUST) stops
working its chats before another worker can take them, so no chat is ever worked by two workers at
once: its stored messages are answered once, in order, by the worker that holds the chat next."""

from __future__ import annotations

import asyncio

import pytest

from core import Context, command, hookimpl

from tests.engines import practica_engine  # noqa: F401

LEASE = 1.0


class SlowCase:
    """`/slow`: a command that takes most of a lease time (a long report, a slow platform call);
    `/slower` one that outlasts the lease."""

    @command("slow", help="answers after a while")
    async def slow(ctx: Context) -> None:
        await asyncio.sleep(LEASE * 0.8)  # past what its worker may trust, before the lease lapses for others
        await ctx.reply("slow answer")

    @command("slower", help="answers after a longer while")
    async def slower(ctx: Context) -> None:
        await ctx.db.execute("CREATE TABLE IF NOT EXISTS slowcase_runs (at TEXT)")
        await ctx.db.execute("INSERT INTO slowcase_runs (at) VALUES ('run')")
        await asyncio.sleep(LEASE * 1.4)  # the lease lapses meanwhile: another worker takes the chat
        await ctx.reply("slower answer")

    @hookimpl
    def practica_register_commands(self):
        return [SlowCase.slow, SlowCase.slower]


@pytest.mark.parametrize("practica_engine", ["postgresql"])
async def test_messages_queued_on_a_cut_off_worker_are_answered_once_by_the_next_holder(make_bot):
    a = await make_bot(platform="telegram", extra_plugins={"slowcase": SlowCase()},
                       config={"practica": {"several_workers": True, "worker_lease": LEASE}})
    await a.send("/whoami", user="amina")
    assert a.next_reply().text.startswith("You are")  # A holds the group's chat
    workers = a.runtime.workers
    assert workers is not None
    await workers.renewer.stop()  # A is cut off: it renews nothing and claims nothing any more
    await workers.stop_looking()
    await a.send("/slow", user="amina")  # begun while A's lease was trusted: A handles it, commits its answer
    await a.send("/whoami", user="amina")  # queued behind it on A...
    await a.send("/rules", user="amina")
    a.assert_no_replies()  # ...but past the trusted time A sends nothing and handles nothing more: all stored
    await asyncio.sleep(LEASE * 0.3)  # the lease has lapsed
    b = await a.build(a.clock, a.database)  # the next worker takes the chat with its stored work
    try:
        assert b.runtime.workers is not None
        await b.runtime.workers.look()
        await b.runtime.idle()
        answers = [reply.text for reply in b.new_messages()]
        assert len(answers) == 3, answers  # once each, in the order written
        assert answers[0] == "slow answer" and answers[1].startswith("You are")
        a.assert_no_replies()
    finally:
        await b.runtime.stop()


@pytest.mark.parametrize("practica_engine", ["postgresql"])
async def test_a_unit_that_outlasts_its_chats_lease_commits_nothing_the_next_holder_handles_it(make_bot):
    a = await make_bot(platform="telegram", extra_plugins={"slowcase": SlowCase()},
                       config={"practica": {"several_workers": True, "worker_lease": LEASE}})
    await a.send("/whoami", user="amina")
    assert a.next_reply().text.startswith("You are")
    workers = a.runtime.workers
    assert workers is not None
    await workers.renewer.stop()  # A is cut off from here on
    await workers.stop_looking()
    on_a = asyncio.ensure_future(a.send("/slower", user="amina"))  # begun on A while its lease is trusted
    await asyncio.sleep(LEASE * 1.1)  # the lease lapses while A is still at it
    b = await a.build(a.clock, a.database)
    try:
        assert b.runtime.workers is not None
        await b.runtime.workers.look()  # B takes the chat and handles the stored /slower itself
        await on_a  # A's commit comes too late: refused by the database, rolled back whole
        await b.runtime.idle()
        assert [reply.text for reply in b.new_messages()] == ["slower answer"]  # answered once, by B
        a.assert_no_replies()
        assert await b.runtime.storage.fetchval("SELECT COUNT(*) FROM slowcase_runs") == 1  # A's write undone
    finally:
        await b.runtime.stop()


@pytest.mark.parametrize("practica_engine", ["postgresql"])
async def test_work_left_while_cut_off_is_answered_before_what_arrives_once_reconnected(make_bot):
    a = await make_bot(platform="telegram", config={"practica": {"several_workers": True, "worker_lease": LEASE}})
    await a.send("/whoami", user="amina")
    assert a.next_reply().text.startswith("You are")
    workers = a.runtime.workers
    assert workers is not None
    await workers.renewer.stop()  # cut off for a moment: past the trusted time, before the lease lapses
    await workers.stop_looking()  # (and A keeps the chat: no idle chat is let go meanwhile)
    await asyncio.sleep(LEASE * 0.7)
    await a.send("/rules", user="amina")  # left stored
    a.assert_no_replies()
    await workers.renewer.renew_now()  # the database answers again: the lease was still A's
    await a.send("/whoami", user="amina")
    answers = [reply.text for reply in a.new_messages()]
    assert len(answers) == 2 and answers[1].startswith("You are"), answers  # the left one first, then the new one
