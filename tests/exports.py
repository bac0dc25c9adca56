"""Reading a member's /mydata export in tests: the JSON file the bot uploaded to them."""

from __future__ import annotations

import json
from typing import Any

from core import UploadFile


def exported(bot: Any) -> dict[str, Any]:
    """The data of the latest /mydata file sent (every platform of the kit can receive files)."""
    uploads = [a for a in bot.actions(UploadFile) if a.name.startswith("practica-data-")]
    assert uploads, "the bot uploaded no data export"
    return json.loads(uploads[-1].content.decode("utf-8"))


def exported_text(bot: Any) -> str:
    """The latest export as JSON text, for `in` checks."""
    return json.dumps(exported(bot), ensure_ascii=False)
