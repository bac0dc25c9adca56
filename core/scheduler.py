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
- Jobs of a disabled plugin stay stored and do not run.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from core.clock import Clock
from core.storage import Row, Storage
from core.timeparse import next_occurrence

if TYPE_CHECKING:
    from core.context import Context

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
)

BATCH = 100


def iso(when: datetime) -> str:
    """Fixed-width UTC text that sorts like the time it stands for."""
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class JobKind:
    """How a kind of job runs.

    Args:
        handler: `async def handler(ctx, job)`; ctx is bound to the job's plugin and community.
        grace: how late a run is still useful; None = always run once, however late.
        max_attempts: runs that raise are retried up to this many times, `retry_delay` apart.
    """

    handler: Callable[[Context, Job], Awaitable[None]]
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


RunJob = Callable[[Job, JobKind], Awaitable[None]]


@dataclass
class Scheduler:
    """The sleeper and the job table. The runtime passes `run` (calls the handler with a ctx)."""

    db: Storage
    clock: Clock
    run: RunJob
    kinds: dict[tuple[str, str], JobKind] = field(default_factory=dict)
    enabled: frozenset[str] = frozenset()
    _task: asyncio.Task[None] | None = None
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _idle: asyncio.Event = field(default_factory=asyncio.Event)
    _sleeping_until: datetime | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="practica-scheduler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def idle(self) -> None:
        """Wait until nothing is due now (tests call it after moving the fake clock)."""
        if self._task is None or self._task.done():
            return
        while True:
            await self._idle.wait()
            if not self._wake.is_set():
                return
            await asyncio.sleep(0)

    # --- the plugin-facing API (through ctx.jobs) ------------------------------------------

    async def schedule(self, plugin: str, kind: str, community: str, run_at: datetime | None = None, *,
                       payload: Mapping[str, Any] | None = None, key: str | None = None, rrule: str | None = None,
                       tz: str | None = None, replace: bool = False) -> Job:
        """Store a job. With a `key` already used by this plugin, the existing job is kept (or, with
        `replace=True`, moved to the new time and payload); either way there is one job per key."""
        if (plugin, kind) not in self.kinds:
            raise ValueError(f"plugin {plugin!r} has no job kind {kind!r}; declare it in practica_register_jobs")
        now = self.clock.now()
        zone = ZoneInfo(tz) if tz else timezone.utc
        if rrule is not None:
            rrulestr(rrule, dtstart=now.replace(tzinfo=None), ignoretz=True)  # raises ValueError when malformed
            if run_at is None:
                run_at = next_occurrence(rrule, zone, now, anchor=now)  # type: ignore[arg-type]
                if run_at is None:
                    raise ValueError("the recurrence has no future occurrence")
        if run_at is None or run_at.tzinfo is None:
            raise ValueError("run_at must be an aware datetime")
        body = json.dumps(dict(payload or {}), ensure_ascii=False, separators=(",", ":"))
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
                job_id = await self.db.execute(
                    "INSERT INTO practica_jobs (plugin, kind, community, payload, run_at, rrule, tz, anchor, key, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (plugin, kind, community, body, iso(run_at), rrule, tz, iso(run_at), key, iso(now)))
        if self._sleeping_until is None or run_at < self._sleeping_until:
            self._wake.set()
            self._idle.clear()
        return Job(id=job_id, plugin=plugin, kind=kind, community=community, payload=dict(payload or {}),
                   run_at=run_at, rrule=rrule, tz=tz, key=key, anchor=run_at)

    async def cancel(self, plugin: str, key: str | None = None, job_id: int | None = None) -> bool:
        """Cancel a pending job by key or id; True when one was cancelled."""
        column, value = ("key", key) if key is not None else ("id", job_id)
        count = await self.db.execute_rowcount(
            f"UPDATE practica_jobs SET status = 'cancelled' WHERE plugin = ? AND {column} = ? AND status = 'pending'", (plugin, value))
        return count > 0

    async def cancel_matching(self, plugin: str, key_prefix: str) -> int:
        """Cancel every pending job of `plugin` whose key starts with `key_prefix`."""
        return await self.db.execute_rowcount(
            "UPDATE practica_jobs SET status = 'cancelled' WHERE plugin = ? AND status = 'pending' AND key LIKE ? ESCAPE '\\'",
            (plugin, key_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"))

    async def jobs(self, plugin: str, *, kind: str | None = None, community: str | None = None,
                   key_prefix: str | None = None, limit: int = 1000) -> list[Job]:
        """Pending jobs of a plugin, earliest first."""
        sql = "SELECT * FROM practica_jobs WHERE plugin = ? AND status = 'pending'"
        params: list[Any] = [plugin]
        if kind is not None:
            sql += " AND kind = ?"
            params.append(kind)
        if community is not None:
            sql += " AND community = ?"
            params.append(community)
        if key_prefix is not None:
            sql += " AND substr(key, 1, ?) = ?"
            params += [len(key_prefix), key_prefix]
        rows = await self.db.fetchall(sql + " ORDER BY run_at LIMIT ?", (*params, limit))
        return [Job.from_row(r) for r in rows]

    # --- the sleeper -----------------------------------------------------------------------

    def _enabled_clause(self) -> tuple[str, list[str]]:
        names = sorted(self.enabled)
        return f"plugin IN ({','.join('?' * len(names))})", names

    async def _loop(self) -> None:
        while True:
            self._wake.clear()
            now = self.clock.now()
            where, names = self._enabled_clause()
            if not names:
                rows = []
            else:
                rows = await self.db.fetchall(
                    f"SELECT * FROM practica_jobs WHERE status = 'pending' AND run_at <= ? AND {where} ORDER BY run_at LIMIT {BATCH}",
                    (iso(now), *names))
            for row in rows:
                await self._fire(Job.from_row(row), now)
            if len(rows) == BATCH:
                continue
            nxt = await self.db.fetchval(f"SELECT MIN(run_at) FROM practica_jobs WHERE status = 'pending' AND {where}", names) if names else None
            if self._wake.is_set():
                continue
            self._sleeping_until = from_iso(nxt) if nxt else None
            self._idle.set()
            sleeper = asyncio.ensure_future(self.clock.sleep_until(self._sleeping_until) if nxt else asyncio.Event().wait())
            waker = asyncio.ensure_future(self._wake.wait())
            try:
                await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                sleeper.cancel()
                waker.cancel()
                self._idle.clear()
                self._sleeping_until = None

    async def _fire(self, job: Job, now: datetime) -> None:
        kind = self.kinds.get((job.plugin, job.kind))
        if kind is None:
            log.error("plugin %s: job %d has unknown kind %r; marked failed", job.plugin, job.id, job.kind)
            await self.db.execute("UPDATE practica_jobs SET status = 'failed' WHERE id = ?", (job.id,))
            return
        late = now - job.run_at
        if kind.grace is not None and late > kind.grace:
            log.info("plugin %s: job %d (%s) is %s late, past its grace; skipped", job.plugin, job.id, job.kind, late)
            await self._advance(job, now, ran=False)
            return
        try:
            async with self.db.transaction():
                await self.run(job, kind)
                await self._advance(job, now, ran=True)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("plugin %s: job %d (%s) failed (attempt %d of %d)", job.plugin, job.id, job.kind,
                          job.attempts + 1, kind.max_attempts)
            if job.attempts + 1 >= kind.max_attempts:
                if job.rrule:
                    await self._advance(job, now, ran=False)
                else:
                    await self.db.execute("UPDATE practica_jobs SET status = 'failed', attempts = attempts + 1 WHERE id = ?", (job.id,))
            else:
                await self.db.execute("UPDATE practica_jobs SET attempts = attempts + 1, run_at = ? WHERE id = ?",
                                      (iso(now + kind.retry_delay), job.id))

    async def _advance(self, job: Job, now: datetime, *, ran: bool) -> None:
        """Mark a one-off job done (or missed); move a recurring one to its next occurrence after now."""
        if job.rrule:
            zone = ZoneInfo(job.tz) if job.tz else timezone.utc
            nxt = next_occurrence(job.rrule, zone, max(now, job.run_at), anchor=job.anchor or job.run_at)
            if nxt is not None:
                await self.db.execute("UPDATE practica_jobs SET run_at = ?, attempts = 0, last_run = ? WHERE id = ?",
                                      (iso(nxt), iso(now) if ran else None, job.id))
                return
        await self.db.execute("UPDATE practica_jobs SET status = ?, last_run = ? WHERE id = ?",
                              ("done" if ran else "missed", iso(now) if ran else None, job.id))


def kinds_from(declared: Iterable[tuple[str, Mapping[str, JobKind]]]) -> dict[tuple[str, str], JobKind]:
    """Flatten `practica_register_jobs` results into {(plugin, kind): JobKind}."""
    out: dict[tuple[str, str], JobKind] = {}
    for plugin, kinds in declared:
        for name, kind in kinds.items():
            if not isinstance(kind, JobKind):
                from core.errors import PluginLoadError

                raise PluginLoadError(f"plugin {plugin!r}: job kind {name!r} must be a core.JobKind, got {kind!r}.")
            out[(plugin, name)] = kind
    return out
