"""Authorization at the object: every command and every button of every built-in plugin, by every role,
from every place, on Telegram, Discord and the console, against the objects of community A (cohort7:
a join request, a case, an appeal, a held message, a privacy flag, a ban, a poll, an assignment and
its submission, library items, points, a pending level, a hidden rank). Whoever has no right over A
changes nothing there, sees none of its private text, and makes the bot act on none of its chats.

The tables are checked against the registries: a new command or button fails the first test until it
is classified here. Each entry is first shown to work for someone with the right (a member, a
moderator or the owner of A), so a refusal in the table is a check's doing, not a wrong argument:
remove a role or community check and a test fails.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Any

import pytest

import plugins
from core import Role
from tests.communities.authz_world import (PLATFORMS, SECRET, World, a_state, build_world, changed, go_to, leaks, on_a,
                                           place)

MEMBER, MODERATOR, OWNER = Role.MEMBER, Role.MODERATOR, Role.OWNER
SELF = None  # acts on the actor's own data or settings only (their scope is the place they act in)
OWN_IN_A = "a member of A, about themself, from anywhere"  # accepting A's rules
Entry = tuple[str, Any]  # (arguments aimed at A's objects, the least role in A, or the one actor who may)

TABLE: dict[str, list[Entry] | None] = {
    "accept": SELF, "community": SELF, "dashboard": SELF, "certificate": SELF, "link": SELF, "unlink": SELF,
    "forgetme": SELF, "help": SELF, "lang": SELF, "mydata": SELF, "plugins": SELF, "whoami": SELF, "level": SELF,
    "quiet": SELF, "team": SELF, "rules": SELF,
    # leaderboards
    "leaderboard": [("hide", MEMBER)], "progress": [("", MEMBER)], "top": [("", MEMBER)],
    "rank": [("@bekele", MEMBER), ("@shy7", MODERATOR)], "thanks": [("@bekele", MEMBER)],
    "points": [("@bekele +5 great", MODERATOR)], "confirmlevel": [("@bekele pph", MODERATOR)],
    # polls
    "polls": [("", MEMBER)], "results": [("1", MEMBER)], "vote": [("1 2", MEMBER)], "poll": [("Lunch? | A | B", MEMBER)],
    "quiz": [("Q? | A | *B", MEMBER)], "closepoll": [("1", MODERATOR)],
    # resources
    "resources": [("", MEMBER)], "search": [("guide", MEMBER)], "get": [("1", MEMBER)],
    "save": [("Guide #pph https://example.org/g", MEMBER)], "verify": [("2", MODERATOR)], "supersede": [("1 2", MODERATOR)],
    "delete": [("1", MODERATOR)], "faq": [("", MODERATOR)],
    # homework
    "homework": [("", MEMBER), ("1", MEMBER), ("cancel 1", MODERATOR), ("status 1", MODERATOR)],
    "done": [("1 finished", MEMBER)], "snooze": [("1 2h", MEMBER)], "review": [("1 @mem7 good", MODERATOR)],
    # moderation (a moderator acts on nobody of equal or higher rank: adm7 is an admin of A)
    "report": [("spam", MEMBER)], "offtopic": [("", MODERATOR)], "held": [("", MODERATOR)], "appeals": [("", MODERATOR)],
    "cases": [("@bekele", MODERATOR)], "case": [("1", MODERATOR)], "reason": [("1 changed", MODERATOR)],
    "redact": [("3", MODERATOR)], "release": [("1", MODERATOR)], "reject": [("1 no", MODERATOR)],
    "appeal": [("4 unfair", "banned7")], "appeal_accept": [("1", MODERATOR)], "appeal_refuse": [("1 no", MODERATOR)],
    "approve": [("1", MODERATOR)], "deny": [("1 no", MODERATOR)],
    "warn": [("@bekele rude", MODERATOR), ("@adm7 rude", OWNER)], "mute": [("@mem7 1d spam", MODERATOR), ("@adm7 1d spam", OWNER)],
    "kick": [("@bekele spam", MODERATOR), ("@adm7 spam", OWNER)], "ban": [("@bekele 1d spam", MODERATOR), ("@adm7 spam", OWNER)],
    "unban": [("@banned7 ok", MODERATOR)], "unmute": [("@bekele ok", MODERATOR)],
}
ANSWERING = {"offtopic", "report"}  # in A's group: sent as a reply to bekele's message there
COUNTS_ONLY = {"progress"}  # shows how many learners, never who: nothing private to show a rightful actor
MARKERS = {"rank @shy7": "47"}  # what an entry keeps private besides SECRET (shy7's hidden points)
TAKING_PART = {"vote", "polls:pick:"}  # refused to a member not in good standing (banned7)
BY = {"snooze": "mem78"}  # who shows the entry works, if not the usual one (mem7 already handed homework #1 in)
RIGHTFUL = {MEMBER: "mem7", MODERATOR: "mod7", OWNER: "own7"}

# button prefix -> (data aimed at A's objects, the least role in A; SELF: the presser's own settings and
# data). Held-message buttons carry opaque tokens: only the ones the world really sent exist.
BUTTONS: dict[str, tuple[str | None, Any]] = {
    "mod:ja:": ("mod:ja:1", MODERATOR), "mod:jd:": ("mod:jd:1", MODERATOR), "mod:aa:": ("mod:aa:1", MODERATOR),
    "mod:ar:": ("mod:ar:1", MODERATOR), "mod:pv:": ("mod:pv:3", MODERATOR), "mod:hr:": (None, MODERATOR),
    "mod:hd:": (None, MODERATOR), "mod:acc:": ("mod:acc:cohort7", OWN_IN_A), "polls:pick:": ("polls:pick:1:2", MEMBER),
    "essentials:community:": ("essentials:community:cohort7", SELF), "essentials:forget:": (None, SELF),
}

# (actor, place). In A: mem7 member, tr7 trusted, mod7 moderator, banned7 banned member, modb and mem78
# plain members (modb moderates B; mem78 is a member of B too). Elsewhere: mod8 moderator of B, own8
# owner (coordinator) of B, stranger never seen, rogue creator (platform owner) of the unlisted group.
# Typing in A's group makes anyone a member of A (seen there), with member rights only.
ACTORS = [("mem7", "A"), ("mem7", "B"), ("mem7", "dm"), ("mem7", "rogue"), ("mem78", "dmA"), ("mem78", "dmB"),
          ("tr7", "A"), ("tr7", "dm"), ("mod7", "A"), ("mod7", "dm"), ("mod8", "B"), ("mod8", "dm"), ("mod8", "rogue"),
          ("modb", "dmB"), ("modb", "dmA"), ("modb", "B"), ("own8", "B"), ("own8", "dm"), ("stranger", "B"),
          ("stranger", "dm"), ("stranger", "rogue"), ("banned7", "dm"), ("banned7", "A"), ("rogue", "rogue"), ("rogue", "dm"),
          ("stranger", "A"), ("mod8", "A"), ("own8", "A")]
IN_A = {"mem7": MEMBER, "mem78": MEMBER, "modb": MEMBER, "banned7": MEMBER, "tr7": Role.TRUSTED, "mod7": MODERATOR}
NOT_IN_GOOD_STANDING = {"banned7"}
BUTTON_PLACES = ("A", "B", "dm", "rogue", "review")


def role_in_a(actor: str, where: str, *, typing: bool) -> Role | None:
    """The actor's role over A's objects from `where` (None: none). A role plugins.toml gives in A counts
    wherever one acts (the object's community decides); a plain member reaches A from A's chats and
    private chats only; typing in A's group makes anyone a member there."""
    if actor in IN_A:
        role = IN_A[actor]
        return role if role > MEMBER or where in ("A", "review") or where.startswith("dm") else None
    return MEMBER if typing and where == "A" else None


def may(actor: str, where: str, least: Any, kind: str, *, typing: bool) -> bool:
    """Whether the table leaves this entry alone for this actor (they have the right)."""
    if least == OWN_IN_A:
        return actor in IN_A
    if isinstance(least, str):
        return actor == least
    if kind in TAKING_PART and actor in NOT_IN_GOOD_STANDING:
        return False
    role = role_in_a(actor, where, typing=typing)
    return role is not None and role >= least


def entries() -> list[tuple[str, str, Any]]:
    """(command name, text, least) for every entry of TABLE."""
    return [(name, f"/{name} {args}".strip(), least) for name, rows in TABLE.items() for args, least in rows or ()]


def declared_buttons() -> set[str]:
    """Every button prefix the built-in plugins declare (module constants named *BUTTON or *BUTTON_PREFIX)."""
    found = set()
    for info in pkgutil.iter_modules(plugins.__path__):
        package = importlib.import_module(f"plugins.{info.name}")
        for module_info in pkgutil.walk_packages(package.__path__, f"plugins.{info.name}."):
            if module_info.name.rpartition(".")[2] == "dashboard":  # Starlette is imported only when the dashboard runs
                continue
            module = importlib.import_module(module_info.name)
            for attr, value in vars(module).items():
                if attr.endswith(("BUTTON", "BUTTON_PREFIX")) and isinstance(value, str):
                    found.add(value)
    return found


def test_every_command_and_button_is_in_the_table():
    from core.config import parse_config
    from core.runtime import Runtime

    runtime = Runtime(parse_config({"adapters": {"console": {}}}, Path("plugins.toml")), database=":memory:")
    assert {cmd.name for cmd in runtime.commands} == set(TABLE)
    assert declared_buttons() == set(BUTTONS)


async def send(world: World, text: str, actor: str, where: Any) -> None:
    name = text.split()[0].lstrip("/")
    answering = name in ANSWERING and where == "cohort7"  # one answers a message in its own chat only
    await world.bot.send(text, user=actor, chat=where, reply_to=world.said if answering else None)


def kind_of(data: str) -> str:
    return next(prefix for prefix in BUTTONS if data.startswith(prefix))


def same_button(world: World, data: str) -> str:
    """`data`, or this world's button of the same kind (held-message buttons carry a random token)."""
    if data in world.buttons or data in {d for d, _ in BUTTONS.values()}:
        return data
    return next(b for b in world.buttons if b.startswith(kind_of(data)))


async def rightful(make_bot: Any, platform: str, todo: list[tuple[str, str, str]]) -> list[str]:
    """Run each (actor, place, command text or button data) in as few fresh worlds as it takes (one
    that shows no effect is retried first in a fresh world); return any that never had an effect."""
    while todo:
        world = await build_world(make_bot, platform)
        bot, again = world.bot, []
        for index, (actor, where, text) in enumerate(todo):
            before, since = a_state(bot), len(bot.actions())
            if text.startswith("/"):
                await send(world, text, actor, await go_to(bot, actor, where))
            else:
                await bot.press(same_button(world, text), user=actor, chat=place(bot, where))
            if not (changed(before, bot) or on_a(bot, since) or leaks(bot.new_messages(), MARKERS.get(text[1:]))):
                if index == 0:
                    return [text]
                again.append((actor, where, text))
        todo = again
    return []


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_every_entry_works_for_someone_with_the_right(make_bot, platform):
    """The rightful actor (a member, moderator or owner of A, from A's group or a private chat) gets an
    effect from every entry: a change in A, an action in A's chats, or A's private text."""
    world = await build_world(make_bot, platform)
    where_of = {cmd.name: cmd.where for cmd in world.bot.runtime.commands}
    todo = []
    for name, text, least in entries():
        if name in COUNTS_ONLY:
            continue
        actor = least if isinstance(least, str) else BY.get(name, RIGHTFUL[least])
        todo.append((actor, "A" if where_of[name] == "group" or name in ANSWERING else "dm", text))
    for data in sorted(world.buttons | {d for d, _ in BUTTONS.values() if d}):
        least = BUTTONS[kind_of(data)][1]
        if least is not SELF:
            todo.append((RIGHTFUL.get(least, "mem7"), "review" if kind_of(data) in ("mod:pv:", "mod:hr:", "mod:hd:") else "dm", data))
    assert await rightful(make_bot, platform, todo) == []


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_no_command_by_anyone_without_rights_touches_a(make_bot, platform):
    world = await build_world(make_bot, platform)
    bot = world.bot
    before, since = a_state(bot), len(bot.actions())
    for actor, where in ACTORS:
        chat = await go_to(bot, actor, where)
        for name, text, least in entries():
            if may(actor, where, least, name, typing=True):
                continue
            await send(world, text, actor, chat)
            assert not leaks(bot.new_messages(), MARKERS.get(text[1:])), f"{text} by {actor} in {where} showed A's private text"
            assert not changed(before, bot), f"{text} by {actor} in {where} changed {changed(before, bot)}"
            assert not on_a(bot, since), f"{text} by {actor} in {where} made the bot do {on_a(bot, since)}"


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_no_button_pressed_by_anyone_without_rights_touches_a(make_bot, platform, caplog):
    world = await build_world(make_bot, platform)
    bot = world.bot
    buttons = sorted(world.buttons | {d for d, _ in BUTTONS.values() if d} | {"essentials:forget:" + bot.user("bekele").uid})
    assert {kind_of(d) for d in buttons} == set(BUTTONS)  # every kind, really sent or forged
    before, since = a_state(bot), len(bot.actions())
    for actor in sorted({actor for actor, _ in ACTORS}):
        for where in BUTTON_PLACES:
            for data in buttons:
                least = BUTTONS[kind_of(data)][1]
                if least is SELF:  # one's own settings and data: only erasing oneself would change A
                    if data == f"essentials:forget:{bot.user(actor).uid}":
                        continue
                elif may(actor, where, least, kind_of(data), typing=False):
                    continue
                await bot.press(data, user=actor, chat=place(bot, where))
                assert not leaks(bot.new_messages()), (actor, where, data)
                assert not changed(before, bot), f"button {data} by {actor} in {where} changed {changed(before, bot)}"
                assert not on_a(bot, since), f"button {data} by {actor} in {where} made the bot do {on_a(bot, since)}"
    refused = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert any(m.startswith("button mod:ja refused") for m in refused)  # forged presses are logged
    assert not any(SECRET in r.getMessage() for r in caplog.records)
