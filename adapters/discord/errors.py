"""discord.py and aiohttp exceptions -> practica's errors: DeliveryError for sends (retry-after on rate
limits, transient for server and network errors, permanent for refusals), AdapterError for a start that
cannot go on (a refused token: re-authenticate; refused privileged intents)."""

from __future__ import annotations

import aiohttp
import discord

from core.errors import AdapterError, DeliveryError

_PRIVILEGED = (("message_content", "Message Content Intent"), ("members", "Server Members Intent"),
               ("presences", "Presence Intent"))


def privileged_intents_error(intents: discord.Intents) -> AdapterError:
    """The operator message for close code 4014: which privileged intents, and where to enable them."""
    asked = [(flag, label) for flag, label in _PRIVILEGED if getattr(intents, flag)]
    names = ", ".join(label for _, label in asked) or "a privileged intent"
    keys = " / ".join(f"{flag} = false" for flag, _ in asked if flag != "presences")
    turn_off = f", or turn them off in [adapters.discord.intents] ({keys})" if keys else ""
    return AdapterError(
        f"Discord refused the privileged gateway intents this bot asked for: {names}. Enable them at "
        f"https://discord.com/developers/applications > your application > Bot > Privileged Gateway Intents"
        f"{turn_off}. Without Message Content the bot cannot read messages; without Server Members it "
        f"cannot see members join or leave.")


def login_error(exc: BaseException, token_source: str) -> AdapterError:
    """The operator message for a refused token (never shows the token)."""
    where = f"the environment variable {token_source}" if token_source else "[adapters.discord] token"
    return AdapterError(
        f"Discord refused the bot token from {where} (401 Unauthorized). Copy a fresh token from "
        f"https://discord.com/developers/applications > your application > Bot > Reset Token, and put it "
        f"in {where}.")


def delivery_error(exc: BaseException, what: str) -> DeliveryError:
    """Translate a discord.py / aiohttp error raised while performing `what`.

    Forbidden, NotFound and other 4xx answers are permanent (retrying cannot help); rate limits carry
    retry_after; server errors, timeouts and network errors are transient.
    """
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, discord.RateLimited):
        return DeliveryError(f"{what}: Discord rate limit, retry in {exc.retry_after:.1f} s.", retry_after=exc.retry_after)
    if isinstance(exc, discord.HTTPException):
        detail = f"{what}: Discord answered {exc.status}"
        if exc.code:
            detail += f" (code {exc.code})"
        if exc.text:
            detail += f": {exc.text[:200]}"
        if isinstance(exc, discord.Forbidden):
            return DeliveryError(detail + ". Check the bot's role permissions in this server/channel.", permanent=True)
        if isinstance(exc, discord.NotFound):
            return DeliveryError(detail + ". The channel, message or member no longer exists.", permanent=True)
        if exc.status == 429:
            retry = _retry_after(exc)
            return DeliveryError(detail + ".", retry_after=retry)
        if 400 <= exc.status < 500:
            return DeliveryError(detail + ".", permanent=True)
        return DeliveryError(detail + ".")
    if isinstance(exc, (aiohttp.ClientError, OSError, TimeoutError)):
        return DeliveryError(f"{what}: network error talking to Discord ({type(exc).__name__}).")
    return DeliveryError(f"{what}: {type(exc).__name__}: {exc}")


def _retry_after(exc: discord.HTTPException) -> float:
    headers = getattr(exc.response, "headers", None) or {}
    for key in ("Retry-After", "X-RateLimit-Reset-After"):
        try:
            return float(headers[key])
        except (KeyError, TypeError, ValueError):
            continue
    return 1.0
