"""/polls in a private chat: each open poll one pick away (a WhatsApp list), voted like /vote."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("platform", ["console", "whatsapp"])
async def test_a_member_votes_from_a_private_chat_by_picking_an_option(make_bot, platform):
    bot = await make_bot(platform=platform, plugins={"polls"}, config={
        "communities": {"cohort7": {"chats": [f"{platform}:g1"]}}})
    await bot.send("/poll Next topic? | Breastfeeding | Newborn care | Postpartum bleeding | Family planning",
                   user="trainer")
    bot.new_messages()
    dm = bot.dm_chat("amina")
    await bot.send("hello", user="amina")  # amina is a member of cohort7
    await bot.send("/polls", user="amina", chat=dm)
    listing, picker = bot.new_messages()
    assert "#1 Next topic?" in listing.text
    assert "Pick your answer below." in picker.text and picker.chat == dm
    buttons = bot.buttons(picker)
    assert list(buttons) == ["Breastfeeding", "Newborn care", "Postpartum bleeding", "Family planning"]
    await bot.press(buttons["Newborn care"], user="amina", chat=dm)
    assert "Vote recorded in poll #1: 2. Newborn care." in bot.next_reply().text
    await bot.press(buttons["Family planning"], user="amina", chat=dm)
    assert "Vote changed in poll #1: 4. Family planning." in bot.next_reply().text
    await bot.send("/results 1", user="trainer")
    assert "1 vote" in bot.next_reply().text


async def test_no_picker_in_a_group_and_a_picked_closed_poll_is_refused(make_bot):
    bot = await make_bot(platform="whatsapp", plugins={"polls"})
    await bot.send("/poll Ready? | Yes | No", user="trainer")
    bot.new_messages()
    await bot.send("/polls", user="amina")
    assert len(bot.new_messages()) == 1  # the list only
    await bot.send("/polls", user="amina", chat=bot.dm_chat("amina"))
    picker = bot.new_messages()[-1]
    await bot.send("/closepoll 1", user="trainer")
    bot.new_messages()
    await bot.press(bot.buttons(picker)["Yes"], user="amina", chat=bot.dm_chat("amina"))
    assert "closed" in bot.next_reply().text
