"""Mentions resolve to known members of the community: Discord <@id>, Telegram text mentions, @username."""

from __future__ import annotations

from core import Restrict, User


def cohort(*members: str) -> dict[str, dict[str, object]]:
    return {"cohort7": {"moderators": ["mod7"], "members": list(members)}, "cohort8": {"members": ["outsider"]}}


async def test_discord_mentions_as_the_client_sends_them(make_bot):
    bot = await make_bot(platform="discord", plugins={"leaderboards", "moderation"}, communities=cohort("amina", "bekele"))
    amina = bot.user("amina")
    await bot.send("/thanks <@amina> for the notes", user="bekele", mentions=[amina])
    assert bot.next_reply().text.startswith("Thanks sent to amina")
    await bot.send("/mute <@!amina> 1h calm down", user="mod7", mentions=[amina])
    assert [a.user.uid for a in bot.actions(Restrict)] == ["discord:amina"]


async def test_a_telegram_text_mention_of_a_member_without_username(make_bot):
    bot = await make_bot(platform="telegram", plugins={"moderation"}, communities=cohort("bekele"))
    hawa = User(platform="telegram", id="555", name="Hawa", handle=None)
    await bot.send("hello", user=hawa, chat="cohort7")
    await bot.send("/mute Hawa 1h calm down", user="mod7", mentions=[hawa])
    assert [a.user.uid for a in bot.actions(Restrict)] == ["telegram:555"]


async def test_unknown_names_and_the_bot_are_never_targets(make_bot):
    bot = await make_bot(platform="telegram", plugins={"leaderboards", "moderation"}, communities=cohort("amina"))
    ghost = User(platform="telegram", id="999", name="nobody", handle="nobody")
    await bot.send("/mute @nobody 1h spam", user="mod7", mentions=[ghost])
    assert "nobody" in bot.next_reply().text and not bot.actions(Restrict)
    await bot.send("/mute @outsider 1h spam", user="mod7")  # a member of another community only
    assert "I don't know @outsider in this community" in bot.next_reply().text and not bot.actions(Restrict)
    await bot.send("/thanks @practica_bot", user="amina")
    assert "is a bot: thank a person" in bot.next_reply().text
    await bot.send("/top", user="amina")
    assert "practica" not in bot.next_reply().text.lower()
    await bot.send("/warn @practica_bot no", user="mod7")
    assert "can't act on a bot" in bot.next_reply().text
    await bot.send("/points @practica_bot +5 good", user="mod7")
    assert "Thanks" not in bot.next_reply().text
    await bot.send("/cases @practica_bot", user="mod7")
    assert "#1" not in bot.next_reply().text
