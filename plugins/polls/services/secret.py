"""The key that makes anonymous votes unlinkable from the database alone.

An anonymous vote is stored under HMAC-SHA256(key, poll salt + member id). The key lives in a file
next to the database (`<database>.polls-key`, readable by its owner only, mode 0600), never in the
database: someone holding a copy of the database file (a backup, a stolen disk image) has the salts
and the member ids but cannot compute any token, so cannot tell who voted what. The running bot reads
the key to keep one vote per member and to export or erase a member's votes. Losing the key file
only means members could vote once more in anonymous polls that are still open.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from core import Context

KEYED = "k1:"  # salts of polls whose tokens use the key (older polls keep the plain salted hash)
_STATE = "voter_key"


def key_path(ctx: Context) -> Path | None:
    """Where the key is kept: next to the database (None for an in-memory database)."""
    database = ctx.bot.database_path
    return None if database == ":memory:" else Path(os.path.abspath(database) + ".polls-key")


def voter_key(ctx: Context) -> bytes:
    """The key (created on first use, 32 random bytes; cached for the runtime)."""
    cached = ctx.state.get(_STATE)
    if cached is not None:
        return cached
    path = key_path(ctx)
    key = _read_or_create(path) if path is not None else secrets.token_bytes(32)
    ctx.state[_STATE] = key
    return key


def _read_or_create(path: Path) -> bytes:
    try:
        data = path.read_bytes()
        if len(data) >= 32:
            return data[:32]
    except FileNotFoundError:
        pass
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, key)
    finally:
        os.close(fd)
    os.chmod(path, 0o600)
    return key
