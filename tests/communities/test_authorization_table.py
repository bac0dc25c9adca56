"""Authorization at the object: every command and every button of every built-in plugin, by every role,
from every place, on Telegram, Discord and the console, against the objects of community A (cohort7:
a join request, a case, an appeal, a held message, a privacy flag, a ban, a poll, an assignment and
its submission, library items, points). Whoever has no right over A changes nothing there, sees none
of its private text, and makes the bot act on none of its chats or members.

The tables are checked against the registries: a new command, button or dashboard action fails the
first tests until it is classified here. Each entry is first shown to work for someone with the
right (a moderator of A, or a member of A for what members may do), so a refusal in the table is
the check's doing, not a wrong argument: remove any role or community check and a test fails.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Any

import pytest

import plugins
from core.testing import Bot
from tests.communities.authz_world import (PLATFORMS, SECRET, World, a_state, build_world, changed, go_to, leaks, on_a,
                                           place)

# command -> the arguments aimed at A's objects; SELF: acts on the actor's own data or settings only.
SELF = None
COMMANDS: dict[str, str | None] = {
    "accept": SELF, "community": SELF, "dashboard": SELF, "certificate": SELF, "link": SELF, "unlink": SELF,
    "forgetme": SELF, "help": SELF, "lang": SELF, "mydata": SELF, "plugins": SELF, "whoami": SELF, "level": SELF,
    "quiet": SELF, "team": SELF, "rules": SELF,
    "leaderboard": "hide", "progress": "", "rank": "@bekele", "top": "", "polls": "", "resources": "", "search": "guide",
    "faq": "", "held": "", "appeals": "", "cases": "@bekele", "case": "1", "appeal": "4 unfair", "appeal_accept": "1",
    "appeal_refuse": "1 no", "approve": "1", "deny": "1 no", "ban": "@bekele 1d spam", "kick": "@bekele spam",
    "mute": "@mem7 1d spam", "unban": "@banned7 ok", "unmute": "@bekele ok", "warn": "@bekele rude", "offtopic": "",
    "report": "spam", "reason": "1 changed", "redact": "3", "reject": "1 no", "release": "1",
    "closepoll": "1", "vote": "1 2", "results": "1", "poll": "Lunch? | A | B", "quiz": "Q? | A | *B",
    "confirmlevel": "@bekele pph", "points": "@bekele +5 great", "thanks": "@bekele",
    "done": "1 finished", "homework": "cancel 1", "review": "1 @mem7 good", "snooze": "1 2h",
    "delete": "1", "get": "1", "save": "Guide #pph https://example.org/g", "supersede": "1 2", "verify": "2",
}
ANSWERING = {"offtopic", "report"}  # in A's group: sent as a reply to bekele's message there
COUNTS_ONLY = {"progress"}  # shows how many learners, never who: no private text to show or hide
OWN = {"appeal": "banned7"}  # case #4 is banned7's ban: they alone may appeal it
BY = {"snooze": "mem78"}  # who shows the entry works, when not a moderator or mem7 (mem7 handed homework #1 in)
# What a plain member of A may do to A's objects (the rest is refused to them).
MEMBER_MAY = {"vote", "results", "done", "snooze", "get", "polls", "resources", "search", "rank", "top", "progress",
              "thanks", "report", "save", "poll", "quiz", "leaderboard"}

# button prefix -> data aimed at A's objects, besides the buttons the world really sent (held-message
# buttons carry opaque tokens: only the sent ones exist). SELF_BUTTONS act on the presser's own things.
FORGED = {"mod:ja:": "mod:ja:1", "mod:jd:": "mod:jd:1", "mod:aa:": "mod:aa:1", "mod:ar:": "mod:ar:1", "mod:pv:": "mod:pv:3",
          "mod:hr:": None, "mod:hd:": None, "mod:acc:": "mod:acc:cohort7", "polls:pick:": "polls:pick:1:2",
          "essentials:community:": "essentials:community:cohort7", "essentials:forget:": None}
MEMBER_BUTTONS = ("polls:pick:", "mod:acc:")  # a member of A votes and accepts A's rules
SELF_BUTTONS = ("essentials:",)  # /community and /forgetme: the presser's own settings and data

# (actor, place). Roles: mem7 member of A; mem78 member of A and B; tr7 trusted in A; mod8 moderator of
# B; modb moderator of B and member of A; own8 owner (coordinator) of B; stranger never seen; banned7
# banned in A; rogue creator (platform owner) of the unlisted group. Typing in A's group makes anyone
# a member of A (seen there), with member rights only.
ACTORS = [("mem7", "A"), ("mem7", "B"), ("mem7", "dm"), ("mem7", "rogue"), ("mem78", "dmA"), ("mem78", "dmB"),
          ("tr7", "A"), ("tr7", "dm"), ("mod8", "B"), ("mod8", "dm"), ("mod8", "rogue"), ("modb", "dmB"), ("modb", "dmA"),
          ("modb", "B"), ("own8", "B"), ("own8", "dm"), ("stranger", "B"), ("stranger", "dm"), ("stranger", "rogue"),
          ("banned7", "dm"), ("banned7", "A"), ("rogue", "rogue"), ("rogue", "dm"), ("stranger", "A"), ("mod8", "A"),
          ("own8", "A")]
A_MEMBERS = {"mem7", "mem78", "tr7", "modb", "banned7"}
NOT_IN_GOOD_STANDING = {"banned7"}  # a member of A who may not take part: no vote, no poll pick
BUTTON_PLACES = ("A", "B", "dm", "rogue", "review")


def member_may(actor: str, where: str, name: str) -> bool:
    """Whether the table leaves `/name` alone for this actor: a member of A acting in A (its group, or a
    private chat, from which members reach their communities' polls)."""
    if OWN.get(name) == actor:
        return True
    if name not in MEMBER_MAY or (name == "vote" and actor in NOT_IN_GOOD_STANDING):
        return False
    return where == "A" or (actor in A_MEMBERS and where in ("dm", "dmA", "dmB"))


def button_allowed(actor: str, where: str, data: str) -> bool:
    if data.startswith(SELF_BUTTONS):
        return data.endswith(":cancel") or data.endswith(f":{actor}") or data.startswith("essentials:community:")
    if not data.startswith(MEMBER_BUTTONS) or (data.startswith("polls:") and actor in NOT_IN_GOOD_STANDING):
        return False
    return actor in A_MEMBERS or where == "A"


def declared_buttons() -> set[str]:
    """Every button prefix the built-in plugins declare (module constants named *BUTTON or *BUTTON_PREFIX)."""
    found = set()
    for info in pkgutil.iter_modules(plugins.__path__):
        package = importlib.import_module(f"plugins.{info.name}")
        for module_info in pkgutil.iter_modules(package.__path__):
            if module_info.name == "dashboard":
                continue
            module = importlib.import_module(f"plugins.{info.name}.{module_info.name}")
            for attr, value in vars(module).items():
                if attr.endswith(("BUTTON", "BUTTON_PREFIX")) and isinstance(value, str):
                    found.add(value)
    return found


def test_every_command_and_button_is_in_the_table():
    from core.config import parse_config
    from core.runtime import Runtime

    runtime = Runtime(parse_config({"adapters": {"console": {}}}, Path("plugins.toml")), database=":memory:")
    assert {cmd.name for cmd in runtime.commands} == set(COMMANDS)
    assert declared_buttons() == set(FORGED)


async def send(world: World, text: str, actor: str, where: Any, name: str) -> None:
    answering = name in ANSWERING and where == "cohort7"  # one answers a message in its own chat only
    await world.bot.send(text, user=actor, chat=where, reply_to=world.said if answering else None)


def effect(world: World, before: dict[str, list[str]], since: int) -> list[str]:
    """What a command or press did to A: tables changed, platform actions, private text shown."""
    bot = world.bot
    return [*changed(before, bot), *map(repr, on_a(bot, since)), *leaks(bot.new_messages())]


async def rightful(make_bot: Any, platform: str, entries: list[tuple[str, str, str]]) -> list[str]:
    """Run each (actor, place, text) as someone with the right, in as few fresh worlds as it takes
    (one that shows no effect is retried first in a fresh world); return those that never worked."""
    remaining = list(entries)
    while remaining:
        world = await build_world(make_bot, platform)
        again = []
        for index, (actor, where, text) in enumerate(remaining):
            before, since = a_state(world.bot), len(world.bot.actions())
            name = text.split()[0].lstrip("/") if text.startswith("/") else ""
            if text.startswith("/"):
                await send(world, text, actor, await go_to(world.bot, actor, where), name)
            else:
                await world.bot.press(same_button(world, text), user=actor, chat=place(world.bot, where))
            if not effect(world, before, since):
                if index == 0:
                    return [text for _, _, text in remaining[:1]]
                again.append((actor, where, text))
        remaining = again
    return []


def same_button(world: World, data: str) -> str:
    """`data`, or this world's button of the same kind (held-message buttons carry a random token)."""
    if data in world.buttons or data in FORGED.values():
        return data
    prefix = data.rsplit(":", 1)[0] + ":"
    return next(b for b in world.buttons if b.startswith(prefix))


def command_text(name: str) -> str:
    return f"/{name} {COMMANDS[name]}".strip()


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_every_entry_works_for_someone_with_the_right(make_bot, platform):
    """A moderator of A (a member for what members may do) gets an effect from every command and button,
    from A's group or a private chat: the refusals below are the checks' doing."""

    world = await build_world(make_bot, platform)
    commands = {cmd.name: cmd for cmd in world.bot.runtime.commands}
    entries = []
    for name, args in COMMANDS.items():
        if args is SELF or name in COUNTS_ONLY:
            continue
        actor = OWN.get(name) or BY.get(name) or ("mem7" if name in MEMBER_MAY else "mod7")
        entries.append((actor, "A" if commands[name].where == "group" or name in ANSWERING else "dm", command_text(name)))
    for data in sorted(world.buttons | {d for d in FORGED.values() if d}):
        if data.startswith(SELF_BUTTONS) or (data.startswith("polls:") and not world.bot.adapter.capabilities.buttons):
            continue
        actor = "mem7" if data.startswith(MEMBER_BUTTONS) else "mod7"
        entries.append((actor, "review" if data.startswith(("mod:pv:", "mod:hr:", "mod:hd:")) else "dm", data))
    assert await rightful(make_bot, platform, entries) == []


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_no_command_by_anyone_without_rights_touches_a(make_bot, platform):
    world = await build_world(make_bot, platform)
    bot = world.bot
    before = a_state(bot)
    since = len(bot.actions())
    for actor, where in ACTORS:
        chat = await go_to(bot, actor, where)
        for name in COMMANDS:
            if COMMANDS[name] is SELF or member_may(actor, where, name):
                continue
            await send(world, command_text(name), actor, chat, name)
            assert not leaks(bot.new_messages()), f"/{name} by {actor} in {where} showed A's private text"
            assert not changed(before, bot), f"/{name} by {actor} in {where} changed {changed(before, bot)}"
            assert not on_a(bot, since), f"/{name} by {actor} in {where} made the bot do {on_a(bot, since)}"


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_no_button_pressed_by_anyone_without_rights_touches_a(make_bot, platform, caplog):
    world = await build_world(make_bot, platform)
    bot = world.bot
    buttons = sorted(world.buttons | {d for d in FORGED.values() if d} | {"essentials:forget:" + bot.user("bekele").uid})
    assert {next(p for p in FORGED if d.startswith(p)) for d in buttons} == set(FORGED)  # every kind, really sent
    before = a_state(bot)
    since = len(bot.actions())
    actors = sorted({actor for actor, _ in ACTORS} | {"mem7"})
    for actor in actors:
        for where in BUTTON_PLACES:
            for data in buttons:
                if button_allowed(actor, where, data):
                    continue
                await bot.press(data, user=actor, chat=place(bot, where))
                assert not leaks(bot.new_messages()), (actor, where, data)
                assert not changed(before, bot), f"button {data} by {actor} in {where} changed {changed(before, bot)}"
                assert not on_a(bot, since), f"button {data} by {actor} in {where} made the bot do {on_a(bot, since)}"
    refused = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert any(m.startswith("button mod:ja refused") for m in refused)  # forged presses are logged
    assert not any(SECRET in r.getMessage() for r in caplog.records)
