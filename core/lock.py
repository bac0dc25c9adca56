"""One process per database: an exclusive lock held for the process lifetime.

Two `practica run` on the same SQLite file would both fetch and answer every update. The lock is an
advisory `flock` on `<database>.lock`, released by the kernel when the process ends, even by SIGKILL,
so a crash never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from core.errors import PracticaError


class DatabaseInUse(PracticaError):
    """Another process holds the database."""


class DatabaseLock:
    """The held lock; `release()` at shutdown."""

    def __init__(self, fd: int | None) -> None:
        self._fd = fd

    @classmethod
    def acquire(cls, database: str) -> DatabaseLock:
        """Lock `database` for this process (no-op for ':memory:').

        Raises:
            DatabaseInUse: another process runs on it (names its pid when known).
            PracticaError: the folder cannot be written.
        """
        if database == ":memory:" or database.startswith("file::memory:"):
            return cls(None)
        path = Path(database).with_name(Path(database).name + ".lock")
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise PracticaError(f"cannot use the database {database}: {exc.strerror} ({path.parent}); "
                                f"check that the folder exists and is writable") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip()
            os.close(fd)
            raise DatabaseInUse(f"another practica is already running on {database}" + (f" (pid {holder})" if holder else "")
                                + "; stop it first, or give this one its own [practica] database") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        return cls(fd)

    def release(self) -> None:
        if self._fd is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            finally:
                os.close(self._fd)
                self._fd = None
