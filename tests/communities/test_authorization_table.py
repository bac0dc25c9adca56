"""Authorization at the object: every command and button, by every role in every community, against the
objects of cohort7 (a join request, a case, an appeal, a held message, a poll, an assignment and its
submission, a library item, points). Whoever has no right over cohort7 changes nothing there, sees
none of its private text, and makes the bot act on no platform.

The table is checked against the command registry: a new command fails the first test until it is
classified here.
"""

from __future__ import annotations

import sqlite3
from typing import Any


from core import DirectMessage, Reply, Role
from core.testing import Bot

SECRET = "zebra7"  # in every private text of cohort7's objects

# command -> the arguments aimed at cohort7's objects; SELF: acts on the actor's own data or settings only.
SELF = None
COMMANDS: dict[str, str | None] = {
    "accept": SELF, "community": SELF, "dashboard": SELF, "certificate": SELF, "link": SELF, "unlink": SELF, "forgetme": SELF, "help": SELF, "lang": SELF, "mydata": SELF, "plugins": SELF,
    "whoami": SELF, "leaderboard": "hide", "level": SELF, "progress": "", "quiet": SELF, "rank": "@bekele", "team": SELF,
    "top": "", "rules": SELF, "polls": "", "resources": "", "search": "guide", "faq": "", "held": "", "appeals": "",
    "cases": "@bekele", "case": "1", "appeal": "1 unfair", "appeal_accept": "1", "appeal_refuse": "1 no",
    "approve": "1", "deny": "1 no", "ban": "@bekele 1d spam", "kick": "@bekele spam", "mute": "@bekele 1d spam",
    "unban": "@bekele ok", "unmute": "@bekele ok", "warn": "@bekele rude", "offtopic": "", "report": "spam",
    "reason": "1 changed", "redact": "1", "reject": "2 no", "release": "2",
    "closepoll": "1", "vote": "1 2", "results": "1", "poll": "Lunch? | A | B", "quiz": "Q? | A | *B",
    "confirmlevel": "@bekele pph", "points": "@bekele +5 great", "thanks": "@bekele",
    "done": "1 finished", "homework": "cancel 1", "review": "1 @bekele good", "snooze": "1 2h",
    "delete": "1", "get": "1", "save": "Guide #pph https://example.org/g", "supersede": "1 2", "verify": "1",
}
# What a plain member of cohort7 may do to cohort7's objects (everything else is refused to them).
MEMBER_MAY = {"vote", "results", "done", "snooze", "get", "polls", "resources", "search", "rank", "top", "progress",
              "thanks", "report", "save", "poll", "quiz", "homework", "leaderboard"}

COMMUNITIES = {
    "cohort7": {"moderators": ["mod7"], "trusted": ["tr7"], "members": ["bekele", "mem7", "tr7", "mod7"],
                "review_chat": "review7"},
    "cohort8": {"moderators": ["mod8"], "owners": ["own8"], "members": ["mod8", "own8", "bekele8"]},
}
SETTINGS = {"moderation": {"verify_joins": True, "questions": ["Cadre?"], "link_policy": "review", "flood_messages": 0},
            "homework": {"digest": "", "remind_before": []}, "polls": {}, "resources": {}, "leaderboards": {}}


def review7(bot: Bot):  # type: ignore[no-untyped-def]
    from core import ChatRef

    return ChatRef(platform=bot.platform, id="review7", kind="group")


async def cohort7_world(make_bot: Any) -> Bot:
    """cohort7 with one of each object; an unlisted group `rogue` whose creator is its platform owner."""
    bot = await make_bot(platform="telegram", communities=COMMUNITIES, config={"plugins": SETTINGS})
    bot.set_platform_role("rogue", Role.OWNER, chat="rogue")
    g7 = "cohort7"
    await bot.send("hello", user="bekele", chat=g7)
    await bot.join_request("newbie", chat=g7)
    await bot.send(f"nurse {SECRET}", user="newbie", chat="dm")  # join request #1
    await bot.send(f"/mute @bekele 1d {SECRET} rude", user="mod7", chat=g7)  # case #1
    await bot.send(f"/appeal 1 {SECRET} please", user="bekele", chat="dm")  # appeal #1
    await bot.send(f"see https://{SECRET}.example/offer", user="mem7", chat=g7)  # held message, case #2
    await bot.send(f"/poll {SECRET} lunch? | rice | beans", user="mod7", chat=g7)  # poll #1
    await bot.send(f"/homework add {SECRET} manikin | due in 3 days", user="mod7", chat=g7)  # assignment #1
    await bot.send("/done 1 practised", user="mem7", chat=g7)  # a submission
    await bot.send(f"/save {SECRET} guide #pph https://example.org/{SECRET}", user="mod7", chat=g7)  # item #1
    await bot.send("/save Second guide #pph https://example.org/two", user="mod7", chat=g7)  # item #2
    await bot.send("/points @bekele +3 helpful", user="mod7", chat=g7)
    bot.new_messages()
    return bot


def cohort7_state(bot: Bot) -> dict[str, list[tuple[Any, ...]]]:
    """Every plugin row of cohort7 (rows of tables without a community column: all of them)."""
    db = sqlite3.connect(bot.database)
    try:
        out = {}
        for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'practica_%' "
                                   "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%_fts%' AND name NOT IN ('essentials_forget_requests', "
                                   "'homework_quiet', 'resources_questions')"):
            columns = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
            where = " WHERE community = 'cohort7'" if "community" in columns else ""
            out[table] = sorted(map(repr, db.execute(f"SELECT * FROM {table}{where}")))
        return out
    finally:
        db.close()


COHORT7_CHATS = {"telegram:g-cohort7", "telegram:review7"}
COHORT7_PEOPLE = {"telegram:bekele", "telegram:newbie", "telegram:mem7"}


def on_cohort7(bot: Bot, since: int) -> list[Any]:
    """Platform actions (not messages) since `since` aimed at a chat or a member of cohort7."""
    out = []
    for action in bot.actions()[since:]:
        if isinstance(action, (Reply, DirectMessage)):
            continue
        chat, user = getattr(action, "chat", None), getattr(action, "user", None)
        if (chat is not None and chat.key in COHORT7_CHATS) or (user is not None and user.uid in COHORT7_PEOPLE):
            out.append(action)
    return out


# actor, where they type, and whether the role they hold over cohort7 is below moderator (all are)
ACTORS = [("mod8", "cohort8"), ("mod8", "dm"), ("own8", "cohort8"), ("rogue", "rogue"), ("rogue", "dm"),
          ("mem7", "cohort7"), ("mem7", "dm"), ("tr7", "cohort7")]


def test_every_command_is_in_the_table(make_bot):  # noqa: ARG001 - the registry is what matters
    from core.config import parse_config
    from core.runtime import Runtime
    from pathlib import Path

    runtime = Runtime(parse_config({"adapters": {"console": {}}}, Path("plugins.toml")), database=":memory:")
    assert {cmd.name for cmd in runtime.commands} == set(COMMANDS)


async def test_no_command_by_anyone_without_rights_touches_cohort7(make_bot):
    bot = await cohort7_world(make_bot)
    before = cohort7_state(bot)
    acted = len(bot.actions())
    leaks = []
    for actor, where in ACTORS:
        for name, args in COMMANDS.items():
            if args is SELF or (actor.endswith("7") and name in MEMBER_MAY):
                continue
            await bot.send(f"/{name} {args}".strip(), user=actor, chat=where)
            for message in bot.new_messages():
                if SECRET in message.text:
                    leaks.append((actor, where, name, message.text[:80]))
            state = cohort7_state(bot)
            changed = [t for t in state if state[t] != before[t]]
            assert not changed, f"/{name} by {actor} in {where} changed {changed}"
            platform = on_cohort7(bot, acted)
            assert not platform, f"/{name} by {actor} in {where} made the bot do {platform}"
    assert not leaks


async def test_no_button_pressed_by_anyone_without_rights_touches_cohort7(make_bot, caplog):
    bot = await cohort7_world(make_bot)
    buttons = sorted({b.data for a in bot.actions() if isinstance(a, (Reply, DirectMessage)) for row in a.buttons for b in row})
    assert len(buttons) >= 4, buttons  # join request, appeal, held message and poll buttons at least
    before = cohort7_state(bot)
    acted = len(bot.actions())
    for actor, where in ACTORS:
        for data in buttons:
            if actor.endswith("7") and data.startswith("polls:"):
                continue  # members vote with poll buttons
            await bot.press(data, user=actor, chat=where)
            assert all(SECRET not in m.text for m in bot.new_messages()), (actor, data)
            state = cohort7_state(bot)
            assert state == before, f"button {data} by {actor} in {where} changed cohort7"
            platform = on_cohort7(bot, acted)
            assert not platform, f"button {data} by {actor} in {where} made the bot do {platform}"
    refused = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert any(m.startswith("button mod:ja refused") for m in refused)  # forged presses are logged
    assert not any(SECRET in r.getMessage() for r in caplog.records)


async def test_the_table_detects_a_rightful_change(make_bot):
    """The same world, moderator of cohort7 from a private chat: the state does change (the check is live)."""
    bot = await cohort7_world(make_bot)
    before = cohort7_state(bot)
    await bot.send("/approve 1", user="mod7", chat="dm")
    assert cohort7_state(bot) != before
