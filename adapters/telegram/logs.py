"""Keep secrets and message bodies out of the logs of python-telegram-bot and httpx.

PTB logs the API URL (which contains the bot token) and request parameters at debug level, and the
raw payload when an update cannot be parsed; httpx logs every request URL at info level. A filter on
those loggers replaces secrets with `***` and hides payload arguments.
"""

from __future__ import annotations

import logging
import traceback

LIBRARY_LOGGERS = (
    "telegram", "telegram.Bot", "telegram.ext", "telegram.ext.Updater", "telegram.ext.Application",
    "telegram.BaseRequest", "telegram.HTTPXRequest", "httpx",
)
# Format strings of library messages that carry a payload (message texts, raw updates).
_PAYLOAD_MARKERS = ("with parameters", "with return value", "received data", "invalid json data",
                    "error while parsing updates")

_secrets: set[str] = set()


def redact(text: str) -> str:
    """`text` with every registered secret replaced by `***`."""
    for secret in _secrets:
        if secret and secret in text:
            text = text.replace(secret, "***")
    return text


class _Redactor(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        template = str(record.msg)
        if record.args and any(marker in template.lower() for marker in _PAYLOAD_MARKERS):
            # keep method names such as "sendMessage", hide payloads (texts, raw updates)
            args = record.args if isinstance(record.args, tuple) else (record.args,)  # type: ignore[assignment]
            record.args = tuple(a if isinstance(a, str) and a.isidentifier() else "<hidden>" for a in args)
        elif _secrets:
            message = record.getMessage()
            redacted = redact(message)
            if redacted != message:
                record.msg, record.args = redacted, ()
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip())
        return True


_REDACTOR = _Redactor()


def protect_logs(*secrets: str) -> None:
    """Register `secrets` and make sure the library loggers carry the redacting filter."""
    _secrets.update(s for s in secrets if s)
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if _REDACTOR not in logger.filters:
            logger.addFilter(_REDACTOR)
