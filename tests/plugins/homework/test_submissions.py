"""Handing in homework: /done, replies (with attachments), late work, updates, reviews, other communities."""

from __future__ import annotations

import logging

import pytest

from core import Attachment, ChatRef, DirectMessage, hookimpl

from .conftest import post_id
from tests.exports import exported_text


class Recorder:
    """A listener plugin that keeps the HomeworkSubmitted events it sees (as the leaderboard would)."""

    def __init__(self) -> None:
        self.events: list = []

    @hookimpl
    async def practica_on_event(self, event, ctx) -> None:  # type: ignore[no-untyped-def]
        if type(event).__name__ == "HomeworkSubmitted":
            self.events.append(event)


async def test_done_records_once_and_second_done_is_an_update(homework_bot):
    recorder = Recorder()
    bot = await homework_bot(extra_plugins={"recorder": recorder})
    await bot.send("/homework add Manikin | due in 3 days #pph", user="trainer")
    bot.next_reply()
    await bot.send("/done 1 practised twice", user="amina")
    assert bot.next_reply().text == "Thank you! Homework #1 “Manikin” is recorded, on time."
    await bot.send("/done 1 and once more", user="amina")
    texts = [m.text for m in bot.new_messages()]
    assert "You had already handed in #1: I updated your submission." in texts
    assert len(recorder.events) == 1
    event = recorder.events[0]
    assert (event.member.id, event.assignment_id, event.on_time, event.module) == ("amina", 1, True, "pph")


async def test_reply_to_assignment_post_counts_with_text_or_attachment(homework_bot):
    recorder = Recorder()
    bot = await homework_bot(extra_plugins={"recorder": recorder})
    await bot.send("/homework add Manikin | due in 3 days", user="trainer")
    bot.next_reply()
    message_id = post_id(bot)
    await bot.send("Done, it went well", user="amina", reply_to=message_id)
    assert any("recorded, on time" in m.text for m in bot.new_messages())
    await bot.send("", user="bekele", reply_to=message_id, attachments=[Attachment(kind="photo", file_ref="f1")])
    assert any("recorded, on time" in m.text for m in bot.new_messages())
    await bot.send("a reply to something else", user="chala", reply_to="m999")
    await bot.send("/homework status 1", user="trainer")
    status = next(m.text for m in bot.new_messages() if isinstance(m, DirectMessage))
    assert "On time (2): @amina, @bekele" in status and "Not yet (1): @chala" in status
    assert [e.member.id for e in recorder.events] == ["amina", "bekele"]


async def test_late_submission_is_marked_late(homework_bot):
    recorder = Recorder()
    bot = await homework_bot({"remind_before": []}, extra_plugins={"recorder": recorder})
    await bot.send("/homework add Read protocol | due in 1 day", user="trainer")
    bot.next_reply()
    await bot.advance(days=1, hours=1)
    await bot.send("/done 1", user="amina")
    assert "recorded as late (it was due Fri 27 Nov 12:00)" in bot.next_reply().text
    await bot.send("/homework status 1", user="trainer")
    status = next(m.text for m in bot.new_messages() if isinstance(m, DirectMessage))
    assert "Late (1): @amina" in status and "On time (0)" in status
    assert recorder.events[0].on_time is False


async def test_review_tells_the_member_privately(homework_bot):
    bot = await homework_bot()
    await bot.send("/homework add Manikin | due in 3 days", user="trainer")
    bot.next_reply()
    await bot.send("/done 1", user="amina")
    bot.new_messages()
    await bot.send("/review 1 @amina Good hand position", user="trainer", mentions=["amina"])
    messages = bot.new_messages()
    dm = next(m for m in messages if isinstance(m, DirectMessage))
    assert dm.user.id == "amina"
    assert "reviewed by trainer" in dm.text and "Good hand position" in dm.text
    assert any("Marked as reviewed: @amina" in m.text for m in messages)


async def test_review_bad_member_gets_one_line(homework_bot):
    bot = await homework_bot()
    await bot.send("/homework add Manikin | due in 3 days", user="trainer")
    bot.next_reply()
    await bot.send("/review 1 @nobody", user="trainer")
    assert bot.next_reply().text == "I don't know @nobody in this community. Use their @handle as shown in the group."
    await bot.send("/review 1 @bekele", user="trainer")
    assert bot.next_reply().text == "@bekele has not handed in homework #1 yet."
    await bot.send("/review 1 @bekele", user="amina")
    assert "Only a moderator" in bot.next_reply().text


async def test_done_from_a_chat_of_another_community(homework_bot):
    cohorts = {"cohort1": {"chats": ["telegram:g1"], "moderators": ["telegram:trainer"], "timezone": "Africa/Addis_Ababa"},
               "cohort2": {"chats": ["telegram:g2"], "timezone": "Europe/Paris"}}
    bot = await homework_bot(config={"communities": cohorts})
    await bot.send("/homework add Manikin | due in 3 days", user="trainer")
    assert bot.next_reply().text.startswith("Homework #1")
    other = ChatRef(platform="telegram", id="g2", kind="group", title="Cohort 2")
    await bot.send("/done 1", user="dawit", chat=other)
    assert bot.next_reply().text == "There is no homework #1 here. Send /homework to see open homework."
    await bot.send("/done 1", user="dawit", chat="dm")
    assert bot.next_reply().text == "There is no homework #1 here. Send /homework to see open homework."
    await bot.send("/done 1", user="amina", chat="dm")  # a member of cohort 1 may hand in privately
    assert "recorded, on time" in bot.next_reply().text


async def test_done_in_a_direct_chat_counts_for_a_member(homework_bot):
    bot = await homework_bot()
    await bot.send("/homework add Manikin | due in 3 days", user="trainer")
    bot.next_reply()
    await bot.send("/done 1", user="amina", chat="dm")
    assert "recorded, on time" in bot.next_reply().text


async def test_notes_are_never_logged(homework_bot, caplog):
    caplog.set_level(logging.DEBUG)
    bot = await homework_bot()
    await bot.send("/homework add Manikin | due in 3 days", user="trainer")
    await bot.send("/done 1 patient bled 600ml after delivery", user="amina")
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("practica")]
    assert ours and not [line for line in ours if "600ml" in line]


async def test_user_data_export_and_erase(homework_bot):
    bot = await homework_bot()
    await bot.send("/homework add Manikin | due in 3 days", user="trainer")
    await bot.send("/done 1 my note", user="amina")
    await bot.send("/quiet 22:00-06:00", user="amina")
    await bot.send("/homework add Read | due in 4 days", user="trainer")
    await bot.send("/snooze 2 2h", user="amina")
    bot.new_messages()
    await bot.send("/mydata", user="amina")
    export = exported_text(bot)
    assert '"homework"' in export and "my note" in export and "22:00-06:00" in export and "snoozed_until" in export
    await bot.send("/forgetme", user="amina")
    await bot.send("/forgetme confirm", user="amina")
    bot.new_messages()
    await bot.send("/mydata", user="amina")
    assert '"homework"' not in exported_text(bot)
    bot.new_messages()
    await bot.send("/homework status 1", user="trainer")
    status = next(m.text for m in bot.new_messages() if isinstance(m, DirectMessage))
    assert "On time (0)" in status


@pytest.mark.parametrize("locale, waiting, more", [("en", "Not yet (38)", "and 13 more"),
                                                   ("fr", "Pas encore (38)", "et 13 autres")])
async def test_status_in_a_large_community_names_a_few_and_counts_everyone(homework_bot, locale, waiting, more):
    members = [f"m{n:02d}" for n in range(40)]
    bot = await homework_bot(members=members, community={"locale": locale})
    await bot.send("/homework add Partograph | due in 3 days", user="trainer")
    bot.new_messages()
    for name in members[:2]:
        await bot.send("/done 1", user=name)
    bot.new_messages()
    await bot.send("/homework status 1", user="trainer")
    status = next(m.text for m in bot.new_messages() if isinstance(m, DirectMessage))
    line = next(line for line in status.splitlines() if line.startswith(waiting))
    assert line.count("@m") == 25 and line.endswith(more)  # a short reply: 25 names, then how many more
