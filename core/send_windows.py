"""A platform's global per-second cap kept by every worker together (PostgreSQL, several workers).

Telegram allows a bot about 30 messages a second in all, whichever process sends them. With several
`practica run` workers on one database, each worker reserves the tokens it sends from a shared window,
a row of `practica_send_windows` per platform and second (a fixed one-second window, like the
platform's):

- A reservation is one atomic statement (INSERT ... ON CONFLICT DO UPDATE ... WHERE used < cap
  RETURNING granted): it grants up to a small chunk, never past the cap. Tokens are then spent
  locally, without a database trip per message; what a chunk leaves unused expires with its second.
- A full window makes the lane wait for the next second (a sleep on the clock, no busy loop; the
  message stays first in its chat's queue). Seconds are the workers' clocks' (UTC epoch seconds), so
  the workers' hosts must keep their clocks in step (NTP); rows older than a minute are swept.
- A database that does not answer (an error, or no answer within `ANSWER_WITHIN` seconds) must not stop
  sending: the worker falls back to its share of the cap (cap / live workers) per second, logs one
  warning, tries the database again every `RETRY_EVERY` seconds and says when it is shared again.

Only the global cap is shared: the per-chat gap and the per-group per-minute cap stay in each worker's
outbox, because a chat is sent to by one worker at a time (the holder of its lease, core.workers).
A single process (SQLite, or PostgreSQL without several workers) never uses this module.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.clock import Clock
    from core.storage import Storage

log = logging.getLogger("practica.outbox")

MIGRATIONS = (
    {"sqlite": "",
     "postgresql": """
        CREATE TABLE practica_send_windows (
            platform TEXT NOT NULL,
            second BIGINT NOT NULL,
            used INTEGER NOT NULL,
            granted INTEGER NOT NULL,
            PRIMARY KEY (platform, second)
        );
     """},
)

# `granted` is the size of the last reservation, so that RETURNING tells its maker what it got (the row
# is locked by the statement: nobody else's reservation can come in between).
RESERVE_SQL = (
    "INSERT INTO practica_send_windows AS w (platform, second, used, granted) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (platform, second) DO UPDATE SET used = w.used + LEAST(EXCLUDED.granted, ?::int - w.used), "
    "granted = LEAST(EXCLUDED.granted, ?::int - w.used) WHERE w.used < ?::int RETURNING granted")
SWEEP_SQL = "DELETE FROM practica_send_windows WHERE platform = ? AND second < ?"

ANSWER_WITHIN = 1.0  # seconds (real time) a reservation may take before this worker sends on its own share
RETRY_EVERY = 5.0    # seconds (the clock's) between two tries of a database that did not answer
SWEEP_EVERY = 60     # seconds between two sweeps of old windows by this worker


class SharedWindow:
    """One platform's global per-second cap, shared through `practica_send_windows`.

    The outbox asks `try_take()` (no I/O) before each send; when it says no, it awaits `wait()`, which
    reserves a chunk (one statement for every lane waiting at that moment) and returns 0 when tokens
    are there, or the seconds until the next window when this one is full.

    Args:
        db: the shared PostgreSQL storage.
        clock: the runtime's clock (windows are its UTC seconds).
        platform: the adapter's name ("telegram").
        cap: the platform's global per-second cap (`Budget.global_per_second`).
        live: how many workers are alive (for the fallback share).
    """

    def __init__(self, db: Storage, clock: Clock, platform: str, cap: int, *, live: Callable[[], int]) -> None:
        self.db = db
        self.clock = clock
        self.platform = platform
        self.cap = cap
        self.chunk = max(1, cap // 5)  # the most one reservation takes: little is left unused at a second's end
        self.live = live
        self._second = -1      # the window of the tokens held here
        self._left = 0         # tokens of that window not spent yet
        self._taken = 0        # tokens this worker took in that window (chunks grow with use)
        self._full = -1        # a window known to be full: wait for the next one without asking again
        self._demand = 0       # lanes waiting for a reservation right now
        self._reserving: asyncio.Future[None] | None = None
        self._alone_since: float | None = None  # clock.monotonic() when the database stopped answering
        self._probe_at = 0.0   # when to try the database again
        self._alone_second = -1  # the last window this worker granted itself its share of
        self._swept = -1

    # --- what the outbox asks --------------------------------------------------------------------

    def try_take(self) -> bool:
        """Spend one token of the current second if one is held here (no I/O)."""
        second = math.floor(self.clock.now().timestamp())
        if self._second == second and self._left > 0:
            self._left -= 1
            self._taken += 1
            return True
        return False

    async def wait(self) -> float:
        """Get tokens for the current second: 0.0 when some are held now, else the seconds until the next
        window (this one is full)."""
        self._demand += 1
        try:
            while True:
                second, rest = self._now()
                if self._second == second and self._left > 0:
                    return 0.0
                if self._full == second:
                    return rest
                if self._reserving is None or self._reserving.done():
                    self._reserving = asyncio.ensure_future(self._reserve())
                await asyncio.shield(self._reserving)
        finally:
            self._demand -= 1

    async def close(self) -> None:
        """Stop a reservation under way (at shutdown)."""
        if self._reserving is not None and not self._reserving.done():
            self._reserving.cancel()
            await asyncio.gather(self._reserving, return_exceptions=True)

    # --- reserving -------------------------------------------------------------------------------

    def _now(self) -> tuple[int, float]:
        """The current window and the seconds left in it."""
        t = self.clock.now().timestamp()
        second = math.floor(t)
        return second, second + 1 - t

    async def _reserve(self) -> None:
        await asyncio.sleep(0)  # lanes woken together at a second's start share this one trip
        second, _ = self._now()
        if self._alone_since is not None and self.clock.monotonic() < self._probe_at:
            self._alone(second)
            return
        want = max(1, min(self.chunk, max(self._demand, self._taken if self._second == second else 0)))
        try:
            async with asyncio.timeout(ANSWER_WITHIN):
                row = await self.db.fetchone(RESERVE_SQL, (self.platform, second, want, want,
                                                           self.cap, self.cap, self.cap))
        except Exception as exc:  # noqa: BLE001 - unreachable, cut off, slow: send on this worker's share
            self._fall_back(exc)
            self._alone(second)
            return
        if self._alone_since is not None:
            log.info("the database answers again: %s's sending budget is shared by the workers again", self.platform)
            self._alone_since = None
        if row is None:
            self._full = second
        else:
            self._grant(second, int(row[0]))
        if second - self._swept >= SWEEP_EVERY:
            self._swept = second
            await self._sweep(second)

    async def _sweep(self, second: int) -> None:
        """Delete this platform's windows older than SWEEP_EVERY seconds (the next sweep retries a failed one)."""
        try:
            async with asyncio.timeout(ANSWER_WITHIN):
                await self.db.execute(SWEEP_SQL, (self.platform, second - SWEEP_EVERY))
        except Exception as exc:  # noqa: BLE001 - old rows only take room; the next sweep deletes them
            log.debug("could not delete old %s sending windows (%s)", self.platform, type(exc).__name__)

    def _grant(self, second: int, tokens: int) -> None:
        if self._second != second:
            self._second, self._left, self._taken = second, 0, 0
        self._left += tokens

    def _fall_back(self, exc: Exception) -> None:
        """The database did not answer: one warning per outage, and the next try in RETRY_EVERY seconds."""
        now = self.clock.monotonic()
        self._probe_at = now + RETRY_EVERY
        if self._alone_since is None:
            self._alone_since = now
            log.warning("could not reserve %s's sending budget in the database (%s); this worker sends at most "
                        "%d message(s) a second (its share) until the database answers", self.platform,
                        type(exc).__name__, self._share())

    def _share(self) -> int:
        return max(1, self.cap // max(1, self.live()))

    def _alone(self, second: int) -> None:
        """Without the database: this worker's share of each window, granted once per second."""
        if self._alone_second == second:
            self._full = second
            return
        self._alone_second = second
        self._grant(second, self._share())


def shared_windows(db: Storage, clock: Clock, live: Callable[[], int]) -> Callable[[str, int], SharedWindow]:
    """The maker the outbox calls for each platform with a global cap (`Outbox.shared`)."""

    def make(platform: str, cap: int) -> SharedWindow:
        return SharedWindow(db, clock, platform, cap, live=live)

    return make
