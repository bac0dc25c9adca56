"""Long loops on the event loop, in slices: the bot's chats go on between two slices.

The bot, its jobs and the dashboard share one loop. A page or a recount that turns 100,000 rows into
objects in one go holds every chat for a few hundred milliseconds; in slices of SLICE items each
holds it for a millisecond or two, and the loop runs what is waiting in between.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from itertools import islice
from typing import TypeVar

T = TypeVar("T")
SLICE = 1_000  # items handled between two turns of the loop


async def sliced(items: Iterable[T], size: int = SLICE) -> AsyncIterator[list[T]]:
    """`items` as lists of at most `size`, the loop running other work after each.

    Use as `async for chunk in sliced(rows): for row in chunk: ...`.
    """
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk
        await asyncio.sleep(0)
