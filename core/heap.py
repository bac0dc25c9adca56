"""Keep the garbage collector's full passes short in a long-running bot process.

CPython's full collection walks every tracked object, and what a bot builds at startup (plugins,
configuration, hook tables, the directories of members and identities) lives as long as the process: a
single `practica run` walked ~35k startup objects each time, 7 ms with 1,000 members and 12 ms with
100,000 (the directory's dicts are traversed entry by entry), and the benchmarks' process, four bots in
one interpreter, paused 40-50 ms once every two passes of 4,000 updates. Those pauses stop every chat
at once. After startup those objects are moved out of the collector's view (`gc.freeze`, what large
Python services do after their warm-up); later collections walk only what was made since.

The price: a frozen object that later becomes part of an unreachable cycle is never freed. Reference
counting still frees everything else (a directory entry replaced, a finished task), and what was frozen
is only what startup left alive, once per process, so that loss is bounded. Stored data is not
concerned: this is process memory only.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger("practica.runtime")


def settle_after_start() -> None:
    """Free the garbage startup left (so no unreachable cycle is kept for good), then freeze what is
    still alive out of the collector's later passes. Called once the bot has started."""
    gc.collect()
    gc.freeze()
    log.debug("%d startup objects left the collector's full passes", gc.get_freeze_count())
