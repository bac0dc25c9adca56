"""/progress counts learners only: moderators, admins and owners (configured or by the platform) are staff."""

from __future__ import annotations

import pytest

from core import Role
from tests.plugins.leaderboards.conftest import greet

MODULES = {"pph": "PPH", "sepsis": "Sepsis", "hbb": "Helping Babies Breathe"}


async def _cohort(make_bot, platform: str, locale: str):
    bot = await make_bot(platform=platform, plugins={"leaderboards"}, config={
        "plugins": {"leaderboards": {"modules": MODULES}},
        "communities": {"cohort7": {"chats": [f"{platform}:g1"], "locale": locale,
                                    "moderators": [f"{platform}:trainer", f"{platform}:mod2"],
                                    "admins": [f"{platform}:coordinator"]}}})
    bot.set_platform_role("groupadmin", Role.ADMIN)  # an administrator of the chat, not in plugins.toml
    await greet(bot, "amina", "bekele", "chaltu", "dawit", "trainer", "mod2", "coordinator", "groupadmin")
    levels = {"amina": ("expert", "expert", "expert"), "bekele": ("expert", "expert", "proficient"),
              "chaltu": ("proficient", "familiar", ""), "trainer": ("expert", "expert", "expert"),
              "mod2": ("expert", "expert", "expert"), "coordinator": ("expert", "expert", ""),
              "groupadmin": ("expert", "expert", "expert")}
    for name, values in levels.items():
        for module, level in zip(MODULES, values):
            if level:
                await bot.send(f"/level {module} {level}", user=name)
    bot.new_messages()
    return bot


@pytest.mark.parametrize("platform", ["console", "telegram"])
async def test_progress_counts_learners_only_with_champions_and_one_module_away(make_bot, platform):
    bot = await _cohort(make_bot, platform, "en")
    await bot.send("/progress", user="dawit")
    assert bot.next_reply().text.splitlines() == [
        "Progress toward the Champion certificate. Learners: 4 (moderators and trainers are not counted).",
        "3/4 proficient or better in PPH",
        "2/4 proficient or better in Sepsis",
        "2/4 proficient or better in Helping Babies Breathe",
        "Champions (expert in every module): 1/4",
        "One module away from Champion: 1/4",
    ]


async def test_progress_counts_learners_only_in_french(make_bot):
    bot = await _cohort(make_bot, "discord", "fr")
    await bot.send("/progres", user="dawit")
    assert bot.next_reply().text.splitlines() == [
        "Progrès vers le certificat de Champion. Apprenants : 4 (modérateurs et formateurs non comptés).",
        "3/4 compétents ou mieux en PPH",
        "2/4 compétents ou mieux en Sepsis",
        "2/4 compétents ou mieux en Helping Babies Breathe",
        "Champions (experts dans tous les modules) : 1/4",
        "À un module du titre de Champion : 1/4",
    ]
