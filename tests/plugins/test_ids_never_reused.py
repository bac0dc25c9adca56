"""Numbers shown to people are never handed out twice, even after /forgetme or a deletion, so a new
object never inherits an old one's number, messages or scheduled reminders."""

from __future__ import annotations

import pytest

from core import DeclineJoin

TEXTS = {
    "en": {"review": "Join request #{id} from {name}", "reminder": "Reminder: this request is still waiting.",
           "confirm": "confirm", "done": "Done"},
    "fr": {"review": "Demande d'adhésion n°{id} de {name}", "reminder": "Rappel : cette demande attend toujours.",
           "confirm": "oui", "done": "C'est fait"},
}


async def _request_and_answer(bot, name: str) -> None:
    await bot.join_request(name)
    await bot.send("midwife", user=name, chat="dm")


@pytest.mark.parametrize("practica_community", ["default"])  # an applicant's private chat speaks `default`'s language
@pytest.mark.parametrize("platform, locale", [("console", "en"), ("telegram", "fr"), ("discord", "en")])
async def test_a_join_request_after_forgetme_gets_a_new_number_and_its_own_reminders(make_bot, platform, locale):
    text = TEXTS[locale]
    bot = await make_bot(platform=platform, plugins={"moderation"}, moderators=["trainer"],
                         config={"plugins": {"moderation": {"verify_joins": True, "questions": ["Cadre?"],
                                                            "reannounce_after_hours": 12, "expire_after_hours": 48}}},
                         community={"locale": locale, "review_chat": f"{platform}:review"})
    if platform == "discord":  # no join requests on Discord: a new member is gated instead
        bot.join_request = lambda name: bot.join(name)  # type: ignore[method-assign]
    await _request_and_answer(bot, "amina")
    assert any(text["review"].format(id=1, name="amina") in m.text for m in bot.new_messages())
    await bot.advance(hours=1)
    await bot.send("/forgetme", user="amina", chat="dm")
    await bot.send(f"/forgetme {text['confirm']}", user="amina", chat="dm")
    assert bot.new_messages()[-1].text.startswith(text["done"])

    await bot.advance(hours=5)  # six hours after amina's request, bekele asks
    await _request_and_answer(bot, "bekele")
    reviews = [m.text for m in bot.new_messages()]
    assert any(text["review"].format(id=2, name="bekele") in t for t in reviews), reviews

    await bot.advance(hours=6)  # amina's request would have been re-announced now: nothing for bekele yet
    assert not [m for m in bot.new_messages() if text["reminder"] in m.text]
    await bot.advance(hours=6)  # twelve hours after bekele's answers: his reminder, under his own number
    reminders = [m.text for m in bot.new_messages() if text["reminder"] in m.text]
    assert len(reminders) == 1 and text["review"].format(id=2, name="bekele") in reminders[0]
    await bot.send("/approve 1", user="trainer", chat="dm")
    assert "bekele" not in bot.next_reply().text  # #1 was amina's: it is not bekele's request
    if platform == "telegram":
        await bot.advance(hours=36)  # 48 hours after bekele's request: it expires
        assert [a.user.uid for a in bot.actions(DeclineJoin)] == ["telegram:bekele"]


@pytest.mark.parametrize("platform", ["console", "telegram"])
async def test_a_library_item_saved_after_a_deletion_gets_a_new_number(make_bot, platform):
    bot = await make_bot(platform=platform, plugins={"resources"}, moderators=["trainer"])
    await bot.send("/save Misoprostol dosing https://example.org/miso", user="amina")
    await bot.send("/save Cord clamping https://example.org/cord", user="amina")
    bot.new_messages()
    await bot.send("/delete 2", user="trainer")
    bot.new_messages()
    await bot.send("/save Breech delivery https://example.org/breech", user="bekele")
    assert "#3" in bot.next_reply().text
    await bot.send("/get 2", user="amina")
    assert "Breech" not in bot.next_reply().text


async def test_a_library_item_saved_after_a_deletion_gets_a_new_number_in_french(make_bot):
    bot = await make_bot(platform="discord", plugins={"resources"}, moderators=["formatrice"], community={"locale": "fr"})
    await bot.send("/save Dose de misoprostol https://example.org/miso", user="awa")
    bot.new_messages()
    await bot.send("/delete 1", user="formatrice")
    bot.new_messages()
    await bot.send("/save Siège https://example.org/siege", user="fatou")
    assert bot.next_reply().text == "Enregistré sous le numéro #2 : Siège"
