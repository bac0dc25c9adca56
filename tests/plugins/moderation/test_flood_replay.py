"""Flood control on a realistic replayed stream: chats run concurrently, so one member's messages from
several groups arrive out of order (here one group's lane lags 30-90 s behind). Nobody innocent is muted;
a real flooder still is."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from core import DeleteMessage, MessageEvent, Restrict, User

from .conftest import chat

GROUPS = ("g1", "g2", "g3")


def _stream(seed: int = 17, members: int = 30, minutes: int = 20) -> list[tuple[float, float, str, str]]:
    """(arrival, sent, member, group), in arrival order. Members chat in bursts of 1-5 messages 2-6 s apart,
    switching groups; nobody innocent ever sends more than 5 messages in 10 s. "spammer" sends 14 in 7 s."""
    rnd = random.Random(seed)
    sent = []
    for n in range(members):
        at = rnd.uniform(0, 60)
        while at < minutes * 60:
            group = rnd.choice(GROUPS)
            for _ in range(rnd.choice((1, 1, 2, 3, 4, 5))):
                if rnd.random() < 0.3:
                    group = rnd.choice(GROUPS)
                sent.append((at, f"member{n}", group))
                at += rnd.uniform(2.0, 6.0)
            at += rnd.uniform(20, 120)
    sent += [(600 + i * 0.5, "spammer", "g2") for i in range(14)]

    def lag(group: str, at: float) -> float:  # g2's lane has a backlog that comes and goes
        return 30 + 60 * ((at // 300) % 2) if group == "g2" else {"g1": 0.5, "g3": 3.0}[group]

    last: dict[str, float] = {}
    out = []
    for at, who, group in sorted(sent):
        arrival = max(last.get(group, 0.0), at + lag(group, at))  # each chat keeps its own order
        last[group] = arrival
        out.append((arrival, at, who, group))
    return sorted(out)


@pytest.mark.parametrize("platform", ["console", "telegram"])
async def test_out_of_order_arrival_from_several_groups_mutes_only_the_flooder(cohort_bot, platform):
    bot = await cohort_bot(platform, flood_messages=8, flood_seconds=10, flood_mute="10m")
    start = bot.clock.now()
    stream = _stream()
    assert len(stream) > 1000 and len({who for _, _, who, _ in stream}) == 31
    clock = 0.0
    posted: dict[str, str] = {}
    for n, (arrival, sent, who, group) in enumerate(stream):
        if arrival > clock:
            await bot.advance(seconds=arrival - clock)
            clock = arrival
        event = MessageEvent(id=f"r{n}", chat=chat(bot, group), author=User(platform, who, who, who),
                             text=f"message {n} from {who}", timestamp=start + timedelta(seconds=sent))
        posted[event.id] = who
        await bot.deliver(event)
    assert {a.user.id for a in bot.actions(Restrict)} == {"spammer"}
    assert {posted[a.message_id] for a in bot.actions(DeleteMessage)} == {"spammer"}
