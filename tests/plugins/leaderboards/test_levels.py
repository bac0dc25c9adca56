"""Learning levels, badges, the Champion announcement and the cohort's progress."""

from __future__ import annotations

from core import Reply
from tests.plugins.leaderboards.conftest import MODULES, greet

GROUP = {"chats": ["telegram:g1"]}


def announcements(bot):
    return [a.text for a in bot.actions(Reply) if "New Champion" in a.text]


async def test_levels_badges_and_champion_announced_once(lb):
    bot = await lb(modules=MODULES, community=GROUP)
    await greet(bot, "amina")
    await bot.send("/level pph expert", user="amina")
    assert bot.next_reply().text == "Recorded: PPH, expert."
    assert announcements(bot) == []
    await bot.send("/level Sepsis expert", user="amina")
    assert bot.next_reply().text == "Recorded: Sepsis, expert."
    assert announcements(bot) == ["Congratulations amina: expert in every module (2). New Champion!"]
    await bot.send("/rank", user="amina")
    assert "Badges: Champion, PPH expert, Sepsis expert" in bot.new_messages()[-1].text
    # lowering and raising a level again does not announce a second time, even after a restart
    await bot.send("/level sepsis proficient", user="amina")
    await bot.restart()
    await bot.send("/level sepsis expert", user="amina")
    assert len(announcements(bot)) == 0  # the new adapter has announced nothing
    assert "Recorded: Sepsis, expert." in bot.actions(Reply)[-1].text


async def test_french_level_words_are_accepted(lb):
    bot = await lb(modules=MODULES, community={"locale": "fr"})
    await bot.send("/level pph compétent", user="amina")
    assert bot.next_reply().text == "Enregistré : PPH, compétent."
    await bot.send("/level sepsis familier", user="amina")
    bot.next_reply()
    await bot.send("/level", user="amina")
    assert bot.next_reply().text == "Vos niveaux : PPH : compétent; Sepsis : familier"


async def test_unknown_module_or_level(lb):
    bot = await lb(modules=MODULES)
    await bot.send("/level cardio expert", user="amina")
    assert bot.next_reply().text == "I don't know the module 'cardio'. Modules here: pph, sepsis."
    await bot.send("/level pph guru", user="amina")
    assert bot.next_reply().text == "'guru' is not a level. Use familiar, proficient or expert."
    await bot.send("/level pph", user="amina")
    assert bot.next_reply().text == "Usage: /level pph familiar|proficient|expert"
    await bot.send("/level", user="amina")
    assert bot.next_reply().text == "You have not recorded a level yet. Example: /level pph proficient"


async def test_no_modules_configured(lb):
    bot = await lb()
    await bot.send("/level pph expert", user="amina")
    assert bot.next_reply().text == "No clinical modules are set up in this community yet."


async def test_levels_wait_for_confirmation_when_required(lb):
    bot = await lb(modules=["pph"], confirm_levels=True, community=GROUP)
    await greet(bot, "amina", "bekele")
    await bot.send("/level pph expert", user="amina")
    assert bot.next_reply().text == "Recorded: pph, expert. A moderator will confirm it (/confirmlevel @amina pph)."
    await bot.send("/rank", user="amina")
    assert "Badges" not in bot.next_reply().text
    await bot.send("/confirmlevel @amina pph", user="bekele")
    assert bot.next_reply().text == "Only a moderator can use /confirmlevel."
    await bot.send("/confirmlevel @amina pph", user="trainer")
    assert bot.next_reply().text == "Confirmed: amina, pph, expert."
    assert announcements(bot) == ["Congratulations amina: expert in every module (1). New Champion!"]
    bot.new_messages()
    await bot.send("/confirmlevel @amina pph", user="trainer")
    assert bot.next_reply().text == "amina has no level waiting for confirmation in pph."
    await bot.send("/level pph proficient", user="amina")  # lowering a confirmed level needs no confirmation
    assert bot.next_reply().text == "Recorded: pph, proficient."
    await bot.send("/confirmlevel @ghost pph", user="trainer")
    assert bot.next_reply().text.startswith("I don't know @ghost here.")


async def test_progress_counts_proficient_or_better_among_active_members(lb):
    bot = await lb(modules=MODULES)
    await greet(bot, "amina", "bekele", "chaltu", "dawit")
    await bot.send("/level pph expert", user="amina")
    await bot.send("/level pph proficient", user="bekele")
    await bot.send("/level pph familiar", user="chaltu")
    await bot.send("/level sepsis proficient", user="chaltu")
    bot.new_messages()
    await bot.send("/progress", user="dawit")
    assert bot.next_reply().text.splitlines() == [
        "Progress toward the Champion certificate. Learners: 4 (moderators and trainers are not counted).",
        "2/4 proficient or better in PPH", "1/4 proficient or better in Sepsis",
        "Champions (expert in every module): 0/4", "One module away from Champion: 1/4"]  # amina: PPH expert
