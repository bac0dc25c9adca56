"""The unit of work: one transaction per handled event or job, with its replies and domain events.

    async with UnitOfWork(storage, on_commit) as unit:   # the runtime opens one per event / job
        ...plugin code: ctx.db statements, ctx.reply(...), ctx.emit(...)...

- The transaction begins lazily, at the unit's first statement, and holds the connection until the
  unit ends. A handler that never touches the database (a `/help`) never takes it, so a plugin that
  hangs before its first statement blocks no other chat.
- `ctx.reply`/`ctx.act`/`ctx.emit` inside a unit only buffer. At the end the buffers are written as
  outbox and inbox rows in the same transaction (`on_commit(unit)` gives the statements), then COMMIT, then
  `after_commit` callbacks hand them to the sender and the dispatcher. A rollback drops them, so a
  member never sees a reply for work that was undone, nor work done without its reply.
- Each plugin call is a *part*: when it fails (raises, times out) only its own writes (a SAVEPOINT,
  made lazily at its first statement), replies and domain events are undone.
"""

from __future__ import annotations

import asyncio
import contextvars
import itertools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from core.events import Event
    from core.replies import Action, Priority

log = logging.getLogger("practica.unit")

Step = tuple[str, Any, bool]  # (sql, parameters or rows, many): see Storage.run_script



class UnitStorage(Protocol):
    """What a unit needs of a storage, core.storage.Storage (SQLite) or core.storage_pg.PgStorage (a
    protocol, so that storage, which asks the current unit before each statement, and the unit do not
    import each other)."""

    async def hold(self) -> None:
        """Take the connection for the current task until `let_go` (SQLite: the one connection)."""

    def let_go(self) -> None:
        """Give back what `hold` took (after COMMIT or ROLLBACK)."""

    async def run_script(self, steps: Sequence[tuple[str, Sequence[Any], bool]]) -> None: ...

    def queue_script(self, steps: Sequence[tuple[str, Sequence[Any], bool]]) -> Awaitable[None]: ...

    def defer(self, sql: str) -> None: ...

    async def rollback_to(self, name: str) -> None: ...

    async def write_batch(self, steps: Sequence[Step]) -> list[int | None]: ...

    async def _rollback(self) -> None: ...


current_unit: contextvars.ContextVar[UnitOfWork | None] = contextvars.ContextVar("practica_unit", default=None)
# The storage whose transaction the current task holds (set by Storage.transaction and by units).
_in_transaction: contextvars.ContextVar[tuple[UnitStorage, asyncio.Task[Any] | None] | None] = contextvars.ContextVar(
    "practica_tx", default=None)


@dataclass(slots=True)
class Outgoing:
    """An outbound action asked for inside a unit (or by background code), on its way to the outbox."""

    action: Action
    priority: int
    plugin: str = ""
    community: str = ""
    notify: str | None = None             # tag given back to the plugin's practica_on_delivered
    data: dict[str, Any] | None = None    # JSON-able data given back with it
    id: int = 0                           # the outbox row, once written
    parts_sent: int = 0


@dataclass(slots=True)
class Part:
    """One plugin call inside a unit: what to undo when it fails."""

    actions: int
    events: int
    undo: int
    savepoint: str | None = None
    opened_here: bool = False


class UnitOfWork:
    """See the module docstring. Not re-entrant: a unit inside a unit joins the outer one."""

    __slots__ = ("storage", "on_commit", "on_clean", "inbox_id", "eager", "outgoing", "events", "undo", "after_commit",
                 "task", "opened", "wrote", "unsaved", "lost", "before_commit", "_token", "_unit_token", "_pending_part",
                 "_savepoints", "_outer", "fence")

    def __init__(self, storage: UnitStorage, on_commit: Callable[[UnitOfWork], list[Step]],
                 *, inbox_id: int | None = None, eager: bool = False,
                 on_clean: Callable[[UnitOfWork], None] | None = None,
                 before_commit: Callable[[UnitOfWork], Awaitable[None]] | None = None) -> None:
        self.storage = storage
        self.before_commit = before_commit  # awaited before on_commit (several workers: reserve row ids)
        self.on_commit = on_commit
        self.on_clean = on_clean
        self.inbox_id = inbox_id
        self.eager = eager
        self.outgoing: list[Outgoing] = []
        self.events: list[Event] = []  # domain events, and inbound events to handle again
        self.undo: list[Callable[[], None]] = []
        self.after_commit: list[Callable[[], Any]] = []
        self.task: asyncio.Task[Any] | None = None
        self.opened = False
        self.wrote = False  # a plugin statement that changes data ran (set by Storage)
        self.unsaved: list[Outgoing] = []  # what a failed COMMIT could not store (see Runtime.handle_event)
        self.lost: BaseException | None = None  # the connection was lost under a part: the unit must run again
        self._token: contextvars.Token[Any] | None = None
        self._unit_token: contextvars.Token[UnitOfWork | None] | None = None
        self._pending_part: Part | None = None
        self._savepoints = 0
        self._outer: UnitOfWork | None = None
        self.fence: Step | None = None  # several workers: a statement that fails unless the chat is still ours

    # --- entering and leaving ----------------------------------------------------------------

    async def __aenter__(self) -> UnitOfWork:
        outer = current_unit.get()
        if outer is not None and outer.task is asyncio.current_task():
            self._outer = outer  # joined: everything goes into the outer unit
            return outer
        self.task = asyncio.current_task()
        self._unit_token = current_unit.set(self)
        if self.eager:
            try:
                await self.open()
            except BaseException:  # no __aexit__ follows: leave nothing behind, or the task's next unit
                if self.opened:    # would join this dead one (and never commit nor let go)
                    self._release()
                current_unit.reset(self._unit_token)
                self._unit_token = None
                raise
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        if self._outer is not None:
            return
        try:
            if exc is None:
                await self.commit()
            else:
                await self.rollback()
        finally:
            if self._unit_token is not None:
                current_unit.reset(self._unit_token)
                self._unit_token = None

    # --- the transaction ------------------------------------------------------------------------

    async def open(self) -> None:
        """Take the connection and BEGIN (called by Storage at the unit's first statement; the BEGIN
        itself runs in the same trip as that statement)."""
        if self.opened:
            return
        await self._take_connection()
        self.storage.defer("BEGIN IMMEDIATE")
        part = self._pending_part
        if part is not None:  # the part that caused the BEGIN rolls back the whole transaction
            part.opened_here = True
            self._pending_part = None

    async def _take_connection(self) -> None:
        """Hold the connection for this unit (marked opened: a failure from here on rolls back)."""
        await self.storage.hold()
        self._token = _in_transaction.set((self.storage, self.task))
        self.opened = True

    def before_statement(self) -> None:
        """Storage calls this before each statement of the owning task: make a pending savepoint (it
        runs in the same trip as that statement)."""
        part = self._pending_part
        if part is not None:
            self._pending_part = None
            self._savepoints += 1
            part.savepoint = f"practica_part_{self._savepoints}"
            self.storage.defer(f"SAVEPOINT {part.savepoint}")

    def _release(self) -> None:
        if self._token is not None:
            _in_transaction.reset(self._token)
            self._token = None
        self.opened = False
        self.storage.let_go()

    async def commit(self) -> None:
        """Write the buffers, COMMIT, then run the after-commit callbacks.

        A unit that touched nothing (no statement, no reply, no domain event: most plain messages)
        takes no transaction at all: `on_clean` records its inbox row as done later, in a batch. A
        crash before that batch only means the event runs again, which changes nothing.
        """
        if self.lost is not None:  # a part's failure was the database going away: nothing of the unit may stand
            await self.rollback()
            raise self.lost
        if not (self.opened or self.outgoing or self.events) and self.inbox_id is not None and self.on_clean is not None:
            self.on_clean(self)
        elif self.opened or self.outgoing or self.events or self.inbox_id is not None:
            handler_wrote = self.wrote  # the rows written next are the unit's own bookkeeping
            try:
                if self.before_commit is not None:
                    await self.before_commit(self)
                steps = self.on_commit(self)
                if self.fence is not None and (steps or self.opened):  # nothing commits unless the chat is ours
                    steps = [self.fence, *steps]
                if self.opened:  # the unit's rows and the COMMIT in one trip to the database thread
                    trip = self.storage.queue_script([*steps, ("COMMIT", (), False)])
                    # Hand the connection on now: the next unit's statements queue behind this trip
                    # (one thread, in order), and a failed trip rolled itself back in the thread.
                    self._release()
                    await trip
                else:  # nothing ran yet (a reply-only command): its rows join the next group commit
                    await self.storage.write_batch(steps)
            except BaseException:
                self.wrote = handler_wrote
                self.unsaved = list(self.outgoing)
                await self.rollback()
                raise
            if self.opened:
                self._release()
        for callback in self.after_commit:
            try:
                callback()
            except Exception:
                log.exception("after-commit callback failed")

    async def rollback(self) -> None:
        """Undo everything: the transaction, the buffers, and in-memory changes registered in `undo`."""
        if self.opened:
            try:
                await self.storage._rollback()
            finally:
                self._release()
        for undo in reversed(self.undo):
            undo()
        self.outgoing.clear()
        self.events.clear()
        self.undo.clear()
        self.after_commit.clear()

    # --- parts: one per plugin call ---------------------------------------------------------------

    def begin_part(self) -> Part:
        part = Part(len(self.outgoing), len(self.events), len(self.undo))
        self._pending_part = part  # a savepoint (or the BEGIN) is made at its first statement
        return part

    def end_part(self, part: Part) -> None:
        if self._pending_part is part:
            self._pending_part = None

    async def fail_part(self, part: Part) -> None:
        """Undo what this plugin call did; the rest of the unit goes on."""
        if self._pending_part is part:
            self._pending_part = None
        if part.savepoint is not None and self.opened:
            await self.storage.rollback_to(part.savepoint)
        elif part.opened_here and self.opened:
            try:
                await self.storage._rollback()
            finally:
                self._release()
        for undo in reversed(self.undo[part.undo:]):
            undo()
        del self.outgoing[part.actions:]
        del self.events[part.events:]
        del self.undo[part.undo:]

    # --- buffering --------------------------------------------------------------------------------

    def add(self, outgoing: Outgoing) -> None:
        self.outgoing.append(outgoing)

    def emit(self, event: Event) -> None:
        self.events.append(event)


_savepoint_numbers = itertools.count(1)


def unit_of(storage: UnitStorage) -> UnitOfWork | None:
    """The current task's unit of work when it runs on `storage` (a `transaction()` inside it nests)."""
    unit = current_unit.get()
    if unit is None or unit.storage is not storage or unit.task is not asyncio.current_task():
        return None
    return unit


def on_rollback(storage: UnitStorage, undo: Callable[[], None]) -> None:
    """Call `undo` if what the current task's unit of work on `storage` wrote so far is rolled back (the
    part running now fails, or the unit's COMMIT does): for in-memory state that must follow what the
    database keeps. Outside a unit nothing is registered: a transaction of its own commits or raises
    where it stands."""
    unit = unit_of(storage)
    if unit is not None:
        unit.undo.append(undo)


def after_commit(storage: UnitStorage, done: Callable[[], None]) -> None:
    """Call `done` once what the current task's unit of work on `storage` wrote is committed (never if it
    is rolled back), else at once: for an in-memory note that something changed, which others then read
    from the database and must find there (on PostgreSQL they read on other connections, which see
    nothing until the COMMIT)."""
    unit = unit_of(storage)
    if unit is None:
        done()
    else:
        unit.after_commit.append(done)


@asynccontextmanager
async def nested_block(storage: UnitStorage, unit: UnitOfWork | None) -> AsyncIterator[None]:
    """A `transaction()` inside a unit or another transaction, on either engine: a savepoint, so that an
    exception leaving the block undoes the block's writes and nothing else, even when the caller
    catches it. The savepoint runs with the block's first statement (nothing when it writes nothing)."""
    if unit is not None:
        await unit.open()
        if unit._pending_part is not None:
            unit.before_statement()
    name = f"practica_tx_{next(_savepoint_numbers)}"
    storage.defer(f"SAVEPOINT {name}")
    try:
        yield
    except BaseException:
        await storage.rollback_to(name)
        raise


def active_unit() -> UnitOfWork | None:
    """The unit of the current task, if any."""
    unit = current_unit.get()
    if unit is not None and unit.task is asyncio.current_task():
        return unit
    return None


def priority_of(action: Action, priority: Priority | None) -> int:
    return int(priority if priority is not None else action.default_priority)
