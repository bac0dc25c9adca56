"""Slash command payloads and the interactions waiting for an answer.

A slash invocation is deferred at once (ephemeral "thinking..."), delivered as a MessageEvent whose id
is the interaction id, and remembered here for Discord's 15 minutes, so that a Reply to that event
can be sent through the interaction (see `adapters.discord.outbound`).
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import discord

from core.adapter import CommandInfo

ARGUMENTS = "arguments"
MAX_COMMANDS = 100
_NAME = re.compile(r"^[-_\w]{1,32}$")
_TOKEN_LIFETIME = 14 * 60.0  # Discord: 15 min; keep a margin
_MAX_PENDING = 1000


def command_payloads(commands: list[CommandInfo]) -> tuple[list[dict[str, Any]], list[str]]:
    """Application command payloads for practica commands, and the names that cannot be slash commands.

    Each command gets its English description and name (the French ones as localizations: a French
    client shows /aide and Discord still sends the command as "help") and one optional string option
    "arguments" (described by the command's usage).
    """
    payloads: list[dict[str, Any]] = []
    skipped: list[str] = []
    for info in commands:
        name = info.name.lower()
        if not _NAME.match(name) or len(payloads) >= MAX_COMMANDS:
            skipped.append(info.name)
            continue
        description = _line(info.descriptions.get("en") or next(iter(info.descriptions.values()), "") or name)
        payload: dict[str, Any] = {
            "name": name,
            "type": 1,
            "description": description,
            "options": [{
                "type": 3,
                "name": ARGUMENTS,
                "description": _line(info.usage or "arguments"),
                "required": False,
            }],
        }
        french = info.descriptions.get("fr")
        if french:
            payload["description_localizations"] = {"fr": _line(french)}
        french_usage = info.usages.get("fr")
        if french_usage:
            payload["options"][0]["description_localizations"] = {"fr": _line(french_usage)}
        french_name = info.names.get("fr", "").lower()
        if french_name and french_name != name and _NAME.match(french_name):
            payload["name_localizations"] = {"fr": french_name}
        payloads.append(payload)
    return payloads, skipped


def _line(text: str) -> str:
    text = " ".join(text.split())
    return (text[:99] + "…") if len(text) > 100 else (text or "-")


@dataclass
class Pending:
    """An interaction that may still be answered through its token."""

    interaction: discord.Interaction
    created: float
    placeholder: bool  # a deferred "thinking..." message still waits to be resolved


class PendingInteractions:
    """Interactions by id (as a string), forgotten after 14 minutes; bounded in size."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, Pending] = OrderedDict()

    def add(self, interaction: discord.Interaction, *, placeholder: bool) -> None:
        self._prune()
        self._items[str(interaction.id)] = Pending(interaction, time.monotonic(), placeholder)
        while len(self._items) > _MAX_PENDING:
            self._items.popitem(last=False)

    def get(self, key: str | None) -> Pending | None:
        if not key:
            return None
        self._prune()
        return self._items.get(key)

    def _prune(self) -> None:
        limit = time.monotonic() - _TOKEN_LIFETIME
        while self._items:
            key, first = next(iter(self._items.items()))
            if first.created >= limit:
                break
            del self._items[key]
