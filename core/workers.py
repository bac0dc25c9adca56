"""Several `practica run` workers on one PostgreSQL database: work is claimed per chat, with leases.

A worker handles a chat's inbound events, and sends its outbound rows, only while it holds that chat's
lease (`chat:<lane>`, core.leases); the lease holder is the chat's only writer of order, so per-chat
order holds across workers exactly as it does across lanes in one process (DESIGN.md section 7).

- Any worker stores what arrives (the inbox, the outbox rows of its units). Work of a chat this
  worker holds goes straight to its dispatcher or outbox; work of a chat nobody holds is claimed by
  the next worker whose tick (every `TICK` seconds) finds it; rows of a chat another worker holds are
  that worker's (its tick finds them).
- Claiming a chat loads its pending rows, oldest first: what a dead holder committed and did not
  send leaves before anything new, so a crash duplicates at most the one message in flight per chat.
- Load is shared: a worker takes at most its share of the chats with work (chats / live workers);
  a chat idle for two ticks is released, so the next burst spreads again.
- A worker that dies stops renewing; its chats' leases expire after `[practica] worker_lease` seconds
  and the other workers claim them. A clean stop releases everything at once.
- Row ids come from the tables' sequences in blocks (`IdBlocks`), so workers never collide; a block is
  renewed when a chat or the intake is taken over, so its new rows sort after the previous holder's.
- An intake that one worker at a time may run (Telegram's getUpdates, each Discord gateway shard) is a
  lease too (`intake:<platform>`, `intake:<platform>:<part>`): see core.intakes.

One worker on PostgreSQL works the same way (it holds every chat it sees); SQLite never runs this.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Any

from core.intakes import IntakeLeader
from core.leases import FENCE_SQL, Leases, Renewer, worker_id
from core.dialects import MIGRATION_LOCK

if TYPE_CHECKING:
    from core.adapter import Adapter
    from core.events import Event
    from core.inbox import Inbox
    from core.deliveries import Deliveries
    from core.storage import Storage
    from core.unit import Outgoing

log = logging.getLogger("practica.workers")

TICK = 0.25  # seconds between two looks at the tables for work nobody holds
BLOCK = 1000  # ids fetched from a sequence at once

LANES_SQL = """
SELECT w.lane, l.owner FROM (
    SELECT lane FROM practica_inbox WHERE status = 'pending'
    UNION SELECT lane FROM practica_outbox WHERE status = 'pending'
) w LEFT JOIN practica_leases l ON l.name = 'chat:' || w.lane AND l.expires_at >= now()
"""


@asynccontextmanager
async def migration_lock(db: Storage) -> AsyncIterator[None]:
    """Hold PostgreSQL's advisory lock for migrations: workers started together migrate one by one."""
    pool: Any = getattr(db, "pool")
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
        try:
            yield
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)


class IdBlocks:
    """Row ids for one table from its identity sequence, fetched `BLOCK` at a time (one statement),
    handed out synchronously (units build their rows without awaiting). `renew()` drops the block:
    ids fetched afterwards are larger than any id any worker fetched before."""

    def __init__(self, db: Storage, table: str) -> None:
        self.db = db
        self.table = table
        self._ids: deque[int] = deque()
        self._floor = 0  # ids at or below it are never handed out (already given, or older than a renewal)
        self._filling: asyncio.Task[None] | None = None

    async def renew(self) -> None:
        """Replace the block by a fresh one: every id handed out from now on is larger than any id any
        worker had fetched before this call."""
        fresh = await self._fetch(BLOCK)
        self._floor = max(self._floor, fresh[0] - 1)
        self._add(fresh)

    async def reserve(self, count: int) -> None:
        """Make sure `count` ids can be handed out without waiting (a unit about to write its rows)."""
        while len(self._ids) < count:
            self._add(await self._fetch(max(BLOCK, count - len(self._ids) + BLOCK // 2)))

    async def _fetch(self, count: int) -> list[int]:
        rows = await self.db.fetchall(
            f"SELECT nextval(pg_get_serial_sequence('{self.table}', 'id')) FROM generate_series(1, ?::int)", (count,))
        return sorted(int(row[0]) for row in rows)

    def _add(self, fresh: list[int]) -> None:
        """Merge fetched ids, in ascending order; fetches that finish out of order (a refill and a
        reservation at once) never hand out an id below one already given."""
        floor = self._floor
        self._ids = deque(sorted({i for i in self._ids if i > floor} | {i for i in fresh if i > floor}))

    async def _refill(self) -> None:
        self._add(await self._fetch(BLOCK))

    def __call__(self) -> int:
        if len(self._ids) < BLOCK // 2 and (self._filling is None or self._filling.done()):
            self._filling = asyncio.create_task(self._refill(), name=f"practica-ids-{self.table}")
        if not self._ids:
            raise RuntimeError(f"no {self.table} id reserved in this worker (call reserve() first)")
        value = self._ids.popleft()
        self._floor = value
        return value


class Workers:
    """This worker's part in a shared PostgreSQL database. Created and driven by the runtime.

    Args:
        db: the storage.
        inbox, deliveries: the tables whose rows are claimed per chat.
        ttl: lease seconds (`[practica] worker_lease`).
        enqueue: hands a stored inbound event (and its row id) to the dispatcher.
        submit: hands a stored outbound row to the outbox; returns the delivery future.
        busy: whether the dispatcher or the outbox still has work of a lane in memory.
        spawn: runs a task owned by the runtime (awaited by `idle()`, cancelled at stop).
    """

    def __init__(self, db: Storage, inbox: Inbox, deliveries: Deliveries, ttl: float, *,
                 enqueue: Callable[[Event, int], object], submit: Callable[[Outgoing], asyncio.Future[Any]],
                 busy: Callable[[str], bool], spawn: Callable[[Any, str], asyncio.Task[Any]]) -> None:
        self.db = db
        self.inbox = inbox
        self.deliveries = deliveries
        self.id = worker_id()
        self.leases = Leases(db, self.id, ttl)
        self.renewer = Renewer(self.leases, on_lost=self._lost)
        self.inbox_ids = IdBlocks(db, "practica_inbox")
        self.outbox_ids = IdBlocks(db, "practica_outbox")
        self._enqueue = enqueue
        self._submit = submit
        self._busy = busy
        self._spawn = spawn
        self._queued: dict[int, str] = {}    # inbox ids in the dispatcher, and their lanes
        self._finished: dict[int, str] = {}  # handled here; their row may still say pending for a moment
        self._sending: dict[int, asyncio.Future[Any]] = {}  # outbox ids in the outbox, and their deliveries
        self._wanted: set[str] = set()    # lanes with new work here that this worker does not hold yet
        self._loading: dict[str, int] = {}  # held lanes with stored rows to read first (a mark per lane): new work waits
        self._left: set[str] = set()  # lanes whose work was left stored (see `may_work`): all of it waits for a load
        self._marks = itertools.count(1)
        self._claiming: asyncio.Task[Any] | None = None
        self._lock = asyncio.Lock()        # lease changes one at a time (an acquire never races a release)
        self._idle: set[str] = set()       # held lanes found idle at the last tick
        self._live = 1                     # live workers, as of the last tick
        self._cap = math.inf               # chats this worker may take without waiting for a tick
        self._task: asyncio.Task[None] | None = None
        self._intakes: dict[str, asyncio.Task[None]] = {}
        self._intake = IntakeLeader(self.leases, self.renewer, self._lock, self.inbox_ids)

    # --- life cycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Announce this worker, fetch id blocks, start renewing leases and looking for work."""
        async with self._lock:
            self.renewer.note(await self.leases.acquire([f"worker:{self.id}"]))
        await self.inbox_ids.renew()
        await self.outbox_ids.renew()
        self.renewer.start()
        self._task = asyncio.create_task(self._loop(), name="practica-workers")

    def lead(self, adapter: Adapter) -> None:
        """Run `adapter`'s intake while this worker holds `intake:<platform>`, wait for it otherwise; an
        intake in parts: run the parts whose leases (`intake:<platform>:<part>`) this worker holds."""
        lead = self._intake.lead_parts(adapter) if adapter.intake_parts > 0 else self._intake.lead(adapter)
        self._intakes[adapter.name] = asyncio.create_task(lead, name=f"practica-intake-{adapter.name}")

    async def stop_looking(self) -> None:
        """Stop claiming new work (a stop: what is in memory finishes; intakes stop)."""
        tasks = [t for t in (self._task, *self._intakes.values()) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._task = None
        self._intakes.clear()

    async def stop(self) -> None:
        """Release every lease (other workers take this worker's chats at once)."""
        await self.stop_looking()
        await self.renewer.stop()
        try:
            await self.leases.release_all()
        except Exception as exc:  # noqa: BLE001 - they expire by themselves
            log.warning("could not release this worker's leases (%s); they expire in %.0f s", type(exc).__name__,
                        self.leases.ttl)

    # --- what the runtime offers ------------------------------------------------------------------

    @property
    def live(self) -> int:
        """Live workers on the database, as of the last tick (this one included)."""
        return self._live

    def holds(self, lane: str) -> bool:
        """Whether new work of `lane` may go straight to this worker's dispatcher or outbox: its lease is
        ours and no load of its stored rows is running (work arriving meanwhile is loaded after those
        rows, in id order, by the next claim)."""
        return lane not in self._loading and self.may_work(lane)

    def may_work(self, lane: str) -> bool:
        """Whether this worker may still handle or send `lane`'s work now: it holds the chat's lease and
        renewed it recently enough (core.leases.TRUST), and none of the chat's work was left stored since
        its last load. Work it may not do stays stored: the chat's next load (here or on the worker that
        takes the chat) reads it back in id order, so the chat's order holds."""
        if lane in self._left:
            return False
        if self.renewer.trusted(f"chat:{lane}"):
            return True
        self._left.add(lane)  # what is queued behind in memory is left too, until the next load
        return False

    def fence(self, lane: str) -> tuple[str, tuple[str, str], bool]:
        """The statement a unit of `lane` commits with: it fails unless the chat's lease is still ours
        by the database's clock (the last guard, for a commit that began while the lease was trusted)."""
        return FENCE_SQL, (f"chat:{lane}", self.id), False

    def left(self, inbox_id: int | None) -> None:
        """The dispatcher left an event unhandled (see `may_work`): its row is still pending, and a later
        claim of its chat (by this worker or another) loads it again."""
        if inbox_id:
            self._queued.pop(inbox_id, None)

    def offer_event(self, event: Event, row_id: int) -> None:
        """A stored inbound event: handled here if this worker holds (or can take) its chat."""
        lane = event.order_key
        if self.holds(lane):
            self._enqueue_once(event, row_id)
        else:
            self._want(lane)

    def offer_record(self, record: Outgoing) -> None:
        """A stored outbound row: sent from here if this worker holds (or can take) its chat."""
        lane = record.action.queue_key
        if self.holds(lane):
            self._submit_once(record)
        else:
            self._want(lane)

    async def send(self, record: Outgoing) -> asyncio.Future[Any]:
        """A row stored outside any unit (background code): sent from here if its chat is or can be
        ours (the future is its delivery), else by the chat's holder (the future is already done)."""
        lane = record.action.queue_key
        if not self.holds(lane):
            await self._claim([lane])
        if self.holds(lane):
            return self._submit_once(record)
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done

    async def look(self) -> None:
        """Take this worker's share of the stored work now (at start, before adapters connect)."""
        await self._tick()

    def finished(self, inbox_id: int | None) -> None:
        """The dispatcher is done with an event (its row is done, or stays pending after a failure)."""
        if inbox_id and inbox_id in self._queued:
            self._finished[inbox_id] = self._queued.pop(inbox_id)

    # --- claiming ------------------------------------------------------------------------------------

    def _enqueue_once(self, event: Event, row_id: int) -> None:
        if row_id in self._queued or row_id in self._finished:
            return
        self._queued[row_id] = event.order_key
        self._enqueue(event, row_id)

    def _submit_once(self, record: Outgoing) -> asyncio.Future[Any]:
        future = self._sending.get(record.id)
        if future is None:
            future = self._sending[record.id] = self._submit(record)
            future.add_done_callback(lambda _: self._sending.pop(record.id, None))
        return future

    def _want(self, lane: str) -> None:
        if f"chat:{lane}" in self.renewer.held:  # ours, rows being read: this one is read by the next load,
            self._loading[lane] = next(self._marks)  # and later work waits until then (order by id)
        elif len(self.renewer.held) > self._cap:
            return  # enough chats here: leave it to a worker with fewer
        self._wanted.add(lane)
        if self._claiming is None or self._claiming.done():
            self._claiming = self._spawn(self._claim_wanted(), "practica-workers-claim")

    async def _claim_wanted(self) -> None:
        while self._wanted:
            lanes, self._wanted = self._wanted, set()
            await self._claim(lanes)

    async def _claim(self, lanes: Iterable[str]) -> set[str]:
        """Take the leases of `lanes` that are free; load the pending rows of the ones taken.

        Under the lock from the acquire to the load: a claim that finds its lanes already taken by a
        claim in progress returns once that one has queued their rows (so `Runtime.idle()`, which
        waits for the claim it spawned, sees the work in the dispatcher and the outbox)."""
        async with self._lock:
            lanes = set(lanes)
            ours = {lane for lane in lanes if f"chat:{lane}" in self.renewer.held}  # work arrived while loading
            names = {f"chat:{lane}" for lane in lanes - ours}
            got = await self.leases.acquire(names) if names else set()
            self.renewer.note(got)
            taken = {name[len("chat:"):] for name in got}
            if taken:  # new rows of these chats must sort after their previous holder's
                with self._holding_back(taken):  # work arriving during the renewal waits for the load
                    await self.outbox_ids.renew()
            await self._load(taken | ours)
        return taken | ours

    async def _load(self, lanes: Iterable[str]) -> None:
        """Queue the pending rows of held `lanes` that are not in memory yet, oldest first (called
        under the lock; the lanes count as not held meanwhile, see `holds`)."""
        wanted = sorted(lane for lane in lanes if self._ready(lane))
        if not wanted:
            return
        with self._holding_back(wanted):
            await self._load_rows(wanted)

    @contextmanager
    def _holding_back(self, lanes: Iterable[str]) -> Iterator[None]:
        """While the block runs, `lanes` count as not held (see `holds`): their new work waits to be read
        back by a load, in id order."""
        marks = {lane: next(self._marks) for lane in lanes}
        self._loading.update(marks)
        try:
            yield
        finally:
            for lane, mark in marks.items():
                if self._loading.get(lane) == mark:  # not marked again meanwhile (`_want`: a later load reads it)
                    del self._loading[lane]

    def _ready(self, lane: str) -> bool:
        """Whether `lane`'s stored rows may be read now: not while work of it was left and some of that
        work is still in memory here (the dispatcher or the outbox is leaving it), or the lease is not
        trusted yet (what is read would only be left again)."""
        if lane not in self._left:
            return True
        if self._busy(lane) or not self.renewer.trusted(f"chat:{lane}"):
            return False
        self._left.discard(lane)
        return True

    async def _load_rows(self, wanted: list[str]) -> None:
        outbox = [r[0] for r in await self.db.fetchall(
            "SELECT id FROM practica_outbox WHERE status = 'pending' AND lane = ANY(?::text[]) ORDER BY id", (wanted,))]
        new = [i for i in outbox if i not in self._sending]
        if new:
            for record in await self.deliveries.pending(ids=new):
                if f"chat:{record.action.queue_key}" in self.renewer.held:
                    self._submit_once(record)
        inbox = [r[0] for r in await self.db.fetchall(
            "SELECT id FROM practica_inbox WHERE status = 'pending' AND lane = ANY(?::text[]) ORDER BY id", (wanted,))]
        pending, loaded = set(inbox), set(wanted)
        for row_id in [i for i, lane in self._finished.items() if lane in loaded and i not in pending]:
            del self._finished[row_id]  # its row says done now: nothing can bring it back
        new = [i for i in inbox if i not in self._queued and i not in self._finished]
        if new:
            for row_id, event in await self.inbox.pending(ids=new):
                if f"chat:{event.order_key}" in self.renewer.held:
                    self._enqueue_once(event, row_id)

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(TICK)
            try:
                await self._tick()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - a dropped connection: look again at the next tick
                log.warning("could not look for work (%s: %s); retrying", type(exc).__name__, exc)

    async def _tick(self) -> None:
        """Release idle chats, take a share of the chats nobody holds, load what arrived for ours."""
        rows = await self.db.fetchall(LANES_SQL)
        live = len(await self.leases.live("worker:")) or 1
        owners = {row[0]: row[1] for row in rows}
        mine = {lane for lane, owner in owners.items() if owner == self.id}
        free = [lane for lane, owner in owners.items() if owner is None]
        share = max(1, math.ceil(len(owners) / live))
        self._live = live
        self._cap = math.inf if live <= 1 else share
        held = {name[len("chat:"):] for name in self.renewer.held if name.startswith("chat:")}
        idle = {lane for lane in held - set(owners) if not self._busy(lane)}
        release = idle & self._idle  # idle for two ticks in a row
        self._idle = idle - release
        if release:
            async with self._lock:  # a claim may have queued work of these chats while the lock was waited for
                release = {lane for lane in release if not self._busy(lane)}
                names = {f"chat:{lane}" for lane in release}
                self.renewer.forget(names)
                await self.leases.release(names)
            for row_id in [i for i, lane in self._finished.items() if lane in release]:
                del self._finished[row_id]
        room = share - len(held - release)
        if free and room > 0:
            free.sort(key=hash)  # workers start at different chats
            await self._claim(free[:room])
        async with self._lock:  # rows other workers wrote for chats held here (a job's replies)
            await self._load(mine & {name[len("chat:"):] for name in self.renewer.held})

    def _lost(self, names: set[str]) -> None:
        """Leases that expired before renewal: another worker may hold those chats now."""
        chats = [name for name in names if name.startswith("chat:")]
        if chats:
            log.warning("this worker lost %d chat(s) it could not renew in time; their queued work is another "
                        "worker's now", len(chats))
