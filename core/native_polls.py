"""Where each native poll was posted, so that its votes act in the poll's community.

A Telegram `poll_answer` names the poll and the voter, not the chat. Without this, a vote would act
in the voter's own community (the one their private chat acts in), and the member-standing filter
(core.standing) would ask the wrong community whether the voter is banned or muted. When the
platform confirms a SendPoll, the poll's reference and chat are recorded: one row per poll, nothing
about members. Lookups are answered from memory; rows older than `KEEP` are purged at start. With
several workers, a poll posted by one is announced to the others (core.directories), which read its row.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from core.clock import Clock
from core.deliveries import Deliveries
from core.engines import again_on_lost_connection
from core.errors import DeliveryError
from core.events import ChatRef
from core.replies import SendPoll, Sent
from core.storage import Storage, to_utc_text
from core.unit import Outgoing

if TYPE_CHECKING:
    from core.directories import Notices

log = logging.getLogger("practica.native_polls")

MIGRATIONS = (
    """
    CREATE TABLE practica_native_polls (
        platform TEXT NOT NULL,
        poll_ref TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        chat_kind TEXT NOT NULL,
        posted_at TEXT NOT NULL,
        PRIMARY KEY (platform, poll_ref)
    );
    """,
)

_INSERT = ("INSERT INTO practica_native_polls (platform, poll_ref, chat_id, chat_kind, posted_at) VALUES (?, ?, ?, ?, ?) "
           "ON CONFLICT (platform, poll_ref) DO NOTHING")
KEEP = timedelta(days=400)  # a Telegram poll without a closing time can be voted on for months


class NativePolls:
    """(platform, poll reference) -> the chat the poll was posted in."""

    kinds: tuple[str, ...] = ("poll",)

    def __init__(self, db: Storage, clock: Clock, notices: Notices | None = None) -> None:
        self.db = db
        self.clock = clock
        self.notices = notices
        self._chats: dict[tuple[str, str], ChatRef] = {}

    async def load(self) -> None:
        await self.db.execute("DELETE FROM practica_native_polls WHERE posted_at < ?", (to_utc_text(self.clock.now() - KEEP),))
        await self.reload()

    async def reload(self) -> None:
        """Read every poll's chat (another worker's may have been missed)."""
        rows = await self.db.fetchall("SELECT platform, poll_ref, chat_id, chat_kind FROM practica_native_polls")
        self._chats = {(r["platform"], r["poll_ref"]): ChatRef(platform=r["platform"], id=r["chat_id"], kind=r["chat_kind"])
                       for r in rows}

    async def refresh(self, kind: str, keys: Sequence[str]) -> None:
        """Read the polls another worker posted (`platform|poll reference`)."""
        for key in keys:
            platform, _, poll_ref = key.partition("|")
            row = await self.db.fetchone("SELECT chat_id, chat_kind FROM practica_native_polls WHERE platform = ? AND "
                                         "poll_ref = ?", (platform, poll_ref))
            if row is not None:
                self._chats[(platform, poll_ref)] = ChatRef(platform=platform, id=row["chat_id"], kind=row["chat_kind"])

    def chat_of(self, platform: str, poll_ref: str) -> ChatRef | None:
        """The chat a native poll was posted in, if this bot posted it."""
        return self._chats.get((platform, poll_ref))

    async def posted(self, chat: ChatRef, poll_ref: str) -> None:
        """Remember where a poll went (kept in memory at once; a failed write only loses it at a restart)."""
        self._chats[(chat.platform, poll_ref)] = ChatRef(platform=chat.platform, id=chat.id, kind=chat.kind)
        row = (chat.platform, poll_ref, chat.id, chat.kind, to_utc_text(self.clock.now()))

        async def record() -> None:
            if self.notices is None:
                await self.db.execute(_INSERT, row)
                return
            async with self.db.transaction():  # several workers: the others' votes of this poll act in its community too
                await self.db.execute(_INSERT, row)
                await self.notices.announce("poll", [f"{chat.platform}|{poll_ref}"])

        try:  # a database restart only delays it
            await again_on_lost_connection(record, "recording where a native poll was posted")
        except Exception:  # noqa: BLE001 - the delivery itself must still be recorded
            log.warning("could not record where a native poll was posted; its votes act in the voters' communities "
                        "after a restart", exc_info=True)


class NotingReceipts:
    """The sender's receipts (core.outbox.Receipts): the delivery records, noting native polls on the way."""

    def __init__(self, deliveries: Deliveries, polls: NativePolls) -> None:
        self.deliveries = deliveries
        self.polls = polls

    async def progress(self, record: Outgoing, parts_sent: int) -> None:
        await self.deliveries.progress(record, parts_sent)

    async def part(self, record: Outgoing, sent: Sent) -> None:
        await self.deliveries.part(record, sent)

    async def sent(self, record: Outgoing, sent: Sent | None) -> None:
        if isinstance(record.action, SendPoll) and sent is not None and sent.poll_ref:
            await self.polls.posted(record.action.chat, sent.poll_ref)
        await self.deliveries.sent(record, sent)

    async def failed(self, record: Outgoing, error: DeliveryError) -> None:
        await self.deliveries.failed(record, error)
