"""Telegram adapter (python-telegram-bot). Importing this package does not import `telegram`."""
