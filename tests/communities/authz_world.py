"""The world of the authorization tables: community A (`cohort7`) owns one of each object, community B
(`cohort8`) is next door, and an unlisted group `rogue` is its creator's (platform owner there).

Every private text of A's objects, and the display name of A's member bekele, holds SECRET, so a reply
that shows any of it to someone without rights over A is seen as a leak.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from core import ChatRef, DirectMessage, MessageEvent, Reply, Role, User
from core.testing import Bot

SECRET = "zebra7"
PLATFORMS = ["telegram", "discord", "console"]

# A: cohort7; B: cohort8. mem78 is a plain member of both; modb moderates B and is a plain member of A;
# shy7 hides from A's leaderboard (their points, 47, are for moderators only).
COMMUNITIES = {
    "cohort7": {"moderators": ["mod7"], "trusted": ["tr7"], "admins": ["adm7"], "owners": ["own7"], "review_chat": "review7",
                "members": ["bekele", "mem7", "tr7", "mod7", "adm7", "own7", "mem78", "modb", "banned7", "shy7"]},
    "cohort8": {"moderators": ["mod8", "modb"], "owners": ["own8"], "members": ["mod8", "own8", "bekele8", "mem78", "modb"]},
}
SETTINGS = {"moderation": {"verify_joins": True, "questions": ["Cadre?"], "link_policy": "review", "flood_messages": 0,
                           "rules": "Be kind.", "require_accept": False},
            "homework": {"digest": "", "remind_before": []}, "polls": {}, "resources": {"insights": True},
            "leaderboards": {"modules": {"pph": "Postpartum haemorrhage", "sepsis": "Sepsis"}, "confirm_levels": True}}

# Where an actor types: A's group, B's group, a private chat (acting where core decides, or after
# `/community cohort7` / `/community cohort8`), the unlisted group, or A's review chat (buttons).
PLACES = ("A", "B", "dm", "dmA", "dmB", "rogue", "review")


@dataclass
class World:
    bot: Bot
    said: MessageEvent  # bekele's message in A's group (what /offtopic and /report answer)
    buttons: set[str] = field(default_factory=set)


def bekele(bot: Bot) -> User:
    return User(platform=bot.platform, id="bekele", name=f"Bekele {SECRET}", handle="bekele")


def place(bot: Bot, where: str) -> ChatRef | str:
    """The chat for a PLACES word (a private chat is "dm" whatever community it acts in)."""
    if where == "review":
        return ChatRef(platform=bot.platform, id="review7", kind="group", title="review7")
    return {"A": "cohort7", "B": "cohort8", "rogue": "rogue"}.get(where, "dm")


async def go_to(bot: Bot, actor: str, where: str) -> ChatRef | str:
    """Make `actor`'s private chat act in A or B first (dmA, dmB); returns the chat to type in."""
    if where in ("dmA", "dmB"):
        await bot.send(f"/community {'cohort7' if where == 'dmA' else 'cohort8'}", user=actor, chat="dm")
        bot.new_messages()
    return place(bot, where)


async def build_world(make_bot: Any, platform: str) -> World:
    """A with one of each object, built through the chat as members would."""
    bot = await make_bot(platform=platform, communities=COMMUNITIES, config={"plugins": SETTINGS})
    bot.set_platform_role("rogue", Role.OWNER, chat="rogue")
    a = "cohort7"
    said = await bot.send("hello", user=bekele(bot), chat=a)
    if bot.adapter.capabilities.join_requests:
        await bot.join_request("newbie", chat=a)
    else:  # Discord: in the server, gated until approved
        await bot.join("newbie", chat=a)
    await bot.send(f"nurse {SECRET}", user="newbie", chat="dm")  # join request #1
    await bot.send(f"/mute @bekele 1d {SECRET} rude", user="mod7", chat=a)  # case #1
    await bot.send(f"/appeal 1 {SECRET} please", user="bekele", chat="dm")  # appeal #1
    await bot.send(f"see https://{SECRET}.example/offer", user="mem7", chat=a)  # held message #1, case #2
    await bot.send(f"Patient {SECRET} is Hawa Bello, call +251 911 234 567", user="mem7", chat=a)  # privacy flag, case #3
    await bot.send(f"/ban @banned7 {SECRET} spam", user="mod7", chat=a)  # case #4
    await bot.send(f"/poll {SECRET} lunch? | rice | beans", user="mod7", chat=a)  # poll #1
    await bot.send(f"/homework add {SECRET} manikin | due in 3 days", user="mod7", chat=a)  # assignment #1
    await bot.send("/done 1 practised", user="mem7", chat=a)  # a submission
    await bot.send(f"/save {SECRET} guide #pph https://example.org/{SECRET}", user="mod7", chat=a)  # item #1
    await bot.send("/save Second guide #pph https://example.org/two", user="mod7", chat=a)  # item #2
    await bot.send("/points @bekele +3 helpful", user="mod7", chat=a)
    await bot.send("/level pph proficient", user="bekele", chat="dm")  # waits for a moderator's confirmation
    await bot.send("/points @shy7 +47 great", user="mod7", chat=a)
    await bot.send("/leaderboard hide", user="shy7", chat="dm")
    await bot.send(f"How do we stop {SECRET} bleeding after birth?", user="mem7", chat=a)  # a question for /faq
    await bot.send(f"/report {SECRET} advert", user="mem7", chat=a, reply_to=said)  # report, case #5
    await bot.send("/polls", user="mem7", chat="dm")  # poll options as buttons
    await bot.send("/forgetme", user="mem7", chat="dm")  # mem7's own erasure buttons
    await bot.send("/community", user="mem78", chat="dm")  # community buttons
    world = World(bot=bot, said=said)
    world.buttons = {b.data for m in bot.actions((Reply, DirectMessage)) for row in m.buttons for b in row}  # type: ignore[union-attr]
    bot.new_messages()
    return world


def a_state(bot: Bot) -> dict[str, list[str]]:
    """Every plugin row of A (rows of plugin tables without a community column: all of them)."""
    db = sqlite3.connect(bot.database)
    try:
        out = {}
        for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'practica_%' "
                                   "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%_fts%' AND name NOT IN ("
                                   "'essentials_forget_requests', 'homework_quiet', 'resources_questions')"):
            columns = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
            where = " WHERE community = 'cohort7'" if "community" in columns else ""
            out[table] = sorted(map(repr, db.execute(f"SELECT * FROM {table}{where}")))
        return out
    finally:
        db.close()


def changed(before: dict[str, list[str]], bot: Bot) -> list[str]:
    after = a_state(bot)
    return [table for table in after if after[table] != before.get(table)]


def a_people(bot: Bot) -> set[str]:
    return {f"{bot.platform}:{name}" for name in ("bekele", "newbie", "mem7", "banned7")}


def on_a(bot: Bot, since: int) -> list[Any]:
    """Platform actions (not messages) since `since` in A's chats, or aimed at A's members outside any
    chat (what B's moderators do in B's chats to someone also in B is B's business)."""
    chats = {f"{bot.platform}:g-cohort7", f"{bot.platform}:review7"}
    people = a_people(bot)
    out = []
    for action in bot.actions()[since:]:
        if isinstance(action, (Reply, DirectMessage)):
            continue
        chat, user = getattr(action, "chat", None), getattr(action, "user", None)
        if (chat is not None and chat.key in chats) or (chat is None and user is not None and user.uid in people):
            out.append(action)
    return out


def leaks(messages: list[Reply | DirectMessage], marker: str | None = None) -> list[str]:
    """Messages showing A's private text (or `marker`, what one entry must keep private)."""
    return [m.text[:100] for m in messages if SECRET in m.text or (marker is not None and marker in m.text)]
