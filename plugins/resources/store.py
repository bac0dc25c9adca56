"""SQL of the resources plugin: library items, their tags, and logged questions (plain, portable SQL).

The full-text index is the one engine-specific part: migrations 2-4 have a variant per engine, from
`search_sqlite` (FTS5) and `search_pg` (tsvector, words table); the rest is portable.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from core import Migration, Storage
from plugins.resources.services import search, search_pg
from plugins.resources.services.query import variants
from plugins.resources.services.search_sqlite import COMMUNITY_INDEX, FTS_SCHEMA, VARIANTS_SCHEMA

ITEMS_SCHEMA = """
CREATE TABLE resources_items (
    id INTEGER PRIMARY KEY,
    community TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    language TEXT,
    url TEXT,
    url_key TEXT,
    file_ref TEXT,
    file_platform TEXT,
    file_name TEXT,
    mime TEXT,
    size INTEGER,
    source_chat TEXT,
    source_message TEXT,
    author_uid TEXT,
    author_name TEXT,
    author_handle TEXT,
    added_by TEXT,
    added_at TEXT NOT NULL,
    verified INTEGER NOT NULL DEFAULT 0,
    verified_by TEXT,
    verified_at TEXT,
    superseded_by INTEGER
);
CREATE INDEX resources_items_recent ON resources_items (community, added_at);
CREATE UNIQUE INDEX resources_items_file ON resources_items (community, file_ref) WHERE file_ref IS NOT NULL;
CREATE UNIQUE INDEX resources_items_url ON resources_items (community, url_key) WHERE url_key IS NOT NULL;
CREATE INDEX resources_items_author ON resources_items (author_uid);
CREATE INDEX resources_items_added_by ON resources_items (added_by);
CREATE TABLE resources_item_tags (
    item_id INTEGER NOT NULL REFERENCES resources_items (id) ON DELETE CASCADE,
    community TEXT NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (item_id, tag)
);
CREATE INDEX resources_item_tags_tag ON resources_item_tags (community, tag);
CREATE TABLE resources_questions (
    id INTEGER PRIMARY KEY,
    community TEXT NOT NULL,
    member TEXT,
    text TEXT NOT NULL,
    source TEXT NOT NULL,
    results INTEGER,
    asked_at TEXT NOT NULL
);
CREATE INDEX resources_questions_recent ON resources_questions (community, asked_at);
CREATE INDEX resources_questions_member ON resources_questions (member);
"""

# 3: library numbers are never handed out twice (AUTOINCREMENT): after /delete 7, the next item is not
# "#7" too. Rows keep their numbers, so the FTS index (keyed by the item id) stays valid. Tags are
# rebuilt before their parent (dropping a parent with foreign keys on would cascade-delete them), and the
# FTS triggers, dropped with the old table, are created again as FTS_SCHEMA declared them.
AUTOINCREMENT_ITEMS = """
CREATE TABLE resources_items_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    community TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    language TEXT,
    url TEXT,
    url_key TEXT,
    file_ref TEXT,
    file_platform TEXT,
    file_name TEXT,
    mime TEXT,
    size INTEGER,
    source_chat TEXT,
    source_message TEXT,
    author_uid TEXT,
    author_name TEXT,
    author_handle TEXT,
    added_by TEXT,
    added_at TEXT NOT NULL,
    verified INTEGER NOT NULL DEFAULT 0,
    verified_by TEXT,
    verified_at TEXT,
    superseded_by INTEGER
);
INSERT INTO resources_items_new (id, community, kind, title, tags, body, language, url, url_key, file_ref, file_platform,
                                 file_name, mime, size, source_chat, source_message, author_uid, author_name,
                                 author_handle, added_by, added_at, verified, verified_by, verified_at, superseded_by)
    SELECT id, community, kind, title, tags, body, language, url, url_key, file_ref, file_platform, file_name, mime,
           size, source_chat, source_message, author_uid, author_name, author_handle, added_by, added_at, verified,
           verified_by, verified_at, superseded_by FROM resources_items;
CREATE TABLE resources_item_tags_new (
    item_id INTEGER NOT NULL REFERENCES resources_items_new (id) ON DELETE CASCADE,
    community TEXT NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (item_id, tag)
);
INSERT INTO resources_item_tags_new (item_id, community, tag) SELECT item_id, community, tag FROM resources_item_tags;
DROP TRIGGER resources_fts_insert;
DROP TRIGGER resources_fts_delete;
DROP TRIGGER resources_fts_update;
DROP TABLE resources_item_tags;
DROP TABLE resources_items;
ALTER TABLE resources_items_new RENAME TO resources_items;
ALTER TABLE resources_item_tags_new RENAME TO resources_item_tags;
CREATE INDEX resources_items_recent ON resources_items (community, added_at);
CREATE UNIQUE INDEX resources_items_file ON resources_items (community, file_ref) WHERE file_ref IS NOT NULL;
CREATE UNIQUE INDEX resources_items_url ON resources_items (community, url_key) WHERE url_key IS NOT NULL;
CREATE INDEX resources_items_author ON resources_items (author_uid);
CREATE INDEX resources_items_added_by ON resources_items (added_by);
CREATE INDEX resources_item_tags_tag ON resources_item_tags (community, tag);
CREATE TRIGGER resources_fts_insert AFTER INSERT ON resources_items BEGIN
    INSERT INTO resources_fts (rowid, title, tags, body) VALUES (new.id, new.title, new.tags, new.body);
END;
CREATE TRIGGER resources_fts_delete AFTER DELETE ON resources_items BEGIN
    INSERT INTO resources_fts (resources_fts, rowid, title, tags, body) VALUES ('delete', old.id, old.title, old.tags, old.body);
END;
CREATE TRIGGER resources_fts_update AFTER UPDATE OF title, tags, body ON resources_items BEGIN
    INSERT INTO resources_fts (resources_fts, rowid, title, tags, body) VALUES ('delete', old.id, old.title, old.tags, old.body);
    INSERT INTO resources_fts (rowid, title, tags, body) VALUES (new.id, new.title, new.tags, new.body);
END;
INSERT INTO sqlite_sequence (name, seq) SELECT 'resources_items', 0
    WHERE 'resources_items' NOT IN (SELECT name FROM sqlite_sequence);
"""

# 4: the joined forms of hyphenated compounds are indexed too (see search.VARIANTS_SCHEMA).
# 5: how often each item was requested with /get (the dashboard's "most requested").
REQUESTS_COUNT = "ALTER TABLE resources_items ADD COLUMN requests INTEGER NOT NULL DEFAULT 0;"

# 6: finding the items still without joined forms (search.prepare at every start) reads an empty
# partial index instead of the whole library.
NO_VARIANTS = "CREATE INDEX resources_items_no_variants ON resources_items (id) WHERE variants IS NULL;"

# 8: what /resources reads is kept ready as items come and go, so it reads a few rows however large the
# library is (`bench scaling` at 1M items, 2026-12-07: counting took ~60 ms for the items and ~350 ms for
# the tags, and a common tag's page sorted all its items, 120-160 ms; past the inline budget, every other
# unit of work waited behind them in the database thread):
# - the library's size per community and each tag's items (the overview);
# - each tag row carries its item's place on a tag's page (outdated last, verified first, newest first),
#   indexed, so a page reads its ten rows in order (the index it replaces led with the same two columns).
#   The store's writes keep both (`_count`, `set_verified`, `set_superseded`, `delete_item`).
# - /delete finds the items the deleted one replaced in an index of the few outdated items, and the
#   dashboard's library page reads its most requested items in order, instead of reading the whole library.
BROWSING_READY = """
CREATE TABLE resources_library_sizes (
    community TEXT PRIMARY KEY,
    items INTEGER NOT NULL
);
CREATE TABLE resources_tag_counts (
    community TEXT NOT NULL,
    tag TEXT NOT NULL,
    items INTEGER NOT NULL,
    PRIMARY KEY (community, tag)
);
CREATE INDEX resources_tag_counts_top ON resources_tag_counts (community, items DESC, tag);
INSERT INTO resources_library_sizes (community, items)
    SELECT community, COUNT(*) FROM resources_items GROUP BY community;
INSERT INTO resources_tag_counts (community, tag, items)
    SELECT community, tag, COUNT(*) FROM resources_item_tags GROUP BY community, tag;
ALTER TABLE resources_item_tags ADD COLUMN outdated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE resources_item_tags ADD COLUMN verified INTEGER NOT NULL DEFAULT 0;
ALTER TABLE resources_item_tags ADD COLUMN added_at TEXT NOT NULL DEFAULT '';
UPDATE resources_item_tags SET
    outdated = (SELECT CASE WHEN i.superseded_by IS NULL THEN 0 ELSE 1 END FROM resources_items AS i
                WHERE i.id = resources_item_tags.item_id),
    verified = (SELECT i.verified FROM resources_items AS i WHERE i.id = resources_item_tags.item_id),
    added_at = (SELECT i.added_at FROM resources_items AS i WHERE i.id = resources_item_tags.item_id);
CREATE INDEX resources_item_tags_page
    ON resources_item_tags (community, tag, outdated, verified DESC, added_at DESC, item_id DESC);
DROP INDEX resources_item_tags_tag;
CREATE INDEX resources_items_superseded ON resources_items (superseded_by) WHERE superseded_by IS NOT NULL;
CREATE INDEX resources_items_requested ON resources_items (community, requests DESC, id);
"""

# On PostgreSQL, migration 1's ids are already never reused (an identity column), so 3 has nothing to do;
# 2 and 4 build the tsvector index (see search_pg).
MIGRATIONS: tuple[Migration, ...] = (
    ITEMS_SCHEMA,
    {"sqlite": FTS_SCHEMA, "postgresql": search_pg.FUNCTIONS_SCHEMA},
    {"sqlite": AUTOINCREMENT_ITEMS, "postgresql": ""},
    {"sqlite": VARIANTS_SCHEMA, "postgresql": search_pg.DOCUMENT_SCHEMA},
    REQUESTS_COUNT,
    NO_VARIANTS,
    COMMUNITY_INDEX,
    BROWSING_READY,
)


async def count_request(db: Storage, item_id: int) -> None:
    await db.execute("UPDATE resources_items SET requests = requests + 1 WHERE id = ?", (item_id,))

ITEM_COLUMNS = ("community", "kind", "title", "tags", "body", "language", "url", "url_key", "file_ref", "file_platform",
                "file_name", "mime", "size", "source_chat", "source_message", "author_uid", "author_name",
                "author_handle", "added_by", "added_at", "variants")
_INSERT = (f"INSERT INTO resources_items ({', '.join(ITEM_COLUMNS)}) "
           f"VALUES ({', '.join('?' for _ in ITEM_COLUMNS)})")
# The same file or link saved twice at once: the unique indexes decide, in the same statement as the insert.
_INSERT_NEW = f"{_INSERT} ON CONFLICT DO NOTHING RETURNING id"
_TAG_INSERT = "INSERT INTO resources_item_tags (item_id, community, tag, added_at) VALUES (?, ?, ?, ?)"
_SIZE_ADD = ("INSERT INTO resources_library_sizes (community, items) VALUES (?, ?) "
             "ON CONFLICT (community) DO UPDATE SET items = resources_library_sizes.items + excluded.items")
_TAG_COUNT_ADD = ("INSERT INTO resources_tag_counts (community, tag, items) VALUES (?, ?, ?) "
                  "ON CONFLICT (community, tag) DO UPDATE SET items = resources_tag_counts.items + excluded.items")
QUESTION_INSERT = ("INSERT INTO resources_questions (community, member, text, source, results, asked_at) "
                   "VALUES (?, ?, ?, ?, ?, ?)")




@dataclass(frozen=True)
class NewItem:
    """A library item about to be stored. `tags` are folded words; `body` is what is searched besides
    the title and tags (description, note text, file name)."""

    community: str
    kind: str  # "link" | "document" | "note"
    title: str
    added_at: str
    tags: tuple[str, ...] = ()
    body: str = ""
    language: str | None = None
    url: str | None = None
    url_key: str | None = None
    file_ref: str | None = None
    file_platform: str | None = None
    file_name: str | None = None
    mime: str | None = None
    size: int | None = None
    source_chat: str | None = None
    source_message: str | None = None
    author_uid: str | None = None
    author_name: str | None = None
    author_handle: str | None = None
    added_by: str | None = None

    def values(self) -> tuple[Any, ...]:
        tags = " ".join(self.tags)
        computed = {"tags": tags, "variants": variants(self.title, tags, self.body)}
        return tuple(computed[c] if c in computed else getattr(self, c) for c in ITEM_COLUMNS)


async def find_duplicate(db: Storage, community: str, *, file_ref: str | None, url_key: str | None) -> int | None:
    """The id of an item of `community` with the same file or normalized URL."""
    if file_ref:
        found = await db.fetchval("SELECT id FROM resources_items WHERE community = ? AND file_ref = ?", (community, file_ref))
        if found is not None:
            return int(found)
    if url_key:
        found = await db.fetchval("SELECT id FROM resources_items WHERE community = ? AND url_key = ?", (community, url_key))
        if found is not None:
            return int(found)
    return None


async def add_item(db: Storage, item: NewItem) -> tuple[int, bool]:
    """Store one item and its tags unless the community already has its file or link: (id, created).

    Check and insert are one statement (`ON CONFLICT DO NOTHING`), so members saving the same link at
    the same moment all get the one item's number, never a constraint error.
    """
    async with db.transaction():
        item_id = await db.fetchval(_INSERT_NEW, item.values())
        if item_id is None:
            existing = await find_duplicate(db, item.community, file_ref=item.file_ref, url_key=item.url_key)
            if existing is None:  # pragma: no cover - only a unique index can refuse the row
                raise RuntimeError("resources_items refused a row that matches no existing item")
            return existing, False
        if item.tags:
            await db.executemany(_TAG_INSERT, [(item_id, item.community, tag, item.added_at) for tag in item.tags])
        await _count(db, Counter({item.community: 1}), Counter((item.community, tag) for tag in item.tags))
    search.changed(db)  # the index is merged back into one piece soon (SQLite)
    return int(item_id), True


async def add_items(db: Storage, items: Iterable[NewItem]) -> None:
    """Store many items at once (bulk loading, e.g. for benchmarks); tags are stored too."""
    sizes: Counter[str] = Counter()
    tags: Counter[tuple[str, str]] = Counter()
    async with db.transaction():
        for item in items:
            item_id = await db.execute(_INSERT, item.values())
            if item.tags:
                await db.executemany(_TAG_INSERT, [(item_id, item.community, tag, item.added_at) for tag in item.tags])
            sizes[item.community] += 1
            tags.update((item.community, tag) for tag in item.tags)
        await _count(db, sizes, tags)
    search.changed(db)  # the index is merged back into one piece soon (SQLite)


async def _count(db: Storage, sizes: Counter[str], tags: Counter[tuple[str, str]]) -> None:
    """Add items stored (or, negative, removed) to the overview's counts, in the caller's transaction.

    Rows are changed in one order (community, then tag), so concurrent saves on PostgreSQL take their row
    locks in the same order and never deadlock; a tag no item has any more is dropped.
    """
    if sizes:
        await db.executemany(_SIZE_ADD, sorted(sizes.items()))
    if tags:
        await db.executemany(_TAG_COUNT_ADD, [(community, tag, n) for (community, tag), n in sorted(tags.items())])
    for community in sorted({community for (community, _), n in tags.items() if n < 0}):
        await db.execute("DELETE FROM resources_tag_counts WHERE community = ? AND items <= 0", (community,))


async def get_item(db: Storage, community: str, item_id: int) -> Any:
    return await db.fetchone("SELECT * FROM resources_items WHERE community = ? AND id = ?", (community, item_id))


async def set_verified(db: Storage, item_id: int, by: str, at: str) -> None:
    async with db.transaction():
        await db.execute("UPDATE resources_items SET verified = 1, verified_by = ?, verified_at = ? WHERE id = ?", (by, at, item_id))
        await db.execute("UPDATE resources_item_tags SET verified = 1 WHERE item_id = ?", (item_id,))  # its place on tag pages


async def set_superseded(db: Storage, item_id: int, new_id: int | None) -> None:
    async with db.transaction():
        await db.execute("UPDATE resources_items SET superseded_by = ? WHERE id = ?", (new_id, item_id))
        await db.execute("UPDATE resources_item_tags SET outdated = ? WHERE item_id = ?", (int(new_id is not None), item_id))


async def delete_item(db: Storage, item_id: int) -> None:
    async with db.transaction():
        current = await db.fetchall("UPDATE resources_items SET superseded_by = NULL WHERE superseded_by = ? RETURNING id",
                                    (item_id,))  # the items it replaced are current again, on tag pages too
        if current:
            await db.executemany("UPDATE resources_item_tags SET outdated = 0 WHERE item_id = ?", [(row[0],) for row in current])
        tags = await db.fetchall("DELETE FROM resources_item_tags WHERE item_id = ? RETURNING community, tag", (item_id,))
        community = await db.fetchval("DELETE FROM resources_items WHERE id = ? RETURNING community", (item_id,))
        if community is not None:  # not already deleted by a moderator at the same moment
            await _count(db, Counter({community: -1}), Counter({(row[0], row[1]): -1 for row in tags}))
    search.changed(db)  # the index is merged back into one piece soon (SQLite)


_LIST_COLUMNS = "i.id, i.title, i.kind, i.size, i.added_at, i.verified, i.superseded_by"


async def recent_items(db: Storage, community: str, limit: int) -> list[Any]:
    return await db.fetchall(f"SELECT {_LIST_COLUMNS} FROM resources_items AS i WHERE i.community = ? "
                             f"ORDER BY i.added_at DESC, i.id DESC LIMIT ?", (community, limit))


async def tagged_items(db: Storage, community: str, tag: str, limit: int) -> list[Any]:
    """A tag's page: outdated items last, verified first, newest first (in the tag rows' own index)."""
    return await db.fetchall(f"SELECT {_LIST_COLUMNS} FROM resources_item_tags AS t JOIN resources_items AS i "
                             f"ON i.id = t.item_id WHERE t.community = ? AND t.tag = ? "
                             f"ORDER BY t.outdated, t.verified DESC, t.added_at DESC, t.item_id DESC LIMIT ?",
                             (community, tag, limit))


async def top_tags(db: Storage, community: str, limit: int) -> list[Any]:
    """The community's most used tags and their items, most first (kept counts: see migration 8)."""
    return await db.fetchall("SELECT tag, items AS n FROM resources_tag_counts WHERE community = ? "
                             "ORDER BY items DESC, tag LIMIT ?", (community, limit))


async def requested_items(db: Storage, community: str, limit: int | None = None) -> list[Any]:
    """The community's items, most requested first (the dashboard's library page; every item for its CSV)."""
    sql = ("SELECT id, kind, title, tags, verified, superseded_by, requests, added_at FROM resources_items "
           "WHERE community = ? ORDER BY requests DESC, id")
    if limit is None:
        return await db.fetchall(sql, (community,))
    return await db.fetchall(f"{sql} LIMIT ?", (community, limit))


async def count_items(db: Storage, community: str) -> int:
    """How many items the community's library holds (a kept count: see migration 8)."""
    return int(await db.fetchval("SELECT items FROM resources_library_sizes WHERE community = ?", (community,), 0))


# --- logged questions ------------------------------------------------------------------------------


async def insert_questions(db: Storage, rows: Sequence[tuple[Any, ...]]) -> None:
    """Many logged questions in one statement: (community, member, text, source, results, asked_at)."""
    if rows:
        await db.executemany(QUESTION_INSERT, rows)


async def questions_since(db: Storage, community: str, since: str, limit: int = 5000) -> list[Any]:
    """The latest questions and searches (text, source, results, member), newest first."""
    return await db.fetchall("SELECT text, source, results, member FROM resources_questions WHERE community = ? "
                             "AND asked_at >= ? ORDER BY asked_at DESC, id DESC LIMIT ?", (community, since, limit))


async def purge_questions(db: Storage, community: str | None, before: str, *, keep: Sequence[str] = ()) -> int:
    """Delete questions asked before `before`: of `community`, or (None) of every community not in `keep`."""
    if community is not None:
        return await db.execute_rowcount("DELETE FROM resources_questions WHERE community = ? AND asked_at < ?", (community, before))
    marks = ", ".join("?" for _ in keep)
    where = f" AND community NOT IN ({marks})" if keep else ""
    return await db.execute_rowcount(f"DELETE FROM resources_questions WHERE asked_at < ?{where}", (before, *keep))


# --- members' data -----------------------------------------------------------------------------


async def member_items(db: Storage, uid: str) -> list[Any]:
    return await db.fetchall("SELECT id, community, kind, title, tags, url, file_name, added_at, author_uid, added_by, verified_by "
                             "FROM resources_items WHERE author_uid = ? OR added_by = ? OR verified_by = ? ORDER BY id",
                             (uid, uid, uid))


async def member_questions(db: Storage, uid: str) -> list[Any]:
    return await db.fetchall("SELECT community, text, source, asked_at FROM resources_questions WHERE member = ? ORDER BY asked_at",
                             (uid,))


async def erase_member(db: Storage, uid: str) -> dict[str, int]:
    """Delete the member's logged questions; anonymize the items they contributed or verified."""
    async with db.transaction():
        questions = await db.execute_rowcount("DELETE FROM resources_questions WHERE member = ?", (uid,))
        authored = await db.execute_rowcount("UPDATE resources_items SET author_uid = NULL, author_name = NULL, "
                                             "author_handle = NULL WHERE author_uid = ?", (uid,))
        added = await db.execute_rowcount("UPDATE resources_items SET added_by = NULL WHERE added_by = ?", (uid,))
        verified = await db.execute_rowcount("UPDATE resources_items SET verified_by = NULL WHERE verified_by = ?", (uid,))
    return {"questions_deleted": questions, "items_anonymized": max(authored, added), "verifications_anonymized": verified}
