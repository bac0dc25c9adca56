"""/mydata: a short readable summary in the member's language, and the full data as a file."""

from __future__ import annotations

import json
import stat
import textwrap
from pathlib import Path

import pytest

from core import DirectMessage, UploadFile
from tests.core.test_config_and_cli import run_cli
from tests.exports import exported

COHORT = {"timezone": "Africa/Addis_Ababa"}  # UTC+3: 09:00 UTC is shown as 12:00


async def _busy_member(make_bot, platform: str, locale: str):
    bot = await make_bot(platform=platform, moderators=["trainer"], community={**COHORT, "locale": locale},
                         config={"plugins": {"leaderboards": {"modules": {"pph": "PPH"}}}})
    await bot.send("/homework add Breech practice | due next monday 18:00 | manikin", user="trainer")
    for text in ("/done 1 practised twice", "/quiet 22:00-06:00", "/level pph proficient", "/team Adama HC",
                 "/save Misoprostol dosing https://example.org/miso"):
        await bot.send(text, user="amina")
        await bot.advance(minutes=1)
    await bot.send("/poll Which day suits you? | Mon | Tue", user="trainer")
    await bot.send("/vote 1 2", user="amina")
    bot.new_messages()
    await bot.send("/mydata", user="amina")
    return bot


@pytest.mark.parametrize("platform", ["telegram", "discord"])
async def test_mydata_is_a_short_summary_with_the_full_data_as_a_file(make_bot, platform):
    bot = await _busy_member(make_bot, platform, "en")
    summary = bot.next_reply()
    assert isinstance(summary, DirectMessage) and summary.user.id == "amina"
    lines = summary.text.splitlines()
    assert lines[0] == f"What practica stores about you ({platform}:amina), in short:"
    assert "• Homework: handed in: 1 (Breech practice), Thu 26 Nov 12:00; quiet hours: 22:00-06:00" in lines
    assert "• Polls: votes: 1 (Which day suits you?)" in lines
    assert any(line.startswith("• Library: items you saved or verified: 1 (Misoprostol dosing)") for line in lines)
    assert any(line.startswith("• Points and levels: ") and "levels: 1 (pph)" in line and "(Adama HC)" in line for line in lines)
    assert len(lines) <= 12 and "{" not in summary.text and "Z\"" not in summary.text  # no raw JSON, no UTC stamps
    assert lines[-1].startswith("Everything, in full, is in the file practica-data-")
    (upload,) = bot.actions(UploadFile)
    assert upload.user is not None and upload.user.id == "amina" and upload.name.endswith(".json")
    assert upload.name in lines[-1]
    data = json.loads(upload.content)
    assert data["homework"]["submissions"][0]["note"] == "practised twice"
    assert data["polls"]["votes"] == [{"poll": 1, "question": "Which day suits you?", "chosen": ["Tue"]}]
    assert bot.next_reply().text == "I sent you your data in a private message."


async def test_mydata_summary_in_french(make_bot):
    bot = await _busy_member(make_bot, "telegram", "fr")
    lines = bot.next_reply().text.splitlines()
    assert lines[0] == "Ce que practica garde sur vous (telegram:amina), en bref :"
    assert "• Devoirs : rendus : 1 (Breech practice), jeu. 26 nov. 12:00 ; heures calmes : 22:00-06:00" in lines
    assert "• Sondages : votes : 1 (Which day suits you?)" in lines
    assert any(line.startswith("• Bibliothèque : documents enregistrés ou vérifiés par vous : 1") for line in lines)
    assert lines[-1].startswith("Tout le détail est dans le fichier practica-data-telegram-amina-")
    assert exported(bot)["leaderboards"]["profiles"][0]["team"] == "Adama HC"


@pytest.mark.parametrize("locale, header, saved", [("en", "What practica stores about you (console:amina), in short:", "Homework: handed in: 1"),
                                                    ("fr", "Ce que practica garde sur vous (console:amina), en bref :", "Devoirs : rendus : 1")])
def test_console_mydata_prints_the_summary_and_where_the_private_file_is(tmp_path, locale, header, saved):
    path = tmp_path / "plugins.toml"
    path.write_text(textwrap.dedent(f"""
        [adapters.console]
        [communities.cohort7]
        chats = ["console:group"]
        locale = "{locale}"
        moderators = ["console:trainer"]
    """), encoding="utf-8")
    script = ("trainer> /homework add Breech practice | due next monday 18:00 | manikin\n"
              "amina> /done 1 practised twice\n"
              "amina (dm)> /mydata\n")  # privately: in amina's community's language
    result = run_cli("run", "--config", str(path), stdin=script)
    assert result.returncode == 0, result.stderr
    out = [line for line in result.stdout.splitlines() if line.startswith("bot → amina> ")]
    texts = [line.removeprefix("bot → amina> ") for line in out]
    assert header in texts and any(saved in t for t in texts)
    note = next(t for t in texts if t.startswith("(file saved: "))
    file = Path(note.removeprefix("(file saved: ").rstrip(")"))
    assert file.parent == tmp_path / "exports"  # a private folder next to the database
    assert stat.S_IMODE(file.stat().st_mode) == 0o600 and stat.S_IMODE(file.parent.stat().st_mode) == 0o700
    data = json.loads(file.read_text(encoding="utf-8"))
    assert data["homework"]["submissions"][0]["note"] == "practised twice"
    assert "{" not in "\n".join(texts)  # the terminal shows the summary, not the JSON
