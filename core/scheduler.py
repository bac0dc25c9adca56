"""Durable jobs in SQLite with one sleeper task.

Plugins declare job kinds (`practica_register_jobs`) and schedule jobs through `ctx.jobs`. The
sleeper asks the database for the earliest due time (an index on status and run_at; the table is never
read whole), sleeps until then or until an earlier job is added, and fires what is due.

Guarantees:
- A job's handler runs inside the transaction that marks it done (or moves a recurring job to its next
  occurrence), so the handler's database writes and the job's completion commit together: a crash
  before the commit re-runs the job with none of its writes kept; a crash after it never re-runs it.
- Misfires: a job found late by less than its kind's `grace` runs once; later than that it is skipped
  to its next occurrence (or marked missed). A recurring job never fires a burst after downtime: the
  next occurrence is always computed after "now".
- Jobs of a disabled plugin stay stored and do not run; they run again once it is enabled.
- Statuses: pending, done (one-off that ran, or a rule that ended), missed (one-off past its grace),
  failed (max_attempts reached, unknown kind), cancelled.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from core.clock import Clock
from core.storage import Row, Storage, from_utc_text as from_iso, to_utc_text as iso
from core.recurrence import next_occurrence
from core.unit import active_unit

log = logging.getLogger("practica.scheduler")

MIGRATIONS = (
    """
    CREATE TABLE practica_jobs (
        id INTEGER PRIMARY KEY,
        plugin TEXT NOT NULL,
        kind TEXT NOT NULL,
        community TEXT NOT NULL,
        payload TEXT NOT NULL DEFAULT '{}',
        run_at TEXT NOT NULL,
        rrule TEXT,
        tz TEXT,
        anchor TEXT,
        key TEXT,
        status TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        last_run TEXT,
        created_at TEXT NOT NULL
    );
    CREATE UNIQUE INDEX practica_jobs_key ON practica_jobs (plugin, key) WHERE key IS NOT NULL;
    CREATE INDEX practica_jobs_due ON practica_jobs (status, run_at);
    """,
    # 2: a plugin's own jobs without walking every pending row (ctx.jobs.list with a million jobs of
    # other plugins pending); keyed lookups already use practica_jobs_key.
    """
    CREATE INDEX practica_jobs_plugin ON practica_jobs (plugin, status, run_at);
    """,
    # 3: several workers on PostgreSQL claim due jobs (core.leases' rule: a claim lapses unless done)
    {"sqlite": "",
     "postgresql": "ALTER TABLE practica_jobs ADD COLUMN claimed_by TEXT; "
                   "ALTER TABLE practica_jobs ADD COLUMN claimed_until TIMESTAMPTZ"},
)

# Several workers (PostgreSQL): each claims a batch of due jobs nobody else holds; the claim lapses
# after `claim_seconds`, so the jobs of a worker that died are taken by another.
_FREE = "(claimed_until IS NULL OR claimed_until < now() OR claimed_by = ?)"
CLAIM_SQL = ("UPDATE practica_jobs SET claimed_by = ?, claimed_until = now() + (?::float8) * interval '1 second' "
             "WHERE id IN (SELECT id FROM practica_jobs WHERE status = 'pending' AND run_at <= ? AND {where} "
             f"AND {_FREE} ORDER BY run_at, id LIMIT {{limit}} FOR UPDATE SKIP LOCKED) RETURNING *")

BATCH = 100


def key_range(prefix: str) -> tuple[str, str] | None:
    """The half-open range [prefix, upper) holding exactly the keys that start with `prefix` (in the
    binary order SQLite compares text in), so a prefix lookup walks the key index; None when there is
    no upper bound (an empty prefix, or one ending in the highest code point)."""
    for end in range(len(prefix) - 1, -1, -1):
        code = ord(prefix[end]) + 1
        if 0xD800 <= code <= 0xDFFF:  # surrogates are not text: the next character is U+E000
            code = 0xE000
        if code <= 0x10FFFF:
            return prefix, prefix[:end] + chr(code)
    return None


C = TypeVar("C")
"""The context a handler receives (core.context.Context; a type parameter, so the scheduler does not import it)."""


@dataclass(frozen=True)
class JobKind(Generic[C]):
    """How a kind of job runs.

    Args:
        handler: `async def handler(ctx, job)`; ctx is bound to the job's plugin and community.
        grace: how late a run is still useful; None = always run once, however late.
        max_attempts: runs that raise are retried up to this many times, `retry_delay` apart.
    """

    handler: Callable[[C, Job], Awaitable[None]]
    grace: timedelta | None = timedelta(hours=1)
    max_attempts: int = 3
    retry_delay: timedelta = timedelta(minutes=1)


@dataclass(frozen=True)
class Job:
    id: int
    plugin: str
    kind: str
    community: str
    payload: Mapping[str, Any]
    run_at: datetime
    rrule: str | None = None
    tz: str | None = None
    key: str | None = None
    attempts: int = 0
    status: str = "pending"
    anchor: datetime | None = None

    @classmethod
    def from_row(cls, row: Row) -> Job:
        return cls(id=row["id"], plugin=row["plugin"], kind=row["kind"], community=row["community"],
                   payload=json.loads(row["payload"]), run_at=from_iso(row["run_at"]), rrule=row["rrule"],
                   tz=row["tz"], key=row["key"], attempts=row["attempts"], status=row["status"],
                   anchor=from_iso(row["anchor"]) if row["anchor"] else None)


RunJob = Callable[[Job, JobKind[Any]], Awaitable[None]]


def _key_filter(prefix: str) -> tuple[str, list[Any]]:
    """SQL (and parameters) for "key starts with `prefix`": a range the key index can walk, plus the
    exact comparison (the range alone is exact in SQLite's binary order; the comparison keeps it exact
    under any collation)."""
    bounds = key_range(prefix)
    exact = "substr(key, 1, ?) = ?"
    if bounds is None:
        return f"key IS NOT NULL AND {exact}", [len(prefix), prefix]
    return f"key >= ? AND key < ? AND {exact}", [bounds[0], bounds[1], len(prefix), prefix]

@dataclass
class Scheduler:
    """The sleeper and the job table. The runtime passes `run` (calls the handler with a ctx).

    Args:
        db: the storage (the table `practica_jobs`).
        clock: real or fake clock.
        run: awaits a job's handler with a context bound to the job's plugin and community.
        kinds: {(plugin, kind): JobKind} from `practica_register_jobs`.
        enabled: plugins whose jobs run; other plugins' jobs stay stored, untouched.
        paused: (plugin, community) pairs whose jobs stay stored and do not run (a community's
            `disabled_plugins`).
    """

    db: Storage
    clock: Clock
    run: RunJob
    kinds: dict[tuple[str, str], JobKind[Any]] = field(default_factory=dict)
    enabled: frozenset[str] = frozenset()
    paused: frozenset[tuple[str, str]] = frozenset()
    unit: Callable[..., Any] | None = None  # the runtime's unit-of-work factory (replies commit with the job)
    claimer: str | None = None  # several workers (PostgreSQL): this worker's id; due jobs are claimed first
    claim_seconds: float = 30.0  # how long a claim keeps other workers off a job
    poll: float = 0.5  # with a claimer: look again at least this often (other workers schedule jobs too)
    _task: asyncio.Task[None] | None = None
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _idle: asyncio.Event = field(default_factory=asyncio.Event)
    _sleeping_until: datetime | None = None

    def start(self) -> None:
        """Start the sleeper task (the runtime calls it once plugins' startup hooks have run)."""
        if self._task is not None and not self._task.done():
            return
        self._idle.clear()
        self._task = asyncio.create_task(self._loop(), name="practica-scheduler")

    async def stop(self) -> None:
        """Cancel the sleeper; a handler still running is rolled back and will run again at the next start."""
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        self._sleeping_until = None

    async def idle(self) -> None:
        """Wait until nothing is due now (tests call it after moving the fake clock)."""
        while self._task is not None and not self._task.done():
            if not self._idle.is_set():
                await self._idle.wait()
                continue
            if not self._wake.is_set() and not self._overdue():
                return
            # Woken (or its moment has come) but the sleeper task has not run yet: let it.
            await asyncio.sleep(0 if self.clock.manual else 0.001)

    async def catch_up(self) -> None:
        """Run every job already due (the runtime calls it at start, before any event is handled,
        so state changes that fell due during downtime are applied before anyone reads them)."""
        try:
            await self._run_due()
        except Exception:
            log.exception("scheduler: could not run the overdue jobs at start; the sleeper will retry")

    def _overdue(self) -> bool:
        until = self._sleeping_until
        return until is not None and until <= self.clock.now()

    # --- the plugin-facing API (through ctx.jobs) ------------------------------------------

    async def schedule(self, plugin: str, kind: str, community: str, run_at: datetime | None = None, *,
                       payload: Mapping[str, Any] | None = None, key: str | None = None, rrule: str | None = None,
                       tz: str | None = None, replace: bool = False) -> Job:
        """Store a job and return it.

        A `key` is the job's idempotency key within its plugin: scheduling a key this plugin already
        used returns the existing job unchanged (whatever its status: a one-off job that already ran
        is not run again), so startup hooks may schedule the same keyed job at every start. With
        `replace=True` the existing job is moved to the new time, payload and rule and made pending
        again. Either way there is one job per key.

        Args:
            plugin: the owning plugin (ctx.jobs fills it in).
            kind: a kind the plugin declared in `practica_register_jobs`.
            community: the community the job's ctx is bound to.
            run_at: when (aware). Optional with `rrule`: the first occurrence after now.
            payload: JSON-serializable data given back as `job.payload`.
            key: idempotency key (see above).
            rrule: an RFC 5545 RRULE evaluated in the wall clock of `tz`.
            tz: IANA time zone of the rule (default UTC).
            replace: move an existing job with the same key instead of keeping it.

        Raises:
            ValueError: unknown kind, naive `run_at`, malformed rule, unknown zone, payload not JSON.
        """
        if (plugin, kind) not in self.kinds:
            raise ValueError(f"plugin {plugin!r} has no job kind {kind!r}; declare it in practica_register_jobs")
        now = self.clock.now()
        zone = ZoneInfo(tz or "UTC")
        if rrule is not None:
            rrulestr(rrule, dtstart=now.replace(tzinfo=None), ignoretz=True)  # raises ValueError when malformed
            if run_at is None:
                run_at = next_occurrence(rrule, zone, now, anchor=now)
                if run_at is None:
                    raise ValueError("the recurrence has no future occurrence")
        if run_at is None or run_at.tzinfo is None:
            raise ValueError("run_at must be an aware datetime")
        run_at = run_at.astimezone(timezone.utc)
        try:
            body = json.dumps(dict(payload or {}), ensure_ascii=False, separators=(",", ":"))
        except TypeError as exc:
            raise ValueError(f"a job's payload must be JSON-serializable: {exc}") from exc
        async with self.db.transaction():
            existing = await self.db.fetchone("SELECT * FROM practica_jobs WHERE plugin = ? AND key = ?", (plugin, key)) if key else None
            if existing is not None and not replace:
                return Job.from_row(existing)
            if existing is not None:
                await self.db.execute(
                    "UPDATE practica_jobs SET kind = ?, community = ?, payload = ?, run_at = ?, rrule = ?, tz = ?, anchor = ?, "
                    "status = 'pending', attempts = 0 WHERE id = ?",
                    (kind, community, body, iso(run_at), rrule, tz, iso(run_at), existing["id"]))
                job_id = existing["id"]
            else:
                insert = ("INSERT INTO practica_jobs (plugin, kind, community, payload, run_at, rrule, tz, anchor, key, created_at) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                if self.claimer is not None and key:  # another worker may schedule the same key right now
                    insert += " ON CONFLICT (plugin, key) WHERE key IS NOT NULL DO NOTHING"
                job_id = await self.db.execute(
                    insert, (plugin, kind, community, body, iso(run_at), rrule, tz, iso(run_at), key, iso(now)))
                if not job_id and self.claimer is not None and key:  # it did: one job per key, theirs
                    theirs = await self.db.fetchone("SELECT * FROM practica_jobs WHERE plugin = ? AND key = ?", (plugin, key))
                    if theirs is not None:
                        return Job.from_row(theirs)
        if self._sleeping_until is None or run_at < self._sleeping_until:
            # an earlier job than the sleeper waits for (or it is busy): look again, once the job is
            # committed (on PostgreSQL the sleeper's read does not wait for the unit, it would miss it)
            unit = active_unit()
            if unit is not None:
                unit.after_commit.append(self._wake.set)
            else:
                self._wake.set()
        return Job(id=job_id, plugin=plugin, kind=kind, community=community, payload=dict(payload or {}),
                   run_at=run_at, rrule=rrule, tz=tz, key=key, anchor=run_at)

    async def cancel(self, plugin: str, key: str | None = None, job_id: int | None = None) -> bool:
        """Cancel a pending job by key or id; True when one was cancelled.

        The key stays taken by the cancelled job: schedule it again with `replace=True`.
        """
        if key is None and job_id is None:
            raise ValueError("cancel needs a key or a job id")
        column, value = ("key", key) if key is not None else ("id", job_id)
        count = await self.db.execute_rowcount(
            f"UPDATE practica_jobs SET status = 'cancelled' WHERE plugin = ? AND {column} = ? AND status = 'pending'", (plugin, value))
        return count > 0

    async def cancel_matching(self, plugin: str, key_prefix: str) -> int:
        """Cancel every pending job of `plugin` whose key starts with `key_prefix` (walks the key index)."""
        sql, params = _key_filter(key_prefix)
        return await self.db.execute_rowcount(
            f"UPDATE practica_jobs SET status = 'cancelled' WHERE plugin = ? AND status = 'pending' AND {sql}",
            (plugin, *params))

    async def pending(self, plugin: str, key: str) -> Job | None:
        """The pending job of `plugin` with idempotency key `key`, if there is one (one index lookup)."""
        row = await self.db.fetchone("SELECT * FROM practica_jobs WHERE plugin = ? AND key = ? AND status = 'pending'",
                                     (plugin, key))
        return Job.from_row(row) if row is not None else None

    async def jobs(self, plugin: str, *, kind: str | None = None, community: str | None = None,
                   key_prefix: str | None = None, limit: int = 1000) -> list[Job]:
        """Pending jobs of a plugin, earliest first (at most `limit`).

        Reads only that plugin's pending rows (index practica_jobs_plugin), or with `key_prefix` only
        the keys in that range (index practica_jobs_key): other plugins' jobs are never walked.
        """
        sql = "SELECT * FROM practica_jobs WHERE plugin = ? AND status = 'pending'"
        params: list[Any] = [plugin]
        if kind is not None:
            sql += " AND kind = ?"
            params.append(kind)
        if community is not None:
            sql += " AND community = ?"
            params.append(community)
        if key_prefix is not None:
            where, values = _key_filter(key_prefix)
            sql += " AND " + where
            params += values
        rows = await self.db.fetchall(sql + " ORDER BY run_at, id LIMIT ?", (*params, limit))
        return [Job.from_row(r) for r in rows]

    # --- the sleeper -----------------------------------------------------------------------

    def _runnable_clause(self) -> tuple[str, list[str]]:
        """SQL (and parameters) restricting the sleeper to jobs that may run: enabled plugins,
        minus paused (plugin, community) pairs. Evaluated on rows the due index yields in order."""
        names = sorted(self.enabled)
        sql = f"plugin IN ({','.join('?' * len(names))})"
        params = list(names)
        for plugin, community in sorted(self.paused):
            sql += " AND NOT (plugin = ? AND community = ?)"
            params += [plugin, community]
        return sql, params

    async def _loop(self) -> None:
        while True:
            self._wake.clear()
            try:
                nxt = await self._run_due()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database failed: never spin, try again a little later
                log.exception("scheduler: could not read or update the job table; retrying in 5 s")
                nxt = iso(self.clock.now() + timedelta(seconds=5))
            if self._wake.is_set():
                continue
            until = self._sleeping_until = from_iso(nxt) if nxt else None
            self._idle.set()
            sleeper = asyncio.ensure_future(self.clock.sleep_until(until) if until is not None else asyncio.Event().wait())
            waker = asyncio.ensure_future(self._wake.wait())
            waits = {sleeper, waker}
            if self.claimer is not None:  # jobs scheduled or freed by other workers wake nobody here
                waits.add(asyncio.ensure_future(asyncio.sleep(self.poll)))
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiting in waits:
                    waiting.cancel()
                self._idle.clear()
                self._sleeping_until = None

    async def _run_due(self) -> str | None:
        """Fire every job due now, a bounded batch at a time; return the next due time (or None).

        Both statements walk the (status, run_at) index from its pending, earliest end: the table is
        never read whole, and at most BATCH rows are in memory at once.
        """
        if not self.enabled:
            return None
        where, params = self._runnable_clause()
        while True:
            now = self.clock.now()
            if self.claimer is None:
                rows = await self.db.fetchall(
                    f"SELECT * FROM practica_jobs WHERE status = 'pending' AND run_at <= ? AND {where} "
                    f"ORDER BY run_at, id LIMIT {BATCH}", (iso(now), *params))
            else:
                rows = await self._claim(now, where, params)
            for row in rows:
                await self._fire_safely(row, now)
            if len(rows) < BATCH:
                break
        if self.claimer is not None:  # jobs other workers hold are theirs until their claim lapses
            where, params = f"{where} AND {_FREE}", [*params, self.claimer]
        earliest: str | None = await self.db.fetchval(
            f"SELECT run_at FROM practica_jobs WHERE status = 'pending' AND {where} ORDER BY run_at LIMIT 1", params)
        return earliest

    async def _claim(self, now: datetime, where: str, params: list[str]) -> list[Row]:
        """Claim up to BATCH due jobs no other live worker holds (skipping rows another worker is
        claiming right now), earliest first. A job fires once whatever the claims say: its completion
        is the first statement of its transaction and only matches the row as it was read."""
        rows = await self.db.fetchall(CLAIM_SQL.format(where=where, limit=BATCH),
                                      (self.claimer, self.claim_seconds, iso(now), *params, self.claimer))
        return sorted(rows, key=lambda row: (row["run_at"], row["id"]))

    async def _fire_safely(self, row: Row, now: datetime) -> None:
        """Fire one job; a job whose bookkeeping itself fails (a corrupt row) is marked failed, never retried in a loop."""
        try:
            await self._fire(Job.from_row(row), now)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("plugin %s: job %d cannot be run (bad row?); marked failed", row["plugin"], row["id"])
            await self.db.execute("UPDATE practica_jobs SET status = 'failed' WHERE id = ? AND status = 'pending'", (row["id"],))

    async def _fire(self, job: Job, now: datetime) -> None:
        kind = self.kinds.get((job.plugin, job.kind))
        if kind is None:
            log.error("plugin %s: job %d has unknown kind %r; marked failed", job.plugin, job.id, job.kind)
            await self._set(job, status="failed")
            return
        late = now - job.run_at
        if kind.grace is not None and late > kind.grace:
            log.info("plugin %s: job %d (%s) is %s late, past its grace; skipped", job.plugin, job.id, job.kind, late)
            await self._finish(job, now, ran=False)
            return
        try:
            async with (self.unit(eager=True) if self.unit is not None else self.db.transaction()):
                # Completion first, in the same transaction as the handler's writes: if the job was
                # cancelled or moved since it was read, nothing runs; if the handler raises, both
                # roll back; a handler that reschedules its own key overrides this update.
                if not await self._finish(job, now, ran=True):
                    return
                await self.run(job, kind)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("plugin %s: job %d (%s) failed (attempt %d of %d)", job.plugin, job.id, job.kind,
                          job.attempts + 1, kind.max_attempts)
            if job.attempts + 1 >= kind.max_attempts:
                if job.rrule:
                    await self._finish(job, now, ran=False)
                else:
                    await self._set(job, status="failed", attempts=job.attempts + 1)
            else:
                await self._set(job, attempts=job.attempts + 1, run_at=iso(now + kind.retry_delay))

    async def _set(self, job: Job, **values: Any) -> bool:
        """Update a job that is still exactly as it was read (pending, same due time); True if it was."""
        if self.claimer is not None:  # settled: a later occurrence is free for any worker
            values = {**values, "claimed_by": None, "claimed_until": None}
        columns = ", ".join(f"{name} = ?" for name in values)
        return await self.db.execute_rowcount(
            f"UPDATE practica_jobs SET {columns} WHERE id = ? AND status = 'pending' AND run_at = ?",
            (*values.values(), job.id, iso(job.run_at))) > 0

    async def _finish(self, job: Job, now: datetime, *, ran: bool) -> bool:
        """Mark a one-off job done (or missed); move a recurring one to its first occurrence after now
        (so downtime never causes a burst of missed occurrences)."""
        ran_at: dict[str, Any] = {"last_run": iso(now)} if ran else {}
        if job.rrule:
            zone = ZoneInfo(job.tz or "UTC")
            nxt = next_occurrence(job.rrule, zone, max(now, job.run_at), anchor=job.anchor or job.run_at)
            if nxt is not None:
                return await self._set(job, run_at=iso(nxt), attempts=0, **ran_at)
        return await self._set(job, status="done" if ran else "missed", **ran_at)


def kinds_from(declared: Iterable[tuple[str, Mapping[str, JobKind[Any]]]]) -> dict[tuple[str, str], JobKind[Any]]:
    """Flatten `practica_register_jobs` results into {(plugin, kind): JobKind}."""
    out: dict[tuple[str, str], JobKind[Any]] = {}
    for plugin, kinds in declared:
        for name, kind in kinds.items():
            if not isinstance(kind, JobKind):
                from core.errors import PluginLoadError

                raise PluginLoadError(f"plugin {plugin!r}: job kind {name!r} must be a core.JobKind, got {kind!r}.")
            out[(plugin, name)] = kind
    return out
