"""The console adapter: what a maintainer types and sees in the terminal."""

from __future__ import annotations

import io
from datetime import datetime, timezone

from adapters.console import ConsoleAdapter, ConsoleConfig
from core import Ban, Button, ButtonPressed, ChatRef, DirectMessage, JoinRequest, MemberLeft, MessageEvent, Reply, Role, User


class Host:
    prefix = "/"

    def __init__(self) -> None:
        self.events: list = []

    async def deliver(self, event) -> None:
        self.events.append(event)

    def configured_role(self, user: User, chat: ChatRef | None) -> Role:
        return Role.MEMBER


def make(lines: str = "") -> tuple[ConsoleAdapter, Host, io.StringIO]:
    host, out = Host(), io.StringIO()
    return ConsoleAdapter(ConsoleConfig(member="you"), host, stdin=io.StringIO(lines), stdout=out), host, out


async def test_piped_script_becomes_events_in_order_then_finishes():
    adapter, host, _ = make("hello\namina> /help\n\nbekele (dm)> /mydata\n!join carla\n!leave carla\n")
    await adapter.start()
    await adapter.wait_finished()
    kinds = [(type(e).__name__, getattr(getattr(e, "author", None), "name", None)) for e in host.events]
    assert kinds == [("MessageEvent", "you"), ("MessageEvent", "amina"), ("MessageEvent", "bekele"),
                     ("JoinRequest", None), ("MemberLeft", None)]
    dm = host.events[2]
    assert dm.chat.is_direct and dm.text == "/mydata"
    assert isinstance(host.events[3], JoinRequest) and host.events[3].member.name == "carla"
    assert isinstance(host.events[4], MemberLeft)


async def test_replies_by_caret_and_mentions():
    adapter, _, _ = make()
    first = adapter.parse_line("bekele> I think this is off topic")
    reply = adapter.parse_line("trainer> ^bekele /warn spam @bekele")
    assert isinstance(reply, MessageEvent)
    assert reply.reply_to is not None and reply.reply_to.message_id == first.id
    assert reply.reply_to.author.name == "bekele"
    assert reply.text == "/warn spam @bekele"
    assert [u.handle for u in reply.mentions] == ["bekele"]


async def test_output_prefixes_each_line_and_buttons_can_be_pressed():
    adapter, _, out = make()
    group = adapter.group
    await adapter.perform(Reply(chat=group, text="line one\nline two", buttons=((Button("Yes", "x:yes"), Button("No", "x:no")),)))
    await adapter.perform(DirectMessage(user=User("console", "amina", "amina"), text="private"))
    await adapter.perform(Ban(chat=group, user=User("console", "spam", "spammer"), until=datetime(2027, 1, 1, tzinfo=timezone.utc)))
    assert out.getvalue().splitlines() == [
        "bot> line one", "bot> line two", "bot> [1] Yes  [2] No",
        "bot → amina> private", "bot> (spammer is banned until 2027-01-01 00:00 UTC)"]
    pressed = adapter.parse_line("amina> [2]")
    assert isinstance(pressed, ButtonPressed) and pressed.data == "x:no" and pressed.user.name == "amina"
