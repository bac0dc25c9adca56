"""Discord adapter (discord.py 2.x).

Importing this package does not import discord.py: `adapter.py` (the client) and `convert.py` (pure
translation between discord.py models and core types) do, and the core imports them only when
`[adapters.discord]` is enabled. `capabilities.py` and `config.py` are safe to import anywhere.
See docs/discord.md for setting up the bot.
"""
