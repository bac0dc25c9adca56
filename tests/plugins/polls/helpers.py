"""Shared helpers for the polls conversation tests."""

from __future__ import annotations

from core import Reply, SendPoll
from core.testing import Bot

PLATFORMS = ("console", "telegram", "discord")


def sent_id(bot: Bot, action: object) -> str:
    """The message id the fake adapter gave `action` (it numbers every action m1, m2...)."""
    for index, candidate in enumerate(bot.adapter.sent):
        if candidate is action:
            return f"m{index + 1}"
    raise AssertionError("action not sent")


def poll_ref(bot: Bot) -> str:
    """The native poll reference of the last SendPoll."""
    polls = [i for i, a in enumerate(bot.adapter.sent) if isinstance(a, SendPoll)]
    assert polls, "no native poll was sent"
    return f"poll{polls[-1] + 1}"


def last_text_poll(bot: Bot) -> Reply:
    for action in reversed(bot.adapter.sent):
        if isinstance(action, Reply) and "#" in action.text and "<number" in action.text:
            return action
    raise AssertionError("no text poll was posted")


def all_texts(bot: Bot) -> str:
    return "\n".join(a.text for a in bot.adapter.sent if hasattr(a, "text"))


async def vote_any_way(bot: Bot, poll_id: int, option: int, user: str, *, native: bool) -> None:
    """Vote for `option` (1-based): natively when asked and the poll is native, else by text."""
    if native and bot.actions(SendPoll):
        await bot.vote(poll_ref(bot), [option - 1], user=user)
    elif native:
        await bot.send(str(option), user=user, reply_to=sent_id(bot, last_text_poll(bot)))
    else:
        await bot.send(f"/vote {poll_id} {option}", user=user)
