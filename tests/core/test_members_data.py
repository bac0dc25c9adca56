"""/mydata and /forgetme: a member sees and deletes what every plugin stores about them."""

from __future__ import annotations


import pytest

from core import Context, hookimpl
from tests.exports import exported


class Notes:
    """Stores one note per member, to show export and deletion across plugins."""

    def __init__(self) -> None:
        self.notes: dict[str, str] = {}

    @hookimpl
    async def practica_on_message(self, event, ctx: Context) -> None:
        self.notes[event.author.uid] = event.text

    @hookimpl
    async def practica_user_data(self, member: str, ctx: Context, erase: bool):
        if erase:
            return {"notes": int(self.notes.pop(member, None) is not None)}
        return {"note": self.notes[member]} if member in self.notes else None


async def test_mydata_arrives_privately_with_every_plugin(make_bot):
    bot = await make_bot(platform="telegram", plugins=set(), extra_plugins={"notes": Notes()})
    await bot.send("hello there", user="amina")
    await bot.send("/mydata", user="amina")
    private = bot.next_reply()
    assert private.user.name == "amina" and "• notes: note: hello there" in private.text
    body = exported(bot)
    assert body["notes"] == {"note": "hello there"}
    assert body["essentials"]["communities"][0]["community"] == "default"
    assert bot.next_reply().text == "I sent you your data in a private message."


async def test_forgetme_asks_then_deletes_only_that_member(make_bot):
    notes = Notes()
    bot = await make_bot(plugins=set(), extra_plugins={"notes": notes})
    await bot.send("mine", user="amina")
    await bot.send("theirs", user="bekele")
    await bot.send("/forgetme confirm", user="amina")  # confirming before being asked does nothing
    ask = bot.next_reply()
    assert "cannot be undone" in ask.text
    assert "console:amina" in notes.notes  # nothing deleted before the confirmation
    await bot.press(bot.buttons(ask)["Yes, delete"], user="bekele")  # someone else's press is ignored
    bot.assert_no_replies()
    await bot.press(bot.buttons(ask)["Yes, delete"], user="amina")
    assert bot.next_reply().text.startswith("Done: your data was deleted")
    assert "console:amina" not in notes.notes and "console:bekele" in notes.notes
    assert await bot.runtime.members.find("default", "@amina") is None
    assert await bot.runtime.members.find("default", "@bekele") is not None


FORGET = {"en": {"ask": "cannot be undone", "yes": "Yes, delete", "done": "Done: your data was deleted"},
          "fr": {"ask": "sans retour possible", "yes": "Oui, effacer", "done": "C'est fait : vos données ont été effacées"}}


@pytest.mark.parametrize("platform", ["console", "telegram"])
@pytest.mark.parametrize("locale", ["en", "fr"])
async def test_a_pending_forgetme_confirmation_survives_a_restart_and_still_expires(make_bot, platform, locale):
    from datetime import timedelta

    t = FORGET[locale]
    notes = Notes()
    bot = await make_bot(platform=platform, plugins=set(), extra_plugins={"notes": notes}, community={"locale": locale})
    await bot.send("mine", user="amina")
    await bot.send("/forgetme", user="amina", chat="dm")
    ask = bot.next_reply()
    assert t["ask"] in ask.text
    await bot.restart(downtime=timedelta(minutes=2))
    await bot.send("/forgetme confirm", user="amina", chat="dm")
    assert bot.next_reply().text.startswith(t["done"])
    assert f"{platform}:amina" not in notes.notes

    await bot.send("theirs", user="bekele")
    await bot.send("/forgetme", user="bekele", chat="dm")
    ask = bot.next_reply()
    await bot.restart(downtime=timedelta(minutes=1))
    await bot.press(bot.buttons(ask)[t["yes"]], user="bekele", chat=bot.dm_chat("bekele"))
    assert bot.next_reply().text.startswith(t["done"])

    await bot.send("again", user="chala")
    await bot.send("/forgetme", user="chala", chat="dm")
    bot.new_messages()
    await bot.restart(downtime=timedelta(minutes=11))  # the confirmation window (10 minutes) has passed
    await bot.send("/forgetme confirm", user="chala", chat="dm")
    assert t["ask"] in bot.next_reply().text  # asked again, nothing deleted
    assert f"{platform}:chala" in notes.notes
