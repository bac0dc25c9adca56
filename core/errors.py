"""The error model: operator errors (config, load, migrations, adapters) and chat-user errors.

Operator errors name the file, key or plugin and say the fix. `CommandError` subclasses carry one
plain sentence that is safe to show in a chat. Anything else is a bug: logged, never shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from types import MappingProxyType
from typing import Any


class PracticaError(Exception):
    """Base of every error practica raises on purpose."""


class ConfigError(PracticaError):
    """plugins.toml is wrong; the message names the file, table and key, and suggests a fix."""


class PluginLoadError(PracticaError):
    """A plugin cannot be loaded (bad hook, wrong colour, duplicate command...)."""


class MigrationError(PracticaError):
    """A plugin's database migration failed or is inconsistent with what was applied before."""


class AdapterError(PracticaError):
    """A platform adapter failed; adapters raise it `from` the library's exception."""


class DeliveryError(AdapterError):
    """An outbound action could not be delivered.

    Attributes:
        retry_after: seconds the platform asked us to wait (rate limit), or None.
        permanent: True when retrying cannot help (bot removed, forbidden, message gone).
    """

    def __init__(self, message: str, *, retry_after: float | None = None, permanent: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent


class CommandError(PracticaError):
    """An error meant for the person who sent the command: `str(error)` is shown as is, unless it carries
    `key`, a message of the catalogs (with `params`), which is then shown in the reader's language."""

    key: str | None = None
    params: Mapping[str, Any] = MappingProxyType({})


class UsageError(CommandError):
    """The command's arguments are missing or malformed."""


class PermissionDenied(CommandError):
    """The caller's role is below what the command needs."""


class NotFound(CommandError):
    """The thing the command names does not exist."""


class CooldownActive(CommandError):
    """The caller used the command too recently."""

    def __init__(self, message: str, *, remaining: timedelta) -> None:
        super().__init__(message)
        self.remaining = remaining
