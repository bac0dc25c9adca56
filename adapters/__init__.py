"""Platform adapters. Each platform's library is imported only when its adapter is enabled."""

from __future__ import annotations

import importlib

from adapters.base import Adapter

# name -> "module:Class"; loaded lazily so that an unused platform library is never imported.
BUILTIN_ADAPTERS: dict[str, str] = {
    "console": "adapters.console:ConsoleAdapter",
    "telegram": "adapters.telegram.adapter:TelegramAdapter",
    "discord": "adapters.discord.adapter:DiscordAdapter",
    "whatsapp": "adapters.whatsapp.adapter:WhatsAppAdapter",
}


def load_adapter_class(name: str) -> type[Adapter]:
    """Import and return the adapter class registered under `name`."""
    module_name, _, class_name = BUILTIN_ADAPTERS[name].partition(":")
    return getattr(importlib.import_module(module_name), class_name)
