"""python-telegram-bot exceptions -> practica's errors: DeliveryError (retry-after, transient, permanent,
re-auth as a permanent refusal of the token) for sends, AdapterError for a start that cannot go on."""

from __future__ import annotations

import datetime as dtm
import warnings

from telegram.error import (
    BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut,
)

from core.errors import AdapterError, DeliveryError

from adapters.telegram.logs import redact


def retry_after_seconds(exc: RetryAfter) -> float:
    """The wait Telegram asked for, in seconds (PTB stores it as a timedelta)."""
    value = getattr(exc, "_retry_after", None)
    if not isinstance(value, dtm.timedelta):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


def is_not_modified(exc: TelegramError) -> bool:
    """True for the BadRequest Telegram answers when an edit would not change the message."""
    return isinstance(exc, BadRequest) and "message is not modified" in exc.message.lower()


def delivery_error(exc: TelegramError, what: str) -> DeliveryError:
    """The DeliveryError for a failed call; raise it `from exc`.

    Args:
        exc: what python-telegram-bot raised.
        what: the action, for the message ("Reply", "Ban"...).
    """
    detail = redact(exc.message)
    if isinstance(exc, RetryAfter):
        seconds = retry_after_seconds(exc)
        return DeliveryError(f"Telegram rate limit on {what}: retry after {seconds:g} s", retry_after=seconds)
    if isinstance(exc, ChatMigrated):
        return DeliveryError(f"{what}: the group became a supergroup with id {exc.new_chat_id}; "
                             f"update its id in plugins.toml", permanent=True)
    if isinstance(exc, InvalidToken):
        return DeliveryError(f"{what}: Telegram refused the bot token; check TELEGRAM_BOT_TOKEN", permanent=True)
    if isinstance(exc, Forbidden):  # bot removed from the chat, blocked by the user, not an admin
        return DeliveryError(f"Telegram refused {what}: {detail}", permanent=True)
    if isinstance(exc, BadRequest):  # chat not found, message to delete not found, bad parameters
        return DeliveryError(f"Telegram rejected {what}: {detail}", permanent=True)
    if isinstance(exc, (TimedOut, NetworkError)):
        return DeliveryError(f"{what}: network problem talking to Telegram ({detail})")
    return DeliveryError(f"{what}: Telegram error ({detail})")


def start_error(exc: TelegramError) -> AdapterError:
    """The AdapterError for a start that failed at getMe: a refused token, or no Bot API to reach."""
    if isinstance(exc, InvalidToken):
        return AdapterError("[adapters.telegram] Telegram refused the bot token: check the token in "
                            "TELEGRAM_BOT_TOKEN (ask @BotFather with /token)")
    return AdapterError(f"[adapters.telegram] cannot reach the Telegram Bot API ({type(exc).__name__}: "
                        f"{redact(exc.message)}); check the network or base_url")
