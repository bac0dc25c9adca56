"""An open quiz keeps its answers to itself; a vote for several options is confirmed with their texts."""

from __future__ import annotations

import pytest

QUIZ_EN = "/quiz Oxytocin IM dose for PPH prevention? | 5 IU | *10 IU | 20 IU | explain: WHO 2018 | closes: 2h"
QUIZ_FR = "/quiz Dose d'ocytocine IM contre l'HPP ? | 5 UI | *10 UI | 20 UI | explain: OMS 2018 | closes: 2h"


@pytest.mark.parametrize("platform", ["console", "discord"])
async def test_results_of_an_open_quiz_show_only_how_many_answered(make_bot, platform):
    bot = await make_bot(platform=platform, plugins={"polls"}, community={"timezone": "UTC"})
    await bot.send(QUIZ_EN, user="trainer")
    await bot.send("/vote 1 2", user="amina")
    await bot.send("/vote 1 2", user="bekele")
    bot.new_messages()
    await bot.send("/results 1", user="chidi")
    text = bot.next_reply().text
    assert text == ("Quiz #1: 2 answers so far. The results and the correct answer are shown when it closes "
                    "(Thu 26 Nov 11:00).")
    assert "10 IU" not in text and "100%" not in text and "WHO" not in text
    await bot.advance(hours=2)
    final = bot.new_messages()[-1].text
    assert "2. 10 IU" in final and "2 (100%) ✓" in final and "WHO 2018" in final
    await bot.send("/results 1", user="chidi")
    assert "Correct answer: 2. 10 IU" in bot.next_reply().text  # once closed, everything is shown


async def test_results_of_an_open_quiz_in_french(make_bot):
    bot = await make_bot(platform="telegram", plugins={"polls"}, community={"locale": "fr"},
                         config={"plugins": {"polls": {"native": False}}})
    await bot.send(QUIZ_FR, user="formatrice")
    await bot.send("/vote 1 3", user="awa")
    bot.new_messages()
    await bot.send("/results 1", user="fatou")
    text = bot.next_reply().text
    assert text.startswith("Quiz n°1 : 1 réponse pour l'instant. Les résultats et la bonne réponse seront affichés "
                           "à la fermeture (")
    assert "20 UI" not in text and "OMS" not in text


@pytest.mark.parametrize("platform", ["console", "telegram"])
async def test_a_multiple_choice_vote_is_confirmed_with_the_option_texts(make_bot, platform):
    bot = await make_bot(platform=platform, plugins={"polls"})
    await bot.send("/poll multiple | Which topics next? | Skin to skin | Cord care | Delayed clamping", user="trainer")
    bot.new_messages()
    await bot.send("/vote 1 3 1", user="amina")
    assert bot.next_reply().text == "Vote recorded in poll #1: 1. Skin to skin, 3. Delayed clamping."
    await bot.send("/vote 1 2", user="amina")
    assert bot.next_reply().text == "Vote changed in poll #1: 2. Cord care."


async def test_a_multiple_choice_vote_is_confirmed_with_the_option_texts_in_french(make_bot):
    bot = await make_bot(platform="discord", plugins={"polls"}, community={"locale": "fr"})
    await bot.send("/sondage multiple | Quels thèmes ? | Peau à peau | Soins du cordon | Clampage tardif", user="formatrice")
    bot.new_messages()
    await bot.send("/vote 1 1 2", user="awa")
    assert bot.next_reply().text == "Vote enregistré pour le sondage n°1 : 1. Peau à peau, 2. Soins du cordon."
