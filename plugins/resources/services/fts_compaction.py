"""Merging the SQLite full-text index back into one piece after the library changed.

FTS5 writes the words of every write (each transaction or savepoint: every /save, every /delete) as a
new segment, and a search looks each of its words up in every segment. FTS5 merges some segments as it
goes (automerge), but a library saved one item at a time keeps a dozen or more: at 300 items a
three-word search costs SQLite 0.22-0.32 ms, against 0.08-0.12 ms once the index is one segment
(bench/ANALYSIS.md). Near the budget of a read on the loop's thread (core.inline_trips) that is the
difference between answering inline and a trip to the database thread behind the other units.

So, COMPACT_AFTER seconds after the first change since the last merge (a burst of saves pays once)
and once after startup, the index is rewritten as one segment (FTS5's 'optimize'):

- in its own transaction, always on the database thread, never inline: it rewrites the whole index
  (about 2.5 ms at 300 items, 10 ms at 3,000, 150 ms at 20,000 saved one by one);
- only while the library has at most COMPACT_MAX items (by its highest id: ids are never reused). A
  larger one keeps FTS5's automerge: there the size of the postings, not the number of segments, sets
  a search's cost, and a rewrite would hold the one connection for too long.

The incremental form ('merge' with a negative page count) is not used: on SQLite 3.40.1 it corrupts
the index when run after inserts, in the same transaction or the next ("database disk image is
malformed", reproduced in a plain sqlite3 script). A merge that fails (a full disk) is rolled back and
loses nothing: the index stays as it was, correct and only slower, and the next change tries again.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass

from core import Storage

COMPACT_AFTER = 5.0   # seconds from the first change since the last merge to the next merge
COMPACT_MAX = 20_000  # items above which the index is left to FTS5's automerge
_OPTIMIZE = "INSERT INTO resources_fts (resources_fts) VALUES ('optimize')"

log = logging.getLogger("practica.plugins.resources")


@dataclass
class _Merges:
    """The merge of one database: waiting for its time (timer) or running (task)."""

    timer: asyncio.TimerHandle | None = None
    task: asyncio.Task[bool] | None = None
    stopped: bool = False


_merges: weakref.WeakKeyDictionary[Storage, _Merges] = weakref.WeakKeyDictionary()


def changed(db: Storage) -> None:
    """The library's indexed text changed: merge the index COMPACT_AFTER seconds from now, unless a
    merge is already planned (the changes until then are merged with it)."""
    merges = _merges.setdefault(db, _Merges())
    if merges.timer is None and not merges.stopped:
        merges.timer = asyncio.get_running_loop().call_later(COMPACT_AFTER, _start, db, merges)


def _start(db: Storage, merges: _Merges) -> None:
    merges.timer = None
    if merges.task is not None and not merges.task.done():  # still merging: once more after it
        changed(db)
        return
    merges.task = asyncio.get_running_loop().create_task(compact(db), name="resources-index-merge")


async def compact(db: Storage) -> bool:
    """Merge the index into one segment now, when the library is small enough; True when merged."""
    try:
        highest = await db.fetchval("SELECT MAX(id) FROM resources_items", (), None)
        if highest is not None and int(highest) > COMPACT_MAX:
            return False
        async with db.transaction():
            await db.run(_OPTIMIZE)  # `run`: always on the database thread
    except Exception:  # noqa: BLE001 - rolled back: the index is as it was, still correct
        log.warning("could not merge the library's search index (searches stay correct, only slower); "
                    "it is tried again after the next change", exc_info=True)
        return False
    return True


async def settled(db: Storage) -> None:
    """Wait for the merge that is running, if any (shutdown, tests)."""
    merges = _merges.get(db)
    if merges is not None and merges.task is not None:
        await asyncio.gather(merges.task, return_exceptions=True)


async def stop(db: Storage) -> None:
    """At shutdown: no merge starts any more, and the one running is waited for."""
    merges = _merges.setdefault(db, _Merges())
    merges.stopped = True
    if merges.timer is not None:
        merges.timer.cancel()
        merges.timer = None
    await settled(db)
