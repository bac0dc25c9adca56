"""Messages held for review: the review card, release and deletion, the case log, restarts and retention."""

from __future__ import annotations

import pytest

from core import DeleteMessage, DirectMessage, Reply

from .conftest import chat

TEXT = {
    "en": {"card": "Held for review #1 (case #1): @amina posted a link to win-money.biz",
           "release": "Release", "delete": "Delete", "denied": "Only a moderator can do that.",
           "listed": "#1 — @amina", "deleted": "Held message #1 deleted (case #2).",
           "member_rejected": "did not publish it", "logged": "held message rejected — amina, by @trainer",
           "again": "Held message #1 was already handled (deleted).", "none": "No message is held for review.",
           "saved": "Saved as #1: Safe delivery guide", "released": "Held message #2 released (case #4).",
           "member_released": "released it", "logged_release": "held message released — bekele, by @nurse2",
           "expired": "was not reviewed within 7 days", "expired_status": "(expired without a decision)",
           "repost": "@amina wrote (checked by a moderator):\nSee https://win-money.biz/offer"},
    "fr": {"card": "Retenu pour vérification n°1 (dossier n°1) : @amina a posté un lien vers win-money.biz",
           "release": "Publier", "delete": "Supprimer", "denied": "Seul un modérateur peut faire cela.",
           "listed": "n°1 — @amina", "deleted": "Message retenu n°1 supprimé (dossier n°2).",
           "member_rejected": "ne l'a pas publié", "logged": "message retenu refusé — amina, par @trainer",
           "again": "Le message retenu n°1 a déjà été traité (supprimé).",
           "none": "Aucun message n'est retenu pour vérification.",
           "saved": "Enregistré", "released": "Message retenu n°2 publié (dossier n°4).",
           "member_released": "l'a publié", "logged_release": "message retenu publié — bekele, par @nurse2",
           "expired": "n'a pas été vérifié en 7\xa0jours", "expired_status": "(expiré sans décision)",
           "repost": "@amina a écrit (vérifié par un modérateur) :\nSee https://win-money.biz/offer"},
}
LINKS = {"link_policy": "review", "trusted_domains": ("who.int",)}


def _review_card(bot):  # type: ignore[no-untyped-def]
    return [m for m in bot.new_messages() if isinstance(m, Reply) and m.chat.id == "review"][-1]


@pytest.mark.parametrize("platform", ["console", "telegram"])
@pytest.mark.parametrize("locale", ["en", "fr"])
async def test_a_held_message_can_be_deleted_and_a_held_save_released(cohort_bot, platform, locale):
    t = TEXT[locale]
    bot = await cohort_bot(platform, locale, plugins={"resources"}, **LINKS)
    review = chat(bot, "review")
    await bot.send("Hello", user="bekele")  # a member of the cohort (buttons of strangers are ignored)
    spam = await bot.send("Great deals at https://win-money.biz/offer", user="amina")
    assert [a.message_id for a in bot.actions(DeleteMessage)] == [spam.id]
    card = _review_card(bot)
    assert t["card"] in card.text
    buttons = bot.buttons(card)
    assert set(buttons) == {t["release"], t["delete"]}
    assert not any(data.endswith(":1") for data in buttons.values())  # opaque ids, not the number people see

    await bot.press(buttons[t["release"]], user="bekele", chat=review)  # a member in the review chat
    assert bot.next_reply().text == t["denied"]
    await bot.send("/held", user="trainer", chat=review)
    assert t["listed"] in bot.next_reply().text
    await bot.press(buttons[t["delete"]], user="trainer", chat=review)
    messages = bot.new_messages()
    assert any(m.text == t["deleted"] for m in messages)
    assert any(isinstance(m, DirectMessage) and m.user.id == "amina" and t["member_rejected"] in m.text for m in messages)
    assert not any(isinstance(m, Reply) and m.chat.id == "g1" and "win-money" in m.text for m in messages)
    await bot.send("/case 2", user="trainer", chat=review)
    assert t["logged"] in bot.next_reply().text
    await bot.press(buttons[t["release"]], user="nurse2", chat=review)  # a second moderator, too late
    assert bot.next_reply().text == t["again"]

    # a legitimate /save with a link outside the trusted list waits, across a restart, then runs when released
    await bot.send("/save Safe delivery guide https://www.safedelivery.org/guide #training", user="bekele")
    assert "safedelivery.org" in _review_card(bot).text
    await bot.send("/search safe delivery", user="bekele")
    assert "Safe delivery guide" not in bot.next_reply().text
    await bot.restart()
    await bot.send("/release 2", user="nurse2", chat=review)
    messages = bot.new_messages()
    assert any(m.text == t["released"] for m in messages)
    assert any(isinstance(m, Reply) and m.chat.id == "g1" and m.text.startswith(t["saved"]) for m in messages)
    assert any(isinstance(m, DirectMessage) and m.user.id == "bekele" and t["member_released"] in m.text for m in messages)
    await bot.send("/search safe delivery", user="bekele")
    assert "Safe delivery guide" in bot.next_reply().text
    await bot.send("/case 4", user="trainer", chat=review)
    assert t["logged_release"] in bot.next_reply().text
    await bot.send("/held", user="trainer", chat=review)
    assert bot.next_reply().text == t["none"]


@pytest.mark.parametrize("platform", ["console", "discord"])
@pytest.mark.parametrize("locale", ["en", "fr"])
async def test_a_released_plain_message_is_posted_and_an_undecided_one_expires(cohort_bot, platform, locale):
    t = TEXT[locale]
    bot = await cohort_bot(platform, locale, **LINKS)
    review = chat(bot, "review")
    await bot.send("See https://win-money.biz/offer", user="amina")
    bot.new_messages()
    await bot.send("/release 1", user="trainer", chat=review)
    posted = [m for m in bot.new_messages() if isinstance(m, Reply) and m.chat.id == "g1"]
    assert [m.text for m in posted] == [t["repost"]]

    await bot.send("Another one https://win-money.biz/2", user="amina")
    bot.new_messages()
    await bot.advance(days=7)
    notice = [m for m in bot.new_messages() if isinstance(m, DirectMessage) and m.user.id == "amina"]
    assert notice and t["expired"] in notice[0].text
    await bot.send("/release 2", user="trainer", chat=review)
    assert t["expired_status"] in bot.next_reply().text
    await bot.send("/held", user="trainer", chat=review)
    assert bot.next_reply().text == t["none"]


async def test_held_messages_of_one_community_are_decided_only_by_its_moderators(make_bot):
    """A moderator of another community cannot release a message held in cohort7, even with its number."""
    bot = await make_bot(platform="telegram", plugins={"moderation"}, config={
        "plugins": {"moderation": {"verify_joins": False, **LINKS}},
        "communities": {"cohort7": {"chats": ["telegram:g1"], "review_chat": "telegram:review",
                                    "moderators": ["telegram:trainer"]},
                        "cohort8": {"chats": ["telegram:g8"], "moderators": ["telegram:other"]}}})
    await bot.send("See https://win-money.biz/offer", user="amina")
    card = _review_card(bot)
    await bot.send("/release 1", user="other", chat=chat(bot, "g8"))
    assert "moderator" in bot.next_reply().text
    await bot.press(bot.buttons(card)["Release"], user="other", chat=chat(bot, "g8"))
    assert bot.next_reply().text == "Only a moderator can do that."
    assert not [m for m in bot.new_messages() if isinstance(m, Reply) and m.chat.id == "g1"]


UNKNOWN_HELD = "There is no such held message. /held lists the ones waiting."


@pytest.mark.parametrize("text, answer", [("/release 0", UNKNOWN_HELD), ("/reject -4", UNKNOWN_HELD), ("/release 7", UNKNOWN_HELD),
                                          ("/release 99999999999999999999", "#99999999999999999999 does not exist.")])
async def test_unknown_held_numbers_get_a_plain_answer(cohort_bot, text, answer):
    bot = await cohort_bot("telegram", **LINKS)
    await bot.send(text, user="trainer", chat=chat(bot, "review"))
    assert bot.next_reply().text == answer
