"""PostgreSQL restarts: the bot waits, reconnects and loses nothing (a real server, restarted)."""

from __future__ import annotations

import pytest

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
