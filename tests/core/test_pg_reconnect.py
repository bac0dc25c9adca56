"""PostgreSQL restarts: the bot waits, reconnects and loses nothing (a real server, restarted)."""

from __future__ import annotations

import asyncio

import pytest

from core import Context, MessageEvent, hookimpl

from tests.engines import practica_engine  # noqa: F401


@pytest.mark.parametrize("practica_engine", ["postgresql"])
async def test_a_database_restart_loses_nothing_and_the_next_command_is_answered(make_bot, practica_pg):
    bot = await make_bot(plugins={"polls"})
    await bot.send("/poll Best day? | Monday | Friday", user="amina")
    assert "Best day?" in bot.next_reply().text
    practica_pg.restart()  # every pooled connection is dropped by the server
    await bot.send("/poll Which module? | PPH | HBB", user="amina")
    assert "Which module?" in bot.next_reply().text  # handled again on a new connection, answered once
    bot.assert_no_replies()
    await bot.send("/polls", user="amina")
    listing = bot.next_reply().text
    assert "Best day?" in listing and "Which module?" in listing  # what was committed before is still there


@pytest.mark.parametrize("practica_engine", ["postgresql"])
@pytest.mark.parametrize("several_workers", [False, True], ids=["one worker", "several workers"])
async def test_a_restart_between_a_reply_and_its_delivery_record_loses_nothing(make_bot, practica_pg, several_workers):
    bot = await make_bot(plugins={"polls"}, config={"practica": {"several_workers": several_workers}})
    assert (bot.runtime.workers is not None) == several_workers
    await bot.send("/poll Best day? | Monday | Friday", user="amina")
    assert "Best day?" in bot.next_reply().text
    practica_pg.restart()  # the poll's "posted" record (its message id) is written after the send
    await bot.send("/poll Which module? | PPH | HBB", user="amina")
    assert "Which module?" in bot.next_reply().text
    bot.assert_no_replies()
    await bot.runtime.idle()
    rows = await bot.runtime.storage.fetchall("SELECT question, message_id FROM polls_polls ORDER BY id")
    assert [r[0] for r in rows] == ["Best day?", "Which module?"]
    assert all(r[1] is not None for r in rows)  # both polls know their message: votes and closing edit it
    await asyncio.wait_for(bot.runtime.stop(), 30)  # no pool connection is left taken (stop used to hang)


class CutOnce:
    """Writes a row, then loses its connection the first time (the server ends it), as in a restart."""

    def __init__(self) -> None:
        self.calls = 0

    @hookimpl
    def practica_register_migrations(self):
        return ("CREATE TABLE cutonce_notes (body TEXT NOT NULL)",)

    @hookimpl
    async def practica_on_message(self, event: MessageEvent, ctx: Context) -> None:
        self.calls += 1
        await ctx.db.execute("INSERT INTO cutonce_notes (body) VALUES (?)", (event.text,))
        if self.calls == 1:
            await ctx.db.fetchval("SELECT pg_terminate_backend(pg_backend_pid())")
        await ctx.reply(f"noted {event.text}")


@pytest.mark.parametrize("practica_engine", ["postgresql"])
async def test_a_unit_cut_by_a_lost_connection_is_handled_again_whole(make_bot):
    plugin = CutOnce()
    bot = await make_bot(plugins=set(), extra_plugins={"cutonce": plugin})
    await bot.send("hello", user="amina")
    assert bot.next_reply().text == "noted hello"  # answered once, by the second try
    bot.assert_no_replies()
    assert plugin.calls == 2
    assert await bot.runtime.storage.fetchval("SELECT COUNT(*) FROM cutonce_notes") == 1  # the cut try left nothing
