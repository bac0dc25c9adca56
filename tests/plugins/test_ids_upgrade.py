"""Upgrading a database made before ids were AUTOINCREMENT: every row, vote, tag and search entry is
kept, and no number already used (by a row, or by a job of a deleted object) is handed out again."""

from __future__ import annotations

import pytest

from core.runtime import CORE_MIGRATIONS
from core.storage import Storage
from plugins.homework import store as homework_store
from plugins.moderation import store as moderation_store
from plugins.polls import store as polls_store
from plugins.resources import store as resources_store

T = "2026-11-25T09:00:00.000000Z"


async def _old_database(path: str) -> None:
    """A database at the schema before this change, with a little history."""
    db = await Storage.open(path)
    for owner, migrations in CORE_MIGRATIONS.items():
        await db.migrate(owner, migrations)
    await db.migrate("moderation", moderation_store.MIGRATIONS[:1])
    await db.migrate("polls", polls_store.MIGRATIONS[:1])
    await db.migrate("resources", resources_store.MIGRATIONS[:2])
    await db.migrate("homework", homework_store.MIGRATIONS[:1])
    await db.execute("INSERT INTO homework_assignments (id, community, title, due_at, chat_platform, chat_id, created_by, "
                     "created_at) VALUES (1, 'default', 'Manikin practice', '2026-12-05T15:00:00.000000Z', 'telegram', "
                     "'g1', 'telegram:trainer', ?)", (T,))
    await db.execute("INSERT INTO homework_submissions (assignment_id, uid, name, submitted_at, updated_at, on_time, via) "
                     "VALUES (1, 'telegram:amina', 'amina', ?, ?, 1, 'command')", (T, T))
    await db.execute(
        "INSERT INTO polls_polls (id, community, platform, chat_id, question, options, salt, created_at, message_id) "
        "VALUES (1, 'default', 'telegram', 'g1', 'Best clamping time?', '[\"1 min\", \"3 min\"]', 'salt', ?, 'm1')", (T,))
    await db.execute("INSERT INTO polls_votes (poll_id, voter, option, voted_at) VALUES (1, 'telegram:amina', 1, ?)", (T,))
    await db.execute("INSERT INTO moderation_requests (id, community, member_uid, member_name, chat, status, created_at) "
                     "VALUES (1, 'default', 'telegram:bekele', 'bekele', 'telegram:g1', 'pending', ?)", (T,))
    await db.execute("INSERT INTO resources_items (id, community, kind, title, tags, added_at) "
                     "VALUES (1, 'default', 'link', 'Misoprostol dosing chart', 'pph', ?)", (T,))
    await db.execute("INSERT INTO resources_item_tags (item_id, community, tag) VALUES (1, 'default', 'pph')")
    # Jobs left by objects deleted before the upgrade: poll #2 and join request #3 no longer exist.
    for plugin, kind, key, payload in (("polls", "close", "close:2", '{"poll":2}'),
                                       ("homework", "remind", "remind:2:86400", '{"assignment":2}'),
                                       ("moderation", "join_expire", "join:3:expire", '{"request":3}')):
        await db.execute("INSERT INTO practica_jobs (plugin, kind, community, payload, run_at, key, status, created_at) "
                         "VALUES (?, ?, 'default', ?, ?, ?, 'cancelled', ?)", (plugin, kind, payload, T, key, T))
    await db.close()


@pytest.mark.parametrize("practica_community", ["default"])  # the old database's rows are `default`'s
async def test_an_upgraded_database_keeps_its_history_and_never_reuses_a_number(make_bot, tmp_path):
    old = str(tmp_path / "old.db")
    await _old_database(old)
    bot = await make_bot(platform="telegram", plugins={"polls", "moderation", "resources", "homework"},
                         moderators=["trainer"],
                         config={"plugins": {"polls": {"native": False},
                                             "moderation": {"verify_joins": True, "questions": ["Cadre?"]}}})
    await bot.runtime.stop()
    upgraded = await bot.build(bot.clock, old)
    bot.runtime, bot.adapter, bot.database, bot._seen = upgraded.runtime, upgraded.adapter, old, 0

    await bot.send("/results 1", user="amina")
    assert "2. 3 min ██████████ 1 (100%)" in bot.next_reply().text  # the old vote survived
    await bot.send("/search misoprostol", user="amina")
    assert "#1" in bot.next_reply().text  # the search index still points at the item
    await bot.send("/resources #pph", user="amina")
    assert "Misoprostol dosing chart" in bot.next_reply().text  # and so do its tags
    await bot.send("/resources", user="amina")
    overview = bot.next_reply().text  # counted from the old rows when the counts were first kept
    assert overview.startswith("Library items: 1.") and "Tags: #pph (1)" in overview

    await bot.send("/poll Skin to skin first? | Yes | No", user="amina")
    assert bot.next_reply().text.startswith("Poll #3:")  # #2 is taken by the deleted poll's jobs
    await bot.join_request("carla")
    await bot.send("midwife", user="carla", chat="dm")
    messages = [m.text for m in bot.new_messages()]
    assert any("Join request #4 from carla" in t for t in messages), messages
    await bot.send("/homework status 1", user="trainer")
    assert "amina" in "\n".join(m.text for m in bot.new_messages())  # the old submission survived
    await bot.send("/homework add Cord care | due next friday 17:00 | read the leaflet", user="trainer")
    assert any("Homework #3: Cord care" in m.text for m in bot.new_messages())  # #2 is taken by an old job
    await bot.send("/save Cord care leaflet https://example.org/cord #newborn", user="amina")
    assert "#2" in bot.next_reply().text
