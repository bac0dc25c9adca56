"""The `[adapters.telegram]` table, validated by `core.schema.validate`.

This module imports nothing from `telegram`, so `practica check` can validate the table cheaply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from core.schema import Secret, did_you_mean

# Bot API update types practica can use (the Bot API has a few more; unknown names are typos).
KNOWN_UPDATES = (
    "message", "edited_message", "channel_post", "edited_channel_post", "callback_query", "poll",
    "poll_answer", "my_chat_member", "chat_member", "chat_join_request", "message_reaction",
    "message_reaction_count", "inline_query", "chosen_inline_result",
)

DEFAULT_UPDATES = (
    "message", "edited_message", "callback_query", "poll", "poll_answer", "chat_member",
    "chat_join_request", "message_reaction",
)

_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


@dataclass(frozen=True, kw_only=True)
class TelegramConfig:
    """Settings of the Telegram adapter.

    Attributes:
        enabled: Start the adapter (set false to keep the table but not connect).
        token: The bot token from @BotFather, normally `{ "$env" = "TELEGRAM_BOT_TOKEN" }`.
        mode: "polling" (getUpdates; no public address needed) or "webhook".
        poll_timeout: Long-polling timeout in seconds.
        allowed_updates: Update types to ask Telegram for; `chat_member` and `message_reaction`
            arrive only when listed here and the bot is a group admin.
        listen: Webhook mode: address the local web server binds to.
        port: Webhook mode: port the local web server listens on.
        url_path: Webhook mode: path of the webhook on the local server and on `public_url`.
        public_url: Webhook mode: the https base address Telegram calls; the webhook is
            `public_url/url_path`.
        secret_token: Webhook mode: Telegram sends it in every request; others are refused.
        base_url: Bot API address (a local Bot API server); the token is appended. Default: Telegram.
        base_file_url: File download address, same rules as `base_url`.
    """

    enabled: bool = True
    token: Secret
    mode: Literal["polling", "webhook"] = "polling"
    poll_timeout: int = 30
    allowed_updates: tuple[str, ...] = DEFAULT_UPDATES
    listen: str = "127.0.0.1"
    port: int = 8443
    url_path: str = "telegram"
    public_url: str | None = None
    secret_token: Secret | None = None
    base_url: str | None = None
    base_file_url: str | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.poll_timeout <= 600:
            raise ValueError("key 'poll_timeout' must be between 0 and 600 seconds")
        if not 1 <= self.port <= 65535:
            raise ValueError("key 'port' must be between 1 and 65535")
        for name in self.allowed_updates:
            if name not in KNOWN_UPDATES:
                raise ValueError(f"key 'allowed_updates': unknown update type {name!r}"
                                 f"{did_you_mean(name, KNOWN_UPDATES)}")
        if self.mode == "webhook" and not self.public_url:
            raise ValueError("mode 'webhook' needs key 'public_url', the https address Telegram "
                             "calls (e.g. 'https://bot.example.org')")
        if self.secret_token is not None and not _SECRET_TOKEN.fullmatch(self.secret_token.reveal()):
            raise ValueError("key 'secret_token' must be 1 to 256 characters from A-Z, a-z, 0-9, _ and -")

    @property
    def webhook_url(self) -> str | None:
        """The address given to setWebhook: `public_url` joined with `url_path`."""
        if not self.public_url:
            return None
        return f"{self.public_url.rstrip('/')}/{self.url_path.lstrip('/')}"
