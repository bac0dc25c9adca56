"""What the Telegram Bot API supports, as practica's `Capabilities`.

This module imports nothing from `telegram`: the test kit reads it to imitate Telegram without
loading python-telegram-bot.
"""

from __future__ import annotations

from core.adapter import Budget
from core.capabilities import Capabilities

CAPABILITIES = Capabilities(
    platform="telegram",
    max_text=4096,  # sendMessage: 1-4096 characters after entity parsing
    markup="html",  # practica sends parse_mode HTML and escapes plain text itself
    buttons=True,  # inline keyboards; callback data <= 64 bytes
    edit=True,
    delete=True,  # only messages younger than 48 hours
    pin=True,
    native_polls=True,
    quiz_polls=True,
    anonymous_polls=True,
    poll_max_options=12,
    poll_option_max_len=100,
    poll_question_max_len=300,
    poll_max_open_seconds=600,  # close_date at most 600 s ahead; later closes are the scheduler's (StopPoll)
    restrict=True,
    kick=True,
    ban=True,
    join_requests=True,
    direct_messages=True,  # only to people who have started a chat with the bot
    roles=False,  # Telegram has no roles a bot can give; AddRole/RemoveRole fail permanently
    ephemeral=False,  # no ephemeral messages: Reply(ephemeral_to=...) becomes a direct message
    files=True,  # resend by file_id, documents up to 50 MB
    threads=True,  # forum topics (message_thread_id)
    slash_commands=True,  # the "/" command menu, published with setMyCommands
)

BUDGET = Budget(chat_gap=1.0, group_per_minute=20, global_per_second=30)
"""Telegram's sending limits: about one message a second per chat, 20 a minute per group, 30 a second overall."""
