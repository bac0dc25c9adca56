"""Intakes that one worker at a time may run, with several workers on one PostgreSQL database.

- A single intake (`Adapter.exclusive_intake`: Telegram's getUpdates) runs on the holder of
  `intake:<platform>`; the others wait and take over within a lease time.
- An intake in parts (`Adapter.intake_parts`: Discord's gateway shards) is a lease per part,
  `intake:<platform>:<part>`. A worker holds at most its share (parts / live workers, rounded up):
  it hands the excess over when a worker joins (closing the part before letting its lease go, so a
  part never has two receivers), and takes free parts (a stopped worker's at once, a dead worker's
  once its leases lapse) at its next look, every ttl/3.

Whenever this worker starts receiving, its inbox id block is renewed: rows it stores sort after the
previous receiver's, so each chat's order holds across the handover (core.workers).
"""

from __future__ import annotations

import asyncio
import logging
import math
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from core.adapter import Adapter
    from core.leases import Leases, Renewer


class IdBlocks(Protocol):
    """The inbox's id blocks (core.workers.IdBlocks): `renew()` makes later ids sort after any given."""

    async def renew(self) -> None: ...

log = logging.getLogger("practica.workers")


class IntakeLeader:
    """Takes and keeps the intake leases of one worker (created by `core.workers.Workers`).

    Args:
        leases, renewer: this worker's leases and their renewer.
        lock: the worker's lock for lease changes (an acquire never races a release).
        ids: the inbox's id blocks, renewed when this worker starts receiving.
    """

    def __init__(self, leases: Leases, renewer: Renewer, lock: asyncio.Lock, ids: IdBlocks) -> None:
        self.leases = leases
        self.renewer = renewer
        self.lock = lock
        self.ids = ids
        self._warned: set[str] = set()  # platforms whose parts disagree between workers (said once)

    # --- a single intake ------------------------------------------------------------------------------

    async def lead(self, adapter: Adapter) -> None:
        """Run `adapter`'s intake while this worker holds `intake:<platform>`; retry every ttl/3."""
        name = f"intake:{adapter.name}"
        running = False
        while True:
            try:
                if running and not self.renewer.trusted(name):  # cut off from the database (see core.leases.TRUST):
                    log.warning("this worker could not renew the %s intake lease in time; it stops receiving",
                                adapter.name)
                    await adapter.stop_intake()  # stopped before another worker can take the lease over
                    running = False
                held = self.renewer.trusted(name)
                if not held:
                    async with self.lock:
                        got = await self.leases.acquire([name])
                        self.renewer.note(got)
                    held = bool(got)
                if held and not running:
                    await self.ids.renew()  # its rows sort after the previous intake's
                    await adapter.start_intake()
                    running = True
                    log.info("this worker now receives %s's updates", adapter.name)
                elif running and not held:
                    log.warning("this worker lost the %s intake lease; another worker receives now", adapter.name)
                    await adapter.stop_intake()
                    running = False
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the database or the platform failed: try again
                log.warning("could not take or run the %s intake (%s); retrying", adapter.name, type(exc).__name__)
            await asyncio.sleep(self.leases.ttl / 3)

    # --- an intake in parts (Discord's shards) ----------------------------------------------------------

    async def lead_parts(self, adapter: Adapter) -> None:
        """Run the parts of `adapter`'s intake whose leases this worker holds, a fair share of them."""
        running: set[int] = set()
        while True:
            try:
                await self.share_parts(adapter, running)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the database or the platform failed: try again
                log.warning("could not take or run %s's intake parts (%s); retrying", adapter.name, type(exc).__name__)
            await asyncio.sleep(self.leases.ttl / 3)

    async def share_parts(self, adapter: Adapter, running: set[int]) -> None:
        """One look: stop the parts whose lease was lost, hand over what exceeds this worker's share,
        take free parts up to it, and start receiving the parts newly held (`running` is updated)."""
        prefix = f"intake:{adapter.name}:"
        names = {f"{prefix}{part}": part for part in range(adapter.intake_parts)}
        held = {part for name, part in names.items() if self.renewer.trusted(name)}  # before asking the database
        for part in sorted(running - held):
            log.warning("this worker lost the %s intake lease of part %d; another worker receives it now",
                        adapter.name, part)
            running.discard(part)
            await adapter.stop_intake_part(part)
        live = len(await self.leases.live("worker:")) or 1
        share = math.ceil(len(names) / live)
        for part in sorted(held, reverse=True)[:max(0, len(held) - share)]:  # a worker joined: hand over
            running.discard(part)
            await adapter.stop_intake_part(part)  # closed before the lease goes: never two receivers
            name = f"{prefix}{part}"
            async with self.lock:
                self.renewer.forget({name})
                await self.leases.release({name})
            held.discard(part)
            log.info("this worker hands %s part %d over (its share is %d of %d)", adapter.name, part, share, len(names))
        taken = await self.leases.live(prefix)
        if set(taken) - set(names) and adapter.name not in self._warned:
            self._warned.add(adapter.name)
            log.warning("another worker splits %s's intake into more than %d parts: give every worker the same "
                        "setting (for Discord, [adapters.discord] shards) and restart them together",
                        adapter.name, len(names))
        room = share - len(held)
        if room > 0:
            free = [name for name in names if name not in taken]
            if free:
                async with self.lock:
                    got = await self.leases.acquire(free[:room])
                    self.renewer.note(got)
                held |= {names[name] for name in got if name in names}
        new = sorted(held - running)
        if new:
            await self.ids.renew()  # their rows sort after the previous receiver's
        for part in new:
            await adapter.start_intake_part(part)
            running.add(part)
            log.info("this worker now receives %s part %d of %d", adapter.name, part, len(names))
