"""Graph API error answers -> practica's DeliveryError (retry_after / permanent / re-auth).

Codes from Meta's Cloud API error table: 4, 80007, 130429, 131048, 131056 are rate limits; 190 an
expired or revoked token; 131047 a message outside the 24-hour window; 131000/131016/1/2 are
transient; other 131xxx/132xxx/133xxx and 100 (bad parameter) are permanent. No message text,
token or secret is ever copied into the error (Meta's `message` and `details` are left out).
"""

from __future__ import annotations

from typing import Any

from core.errors import DeliveryError

RATE_LIMIT_CODES = frozenset({4, 80007, 130429, 131048, 131056})
TRANSIENT_CODES = frozenset({1, 2, 131000, 131016})
REAUTH_CODES = frozenset({190})
OUTSIDE_WINDOW = 131047
DEFAULT_RATE_WAIT = 60.0  # Meta sends no Retry-After: app and account limits reset within the hour
RATE_WAITS = {130429: 5.0, 131056: 6.0}  # throughput cap; pair limit (one message to a member per 6 s)


class ReauthRequired(DeliveryError):
    """The access token was refused: only a new token (and a restart) helps."""

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=True)


class OutsideWindow(DeliveryError):
    """WhatsApp refused a free-form message: the member's 24-hour window is closed."""

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=True)


def error_code(body: Any) -> tuple[int | None, str]:
    """(code, title) of a Graph error answer; title is Meta's short category, never the message."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None, ""
    code = error.get("code")
    title = error.get("error_user_title") or error.get("type") or ""
    return (int(code) if isinstance(code, (int, str)) and str(code).isdigit() else None), str(title)[:80]


def delivery_error(status: int, body: Any, what: str, retry_after: str | None = None) -> DeliveryError:
    """The DeliveryError for a failed Graph call (HTTP `status`, decoded JSON `body`)."""
    code, title = error_code(body)
    label = f"WhatsApp error {code}" if code is not None else f"WhatsApp HTTP {status}"
    if title:
        label += f" ({title})"
    if status == 429 or code in RATE_LIMIT_CODES:
        wait = _seconds(retry_after) or RATE_WAITS.get(code or 0, DEFAULT_RATE_WAIT)
        return DeliveryError(f"{label}: rate limit on {what}; retry after {wait:g} s", retry_after=wait)
    if code in REAUTH_CODES or status == 401:
        return ReauthRequired(f"{label}: WhatsApp refused the access token on {what}; put a new system user "
                              f"token in WHATSAPP_TOKEN and restart")
    if code == OUTSIDE_WINDOW:
        return OutsideWindow(f"{label}: {what} is outside the member's 24-hour window")
    if code in TRANSIENT_CODES or status >= 500:
        return DeliveryError(f"{label}: {what} failed for now")
    return DeliveryError(f"{label}: WhatsApp rejected {what}", permanent=True)


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
