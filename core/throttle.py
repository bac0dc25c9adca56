"""At most one log line per `every` seconds about the same lasting trouble (a full disk, a WAL that
cannot be copied back): an operator reads that it goes on, and the log does not fill the disk further."""

from __future__ import annotations

import time
from collections.abc import Callable


class Throttle:
    """`due()` is True the first time, then again only once `every` seconds have passed since the
    last time it was True. `now` is a monotonic clock in seconds (the runtime's, in tests)."""

    def __init__(self, every: float = 600.0, now: Callable[[], float] = time.monotonic) -> None:
        self.every = every
        self._now = now
        self._last: float | None = None

    def due(self) -> bool:
        now = self._now()
        if self._last is not None and now - self._last <= self.every:
            return False
        self._last = now
        return True
