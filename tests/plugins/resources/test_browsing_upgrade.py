"""Upgrading a library saved before /resources kept its counts and its tag pages' order: the migration
counts what is there and ranks every tag row as its item stands (verified, outdated, age), on both engines."""

from __future__ import annotations

from core.engines import open_storage
from plugins.resources import store

from tests.engines import practica_engine  # noqa: F401  (SQLite and PostgreSQL)

BEFORE = store.MIGRATIONS[:store.MIGRATIONS.index(store.BROWSING_READY)]


async def _item(db, community: str, title: str, added_at: str, tags: tuple[str, ...], verified: bool = False) -> int:
    item_id = await db.fetchval("INSERT INTO resources_items (community, kind, title, tags, added_at, verified) "
                                "VALUES (?, 'link', ?, ?, ?, ?) RETURNING id",
                                (community, title, " ".join(tags), added_at, int(verified)))
    await db.executemany("INSERT INTO resources_item_tags (item_id, community, tag) VALUES (?, ?, ?)",
                         [(item_id, community, tag) for tag in tags])
    return int(item_id)


async def test_an_upgraded_library_is_counted_and_its_tag_pages_keep_their_order(practica_database):
    db = await open_storage(await practica_database("library"))
    try:
        await db.migrate("resources", BEFORE)
        verified = await _item(db, "cohort7", "PPH poster", "2026-10-01T08:00:00.000000Z", ("pph",), verified=True)
        old = await _item(db, "cohort7", "PPH guideline 2012", "2026-10-02T08:00:00.000000Z", ("pph", "protocol"))
        new = await _item(db, "cohort7", "PPH guideline 2024", "2026-10-03T08:00:00.000000Z", ("pph", "protocol"))
        plain = await _item(db, "cohort7", "PPH drill", "2026-10-04T08:00:00.000000Z", ("pph",))
        await db.execute("UPDATE resources_items SET superseded_by = ? WHERE id = ?", (new, old))
        await _item(db, "cohort8", "Kangaroo care", "2026-10-05T08:00:00.000000Z", ("newborn",))

        await db.migrate("resources", store.MIGRATIONS)

        assert await store.count_items(db, "cohort7") == 4 and await store.count_items(db, "cohort8") == 1
        assert [tuple(r) for r in await store.top_tags(db, "cohort7", 10)] == [("pph", 4), ("protocol", 2)]
        assert [r["id"] for r in await store.tagged_items(db, "cohort7", "pph", 10)] == [verified, plain, new, old]
        assert [r["id"] for r in await store.tagged_items(db, "cohort8", "pph", 10)] == []
    finally:
        await db.close()
