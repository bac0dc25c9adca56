"""Conversation tests: create, vote, change, close on time after a restart, native vs text, bad input."""

from __future__ import annotations

import pytest

from core import DeleteMessage, DirectMessage, Reply, SendPoll, StopPoll

from .helpers import PLATFORMS, all_texts, last_text_poll, poll_ref, sent_id, vote_any_way


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_create_vote_change_and_close_after_restart(make_bot, platform):
    bot = await make_bot(platform=platform, plugins={"polls"})
    await bot.send("/poll Next micro-lecture? | Breastfeeding | Postpartum bleeding | Newborn care | closes: 2h",
                   user="trainer")
    if platform == "console":
        assert not bot.actions(SendPoll)
        assert "1. Breastfeeding" in bot.next_reply().text
    else:
        assert bot.actions(SendPoll)[0].poll.options == ("Breastfeeding", "Postpartum bleeding", "Newborn care")
        assert "visible to the group" in bot.next_reply().text
    await bot.send("/vote 1 2", user="amina")
    assert "2. Postpartum bleeding" in bot.next_reply().text
    await bot.send("/vote 1 3", user="amina")
    assert "changed" in bot.next_reply().text
    await bot.send("/vote 1 3", user="bekele")
    bot.new_messages()

    await bot.restart()
    await bot.advance(hours=1, minutes=59)
    assert not [a for a in bot.actions(Reply) if "Final results" in a.text]
    await bot.advance(minutes=2)
    final = [a for a in bot.actions(Reply) if "Final results of poll #1" in a.text]
    assert len(final) == 1
    assert "3. Newborn care" in final[0].text and "2 (100%)" in final[0].text and "2 votes" in final[0].text
    assert bool(bot.actions(StopPoll)) == (platform != "console")
    await bot.advance(hours=5)  # closes once only
    assert len([a for a in bot.actions(Reply) if "Final results" in a.text]) == 1
    bot.new_messages()  # the final results above were read through actions()
    await bot.send("/vote 1 1", user="chidi")
    assert bot.next_reply().text == "Poll #1 is closed. See its results with /results 1."


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_results_identical_whether_votes_came_natively_or_as_text(make_bot, platform):
    texts = []
    for native in (True, False):
        bot = await make_bot(platform=platform, plugins={"polls"}, members=("amina", "bekele", "chidi"))
        await bot.send("/poll Best day? | Monday | Wednesday | Friday")
        await vote_any_way(bot, 1, 1, "amina", native=native)
        await vote_any_way(bot, 1, 3, "bekele", native=native)
        await vote_any_way(bot, 1, 3, "chidi", native=native)
        await vote_any_way(bot, 1, 1, "bekele", native=native)  # changed vote
        bot.new_messages()
        await bot.send("/results 1")
        texts.append(bot.next_reply().text)
    assert texts[0] == texts[1]
    assert "1. Monday    ███████░░░ 2 (67%)" in texts[0] and "3 votes" in texts[0]


async def test_native_retract_and_discord_add_remove(make_bot):
    bot = await make_bot(platform="discord", plugins={"polls"})
    await bot.send("/poll multiple | Which days? | Mon | Tue | Wed")
    ref = poll_ref(bot)
    await bot.vote(ref, [0], user="amina", mode="add")
    await bot.vote(ref, [2], user="amina", mode="add")
    await bot.vote(ref, [0], user="amina", mode="remove")
    await bot.vote(ref, [1], user="bekele", mode="add")
    await bot.vote(ref, [1], user="bekele", mode="remove")
    bot.new_messages()
    await bot.send("/results 1")
    text = bot.next_reply().text
    assert "3. Wed" in text and "1 (100%)" in text and "1 vote" in text


async def test_twelve_options_fall_back_to_text_on_discord_but_not_telegram(make_bot):
    options = " | ".join(f"Topic {i}" for i in range(1, 13))
    discord = await make_bot(platform="discord", plugins={"polls"})
    await discord.send(f"/poll Which topic? | {options}")
    assert not discord.actions(SendPoll)
    assert "12. Topic 12" in discord.next_reply().text
    await discord.send("/vote 1 12", user="bekele")
    assert "12. Topic 12" in discord.next_reply().text
    await discord.send("11", user="amina", reply_to=sent_id(discord, last_text_poll(discord)))
    assert "11. Topic 11" in discord.next_reply().text
    telegram = await make_bot(platform="telegram", plugins={"polls"})
    await telegram.send(f"/poll Which topic? | {options}")
    assert len(telegram.actions(SendPoll)[0].poll.options) == 12


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_anonymous_poll_never_shows_voters(make_bot, platform):
    bot = await make_bot(platform=platform, plugins={"polls"}, moderators=["trainer"], members=("amina", "bekele"))
    await bot.send("/poll anonymous | Do you feel safe at work? | Yes | No | closes: 1h", user="trainer")
    assert not bot.actions(SendPoll)  # a platform poll would show names or hide per-member votes
    await bot.send("/vote 1 2", user="amina", chat="dm")
    await bot.send("/vote 1 1", user="bekele")
    await bot.send("/vote 1 2", user="bekele", chat="dm")  # changed, still one vote
    if bot.runtime.capabilities(platform).delete:
        assert bot.actions(DeleteMessage)  # the group message showed a choice
    for command in ("/results 1", "/polls", "/help poll"):
        await bot.send(command, user="trainer")
    await bot.send("/mydata", user="trainer")
    await bot.advance(hours=1)
    out = all_texts(bot)
    assert "2 votes" in out and "2. No" in out and "2 (100%)" in out
    for name in ("amina", "bekele", "Amina", "Bekele"):
        assert name not in out.replace("dm-amina", "").replace("dm-bekele", "")


@pytest.mark.parametrize("text, expected", [
    ("/poll", "Write the question and at least 2 options separated by |, like: /poll Which day? | Monday | Friday"),
    ("/poll What now?", "A poll needs at least 2 options separated by |. Example: /poll Which day? | Monday | Friday"),
    ("/poll What now? | Rest", "A poll needs at least 2 options; you gave only one. Add another after a |."),
    ("/poll Q? | " + " | ".join(f"o{i}" for i in range(30)), "A poll takes at most 20 options; you gave 30."),
    ("/poll Q? | A |  | B", "Option 2 is empty: remove the extra | or write the option."),
    ("/poll Q? | Yes | yes", 'Options 1 and 2 are the same ("yes"); each option must be different.'),
    ("/poll Q? | A | B | closes: yesterday 10:00", '"yesterday 10:00" is already past: give a closing time still ahead.'),
    ("/poll Q? | A | B | closes: 2026-11-01 10:00", '"2026-11-01 10:00" is already past: give a closing time still ahead.'),
    ("/poll Q? | A | B | closes: someday", 'I could not read "someday" as a closing time. Try \'closes: 2h\', \'closes: 3 days\' or \'closes: friday 17h\'.'),
    ("/quiz Q? | A | B", "Mark the correct answer with *, like: /quiz 2+2? | 3 | *4 | 5"),
])
async def test_bad_poll_input_gets_one_clear_line(make_bot, text, expected):
    bot = await make_bot(platform="telegram", plugins={"polls"})
    await bot.send(text)
    reply = bot.next_reply().text
    assert reply == expected and "\n" not in reply
    assert not bot.actions(SendPoll)
    await bot.send("/polls")
    assert "No open polls" in bot.next_reply().text


async def test_bad_votes_get_one_clear_line(make_bot):
    bot = await make_bot(plugins={"polls"})
    await bot.send("/poll Q? | A | B | C")
    await bot.send("/poll Other? | X | Y | closes: 1h")
    bot.new_messages()
    await bot.advance(hours=2)
    bot.new_messages()
    cases = [
        ("/vote 9 1", "There is no poll #9 here. Send /polls to see the open polls."),
        ("/vote 2 1", "Poll #2 is closed. See its results with /results 2."),
        ("/vote 1 4", "Poll #1 has options 1 to 3; 4 is not one of them."),
        ("/vote 1 0", "Poll #1 has options 1 to 3; 0 is not one of them."),
        ("/vote 1 1 2", "Poll #1 takes one answer: send one number."),
        ("/vote 1 blue", "Give your choice as a number from 1 to 3, like /vote 1 2."),
        ("/vote", "Give the poll and your choice, like /vote 3 2."),
        ("/results x", "Which poll? Give its number, like /results 3. Send /polls to see the open polls."),
    ]
    for text, expected in cases:
        await bot.send(text)
        assert bot.next_reply().text == expected, text
    await bot.send("/results 1")
    assert "0 votes" in bot.next_reply().text  # nothing was stored by the bad votes


async def test_final_hidden_multiple_poll(make_bot):
    bot = await make_bot(platform="telegram", plugins={"polls"})
    await bot.send("/poll multiple hidden final | Which days suit you? | Mon | Tue | Wed | closes: 1 day")
    assert not bot.actions(SendPoll)  # Telegram shows results to voters and lets them change: text poll
    assert "hidden" in bot.next_reply().text
    await bot.send("/vote 1 1 3", user="amina")
    assert bot.next_reply().text == "Vote recorded in poll #1: 1. Mon, 3. Wed."
    await bot.send("/vote 1 2", user="amina")
    assert bot.next_reply().text == "Votes in poll #1 are final: you have already voted."
    await bot.send("/results 1", user="amina")
    assert bot.next_reply().text == "Poll #1: 1 vote so far. Results are shown when it closes (Fri 27 Nov 09:00)."
    await bot.advance(days=1)
    final = bot.next_reply().text
    assert "1. Mon" in final and "2. Tue" in final and "1 (100%)" in final and "Several answers" in final


async def test_close_by_author_or_moderator_only(make_bot):
    bot = await make_bot(platform="telegram", plugins={"polls"}, moderators=["trainer"])
    await bot.send("/poll Q? | A | B | closes: 3h", user="amina")
    await bot.send("/poll R? | A | B", user="amina")
    bot.new_messages()
    await bot.send("/closepoll 1", user="bekele")
    assert bot.next_reply().text == "Only the author of poll #1 or a moderator can close it."
    await bot.send("/closepoll 1", user="amina")
    assert "Final results of poll #1" in bot.next_reply().text
    await bot.send("/closepoll 2", user="trainer")
    assert "Final results of poll #2" in bot.next_reply().text
    await bot.send("/closepoll 2", user="trainer")
    assert bot.next_reply().text == "Poll #2 is already closed. See its results with /results 2."
    await bot.advance(hours=4)
    bot.assert_no_replies()  # the scheduled close found it closed
    assert len(bot.actions(StopPoll)) == 2


async def test_polls_lists_open_polls(make_bot):
    bot = await make_bot(plugins={"polls"})
    await bot.send("/poll Q? | A | B | closes: 2h")
    await bot.send("/quiz Dose? | 5 IU | *10 IU")
    await bot.send("/vote 1 1", user="bekele")
    bot.new_messages()
    await bot.send("/polls")
    text = bot.next_reply().text
    assert "#1 Q? — 1 vote, closes Thu 26 Nov 11:00" in text and "#2 (quiz) Dose? — 0 votes" in text


async def test_quiz_emits_once_per_member_and_shows_answer_at_close(make_bot):
    seen = []

    class Listener:
        """Records quiz answers."""

        from core import hookimpl

        @hookimpl
        async def practica_on_event(self, event, ctx):
            if type(event).__name__ == "QuizAnswered":
                seen.append((event.member.name, event.poll_id, event.correct))

    bot = await make_bot(platform="discord", plugins={"polls"}, extra_plugins={"listener": Listener()})
    await bot.send("/quiz Oxytocin IM dose for PPH prevention? | 5 IU | *10 IU | 20 IU | explain: WHO 2018 | closes: 1h",
                   user="trainer")
    assert not bot.actions(SendPoll)  # Discord has no quiz polls
    assert "Quiz #1" in bot.next_reply().text
    await bot.send("/vote 1 1", user="amina")
    assert "correct answer is shown when it closes" in bot.next_reply().text
    await bot.send("/vote 1 2", user="amina")  # a changed answer does not score again
    await bot.send("/vote 1 2", user="bekele")
    assert seen == [("amina", 1, False), ("bekele", 1, True)]
    await bot.advance(hours=1)
    final = bot.new_messages()[-1].text
    assert "2. 10 IU" in final and "✓" in final and "WHO 2018" in final


async def test_native_quiz_on_telegram(make_bot):
    bot = await make_bot(platform="telegram", plugins={"polls"})
    await bot.send("/quiz 2+2? | 3 | *4 | explain: count")
    spec = bot.actions(SendPoll)[0].poll
    assert spec.correct_option == 1 and spec.explanation == "count" and not spec.anonymous


async def test_reminder_to_non_voters_respects_quiet_hours(make_bot):
    bot = await make_bot(platform="telegram", plugins={"polls"},
                         config={"plugins": {"polls": {"remind_before": "2h", "quiet_hours": "22:00-06:00"}}},
                         community={"timezone": "UTC"})
    for name in ("amina", "bekele", "chidi"):
        await bot.join(name)
    # closes Fri 07:00: 2h before is 05:00, in quiet hours -> moved to 06:00
    await bot.send("/poll Meeting? | Yes | No | closes: friday 7:00", user="amina")
    await bot.send("/vote 1 1", user="amina")
    bot.new_messages()
    await bot.advance(hours=20, minutes=59)  # Fri 05:59
    assert not bot.actions(DirectMessage)
    await bot.advance(minutes=1)
    reminded = {a.user.name for a in bot.actions(DirectMessage)}
    assert reminded == {"bekele", "chidi"}
    assert "poll #1" in bot.actions(DirectMessage)[0].text


async def test_reminder_dropped_when_quiet_hours_last_until_close(make_bot):
    bot = await make_bot(platform="telegram", plugins={"polls"},
                         config={"plugins": {"polls": {"remind_before": "2h", "quiet_hours": "22:00-06:00"}}},
                         community={"timezone": "UTC"})
    await bot.join("bekele")
    await bot.send("/poll Meeting? | Yes | No | closes: friday 5:00")
    await bot.advance(days=1)
    assert not bot.actions(DirectMessage)


async def test_help_poll_shows_the_syntax_in_both_languages(make_bot):
    bot = await make_bot(plugins={"polls"})
    await bot.send("/help poll")
    text = bot.next_reply().text
    assert "Flags (multiple, anonymous, hidden, final) go before the question" in text and "Options go first" not in text
    assert 'A bare "closes: 17h" means in 17 hours' in text
    fr = await make_bot(plugins={"polls"}, community={"locale": "fr"})
    await fr.send("/help poll")
    text = fr.next_reply().text
    assert "Les options (plusieurs, anonyme, caché, définitif) avant la question" in text
    assert "ferme: vendredi 17h" in text and "« ferme: 17h » veut dire à 17:00" in text
    await fr.send("/poll Q?")
    assert fr.next_reply().text.startswith("Un sondage a besoin d'au moins 2 choix")


async def test_private_vote_reaches_a_poll_of_the_members_community(make_bot):
    bot = await make_bot(plugins={"polls"}, config={"communities": {"cohort": {"chats": ["console:g1"]}}})
    await bot.send("/poll anonymous | Safe? | Yes | No", user="trainer")
    await bot.send("hello", user="amina")  # amina is a member of the cohort
    bot.new_messages()
    await bot.send("/vote 1 2", user="amina", chat="dm")
    assert bot.next_reply().text == "Your vote in anonymous poll #1 is recorded."
    await bot.send("/vote 1 2", user="stranger", chat="dm")
    assert bot.next_reply().text == "There is no poll #1 here. Send /polls to see the open polls."


def closing_line(bot) -> str:  # type: ignore[no-untyped-def]
    return [line for line in all_texts(bot).splitlines() if line.startswith(("Closes", "Fermeture"))][-1]


@pytest.mark.parametrize("platform", ["console", "telegram"])
async def test_17h_is_a_duration_in_english_and_a_time_of_day_in_french(make_bot, platform):
    """Thursday 26 Nov, 09:00: "closes: 17h" is 17 hours later in English, 17:00 today in French."""
    config = {"communities": {"cohort7": {"chats": [f"{platform}:g1"], "timezone": "UTC"}}}
    bot = await make_bot(platform=platform, plugins={"polls"}, config=config)
    await bot.send("/poll Which day? | Mon | Fri | closes: 17h")
    assert closing_line(bot) == "Closes Fri 27 Nov 02:00."
    await bot.send("/poll Which room? | A | B | closes: friday 17h")
    assert closing_line(bot) == "Closes Fri 27 Nov 17:00."

    config["communities"]["cohort7"]["locale"] = "fr"
    fr = await make_bot(platform=platform, plugins={"polls"}, config=config)
    await fr.send("/sondage Quel jour ? | Lundi | Vendredi | ferme: 17h")
    assert closing_line(fr) == "Fermeture : jeu. 26 nov. 17:00."
    await fr.send("/sondage Quelle salle ? | A | B | ferme: dans 17 h")
    assert closing_line(fr) == "Fermeture : ven. 27 nov. 02:00."
    await fr.send("/sondage Quel mois ? | Mai | Juin | ferme: 17 heures")
    assert closing_line(fr) == "Fermeture : ven. 27 nov. 02:00."


@pytest.mark.parametrize("platform", ["console", "telegram"])
async def test_a_french_reader_is_reminded_with_a_french_date_in_an_english_community(make_bot, platform):
    config = {"communities": {"cohort7": {"chats": [f"{platform}:g1"], "timezone": "UTC", "locale": "en"}},
              "plugins": {"polls": {"remind_before": "2h"}}}
    bot = await make_bot(platform=platform, plugins={"polls"}, config=config)
    for name in ("amina", "bekele"):
        await bot.send("hello", user=name)
    await bot.send("/lang fr", user="bekele", chat="dm")
    await bot.send("/poll Meeting? | Yes | No | closes: friday 17:00", user="amina")
    await bot.send("/vote 1 1", user="amina")
    bot.new_messages()
    await bot.advance(days=1, hours=6)  # Friday 15:00, two hours before the close
    (reminder,) = [a for a in bot.actions(DirectMessage) if a.user.name == "bekele"]
    assert reminder.text == ("Rappel : le sondage n°1 « Meeting? » ferme ven. 27 nov. 17:00 et vous n'avez pas encore voté. "
                             "Votez avec /voter 1 <numéro>.")
