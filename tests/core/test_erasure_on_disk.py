"""After /forgetme, the member's words are gone from the files on disk too, not only from queries."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTE = "Zanzibar-Kilimanjaro breech delivery note"


def _on_disk(database: str) -> bytes:
    """Every byte of the SQLite database and its write-ahead log."""
    return b"".join(p.read_bytes() for p in (Path(database), Path(database + "-wal")) if p.exists())


@pytest.mark.parametrize("platform, locale, confirm", [("console", "en", "confirm"), ("telegram", "fr", "oui")])
async def test_forgetme_leaves_no_trace_of_the_members_text_in_the_database_files(make_bot, platform, locale, confirm):
    bot = await make_bot(platform=platform, plugins={"homework"}, moderators=["trainer"], community={"locale": locale})
    await bot.send("/homework add Breech practice | due next monday 18:00 | manikin", user="trainer")
    await bot.send(f"/done 1 {NOTE}", user="amina")
    bot.new_messages()
    assert NOTE.encode() in _on_disk(bot.database)  # the note really was written
    await bot.send("/forgetme", user="amina")
    await bot.send(f"/forgetme {confirm}", user="amina")
    assert bot.new_messages()[-1].text.startswith("Done" if locale == "en" else "C'est fait")
    assert NOTE.encode() not in _on_disk(bot.database)
    assert b"Kilimanjaro" not in Path(bot.database + "-wal").read_bytes()
