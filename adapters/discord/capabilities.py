"""What Discord can do, as core Capabilities. Imports nothing from discord.py (the test kit uses it)."""

from __future__ import annotations

from core.adapter import Budget
from core.capabilities import Capabilities

MAX_TEXT = 2000
POLL_MAX_OPTIONS = 10
POLL_OPTION_MAX_LEN = 55
POLL_QUESTION_MAX_LEN = 300

CAPABILITIES = Capabilities(
    platform="discord",
    max_text=MAX_TEXT,
    markup="markdown",
    buttons=True,
    edit=True,
    delete=True,
    pin=True,
    native_polls=True,
    quiz_polls=False,
    poll_max_options=POLL_MAX_OPTIONS,
    poll_option_max_len=POLL_OPTION_MAX_LEN,
    poll_question_max_len=POLL_QUESTION_MAX_LEN,
    poll_max_open_seconds=768 * 3600,  # a poll lasts at most 32 days
    max_mute_seconds=28 * 86400,  # timeouts last at most 28 days
    restrict=True,
    kick=True,
    ban=True,
    join_requests=False,
    direct_messages=True,
    roles=True,
    ephemeral=True,
    files=True,
    threads=True,
    slash_commands=True,
)
"""Discord's capabilities; `adapters.discord.adapter.DiscordAdapter.capabilities` is this object."""

BUDGET = Budget(global_per_second=50)
"""Discord's per-route buckets are kept by discord.py from the response headers; we only cap the global rate."""
