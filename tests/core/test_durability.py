"""What members notice of the durable pipeline: nothing waits for the platform, a full disk is said plainly."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass

from core import (ChatRef, Context, DeliveryError, DirectMessage, DomainEvent, MessageEvent, Reply, SendPoll,
                  hookimpl)
from tests.engines import SQLITE_ONLY, practica_engine  # noqa: F401 - every test on SQLite and PostgreSQL


@dataclass(frozen=True, slots=True, kw_only=True)
class Noted(DomainEvent):
    text: str


async def test_a_poll_under_a_long_retry_after_is_answered_once_and_posted_once(make_bot):
    bot = await make_bot(platform="telegram", plugins={"polls"}, community={"timezone": "Africa/Addis_Ababa"})
    bot.adapter.failures.append(DeliveryError("Too Many Requests: retry after 12", retry_after=12))
    await bot.send("/poll Which module next? | PPH | HBB | closes: 2h", user="amina")
    assert bot.actions(SendPoll) == []  # Telegram holds the chat: nothing went out yet...
    assert not any("took too long" in m.text for m in bot.new_messages())  # ...and nobody was told it failed
    await bot.advance(seconds=13)
    (poll,) = bot.actions(SendPoll)
    assert poll.poll.question == "Which module next?"
    ref = f"poll{bot.adapter.sent.index(poll) + 1}"
    await bot.vote(ref, [1], user="bekele")
    bot.new_messages()
    await bot.send("/results 1", user="amina")
    assert "2. HBB ██████████ 1 (100%)" in bot.next_reply().text  # the vote counted on the poll posted late
    await bot.advance(hours=2)
    results = [m.text for m in bot.new_messages() if isinstance(m, Reply)]
    assert any("Which module next?" in t for t in results)
    assert len(bot.actions(SendPoll)) == 1


async def test_homework_under_a_long_retry_after_is_posted_once_with_its_reminders(make_bot):
    bot = await make_bot(platform="telegram", plugins={"homework"}, moderators=["trainer"],
                         config={"plugins": {"homework": {"remind_before": ["2h"], "digest": ""}}})
    await bot.send("hello", user="amina")
    bot.adapter.failures.append(DeliveryError("Too Many Requests: retry after 12", retry_after=12))
    await bot.send("/homework add Read the PPH chapter | due in 1 day", user="trainer")
    assert bot.new_messages() == []
    await bot.advance(seconds=13)
    posts = [m for m in bot.new_messages() if "Read the PPH chapter" in m.text]
    assert len(posts) == 1 and isinstance(posts[0], Reply)
    await bot.advance(hours=22)
    reminders = [m for m in bot.new_messages() if isinstance(m, DirectMessage) and m.user.name == "amina"]
    assert len(reminders) == 1 and "Read the PPH chapter" in reminders[0].text


async def _fill_the_disk(bot) -> None:
    """SQLite's own limit on the file's size: writes needing a new page fail as on a full disk."""
    conn = bot.runtime.storage.conn
    pages = (await (await conn.execute("PRAGMA page_count")).fetchone())[0]
    await conn.execute(f"PRAGMA max_page_count = {pages}")


@SQLITE_ONLY
async def test_a_full_disk_keeps_answering_what_needs_no_write_and_recovers_by_itself(make_bot, caplog):
    bot = await make_bot(platform="telegram", plugins={"resources"}, community={"locale": "en"})
    await bot.send("/save Oxytocin storage guide https://example.org/oxytocin #pph", user="amina")
    assert "#1" in bot.next_reply().text
    await _fill_the_disk(bot)
    texts = []
    for n in range(40):  # enough new rows to need new pages
        await bot.send(f"/save Guide number {n} with a long title to fill pages https://example.org/guide-{n}-{'x' * 300} #pph",
                       user="amina")
        texts += [m.text for m in bot.new_messages()]
    assert any("cannot save anything right now" in t for t in texts)
    assert not any("Sorry, something went wrong" in t for t in texts)
    await bot.send("/help", user="amina")
    assert "/search" in bot.next_reply().text  # reading still works
    await bot.send("/search oxytocin", user="amina")
    assert "Oxytocin storage guide" in bot.next_reply().text  # nothing committed was lost
    assert sum("cannot grow" in r.getMessage() or "could not record inbound" in r.getMessage()
               for r in caplog.records) <= 2  # logged once (per part of the pipeline), not per message
    await bot.runtime.storage.conn.execute("PRAGMA max_page_count = 1073741823")  # space is back
    await bot.send("/save Cord clamping video https://example.org/cord #hbb", user="amina")
    assert "Cord clamping video" in bot.next_reply().text
    await bot.restart()
    with sqlite3.connect(bot.database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        titles = {r[0] for r in db.execute("SELECT title FROM resources_items")}
    assert {"Oxytocin storage guide", "Cord clamping video"} <= titles


class Announces:
    """On every message, announces a domain event; another plugin answers it."""

    @hookimpl
    async def practica_on_message(self, event: MessageEvent, ctx: Context) -> None:
        await ctx.emit(Noted(community=ctx.community.name, text=event.text))


class Answers:
    @hookimpl
    async def practica_on_event(self, event, ctx: Context) -> None:
        if isinstance(event, Noted):
            await ctx.send(ChatRef(platform="console", id="log", kind="group"), f"noted: {event.text}")


async def test_domain_events_are_never_held_back_by_a_full_intake(make_bot):
    bot = await make_bot(plugins=set(), extra_plugins={"announces": Announces(), "answers": Answers()},
                         config={"practica": {"inbound_queue": 2, "hook_timeout": 0.5}})
    stored = []
    for n in range(20):  # far more than the intake holds: members' messages wait, domain events do not
        event = MessageEvent(id=f"e{n}", chat=bot.group, author=bot.user("amina"), text=f"message {n}")
        stored.append(await bot.runtime.accept(event, source=f"console:e{n}"))
    await asyncio.gather(*stored)
    await bot.runtime.idle()
    assert sorted(m.text for m in bot.new_messages()) == sorted(f"noted: message {n}" for n in range(20))


async def test_someone_joining_or_leaving_commits_with_the_event_that_says_so(make_bot, monkeypatch):
    """Names and days are written behind the event; membership is not: a member who wrote once, just
    before a crash, must still be a member (counted, reminded) after it. The writer behind (and the
    test kit's flush when idle) is held here as if the process had died before it ran."""
    from core.members import MemberDirectory

    held = asyncio.Event()

    async def not_yet(self: MemberDirectory) -> None:
        await held.wait()

    async def no_flush(self: MemberDirectory, **_: object) -> None:
        pass

    bot = await make_bot(platform="telegram", plugins=set())
    monkeypatch.setattr(MemberDirectory, "_write_behind", not_yet)
    monkeypatch.setattr(MemberDirectory, "flush", no_flush)  # the test kit's idle() writes them all otherwise
    await bot.send("hello, I am new here", user="zainab")
    await bot.leave("amina")
    found = await bot.runtime.storage.fetchall("SELECT uid, active FROM practica_members WHERE uid IN (?, ?)",
                                               ("telegram:zainab", "telegram:amina"))  # what a restart would read
    rows = {row["uid"]: row["active"] for row in found}
    held.set()
    assert rows == {"telegram:zainab": 1, "telegram:amina": 0}
