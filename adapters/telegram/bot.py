"""A python-telegram-bot `Bot` that survives malformed updates.

PTB parses a whole getUpdates batch at once: one update it cannot read makes it drop the batch
(logging the raw payload) and fetch the same batch again, forever. `PracticaBot.get_updates` parses
each update on its own and replaces an unreadable one by an empty `Update` with the same id, so the
offset moves on and the good updates of the batch still arrive.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import Bot, Update
from telegram.error import InvalidToken
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import JSONDict, ODVInput, TimePeriod

from adapters.telegram.convert import LeanUpdate, lean_update

log = logging.getLogger("practica.adapters.telegram")


class PracticaBot(Bot):
    """`telegram.Bot` with a getUpdates that skips updates it cannot parse.

    Args:
        on_token_rejected: called when getUpdates is refused for the token (revoked while running):
            PTB's polling loop then ends for good, and the adapter must say so.
    """

    __slots__ = ("_on_token_rejected", "_before_fetch")

    def __init__(self, *args: Any, on_token_rejected: Callable[[], None] | None = None,
                 before_fetch: Callable[[], Awaitable[None]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        with self._unfrozen():
            self._on_token_rejected = on_token_rejected
            self._before_fetch = before_fetch

    async def get_updates(  # noqa: D417 - same parameters as Bot.get_updates
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: TimePeriod | None = None,
        allowed_updates: Sequence[str] | None = None,
        *,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
        api_kwargs: JSONDict | None = None,
    ) -> tuple[Update | LeanUpdate, ...]:
        """Like `Bot.get_updates`, but an unreadable update becomes an empty Update (logged, no body),
        and a plain text message arrives already converted (`LeanUpdate`: PTB's Updater only reads
        its `update_id`; the adapter hands its events over).

        Before asking (which confirms every update before `offset` to Telegram), waits until the
        updates fetched last time are stored (`before_fetch`).
        """
        if self._before_fetch is not None:
            await self._before_fetch()
        data: JSONDict = {"timeout": timeout, "offset": offset, "limit": limit, "allowed_updates": allowed_updates}
        base = read_timeout if isinstance(read_timeout, (int, float)) else (self._request[0].read_timeout or 0)
        seconds = timeout.total_seconds() if hasattr(timeout, "total_seconds") else (timeout or 0)  # type: ignore[union-attr]
        try:
            result: Any = await self._post("getUpdates", data, read_timeout=base + seconds,
                                           write_timeout=write_timeout, connect_timeout=connect_timeout,
                                           pool_timeout=pool_timeout, api_kwargs=api_kwargs)
        except InvalidToken:
            if self._on_token_rejected is not None:
                self._on_token_rejected()
            raise
        if not isinstance(result, list):
            log.warning("getUpdates answered something that is not a list of updates; ignored")
            return ()
        return tuple(u for u in (self._parse(item) for item in result) if u is not None)

    def _parse(self, item: Any) -> Update | LeanUpdate | None:
        lean = lean_update(item)  # a plain text message: converted from its JSON, no PTB objects
        if lean is not None:
            return lean
        try:
            return Update.de_json(item, self)
        except Exception as exc:  # noqa: BLE001 - any malformed update must be skipped
            update_id = item.get("update_id") if isinstance(item, dict) else None
            log.warning("ignored an update Telegram sent that could not be read (update %s, %s)",
                        update_id, type(exc).__name__)
            return Update(update_id=update_id) if isinstance(update_id, int) else None
