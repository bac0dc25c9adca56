"""Saving, getting, browsing, verifying, superseding and deleting library items."""

from __future__ import annotations

import pytest

from core import ChatRef, Role, SendFile

from tests.plugins.resources.conftest import Recorder, pdf, save


async def test_save_by_reply_to_a_file_then_get_resends_it_by_reference(library_bot):
    bot = await library_bot()
    shared = await bot.send("Here is the new protocol", user="amina", attachments=[pdf()])
    item = await save(bot, "/save Oxytocin protocol 2026 #pph #protocol", user="bekele", reply_to=shared)
    await bot.send(f"/get {item}", user="chaltu")
    sent = bot.actions(SendFile)
    assert len(sent) == 1
    assert sent[0].file_ref == "FILE-1" and "Oxytocin protocol 2026" in sent[0].caption
    await bot.send("/search oxytocin")
    text = bot.next_reply().text
    assert f"#{item} Oxytocin protocol 2026" in text and "document" in text and "1.4 MB" in text and "26 Nov 2026" in text


async def test_save_a_file_without_title_uses_its_name(library_bot):
    bot = await library_bot()
    shared = await bot.send("", attachments=[pdf(name="Partograph guide.pdf")])
    item = await save(bot, "/save #labour", reply_to=shared)
    await bot.send("/resources #labour")
    assert f"#{item} Partograph guide.pdf" in bot.next_reply().text


async def test_save_inline_link_and_duplicates_are_recognized(library_bot):
    bot = await library_bot()
    item = await save(bot, "/save https://www.who.int/publications/pph-guideline/ WHO PPH guideline #pph")
    await bot.send("/save http://who.int/publications/pph-guideline?utm_source=telegram#top again")
    assert f"already in the library as #{item}" in bot.next_reply().text
    await bot.send(f"/get {item}")
    text = bot.next_reply().text
    assert "WHO PPH guideline" in text and "https://www.who.int/publications/pph-guideline/" in text
    assert not bot.actions(SendFile)


async def test_save_a_replied_text_as_a_note_and_get_returns_its_text(library_bot):
    bot = await library_bot()
    tip = await bot.send("Keep misoprostol tablets dry, in their blister, below 25 °C.", user="amina")
    item = await save(bot, "/save Misoprostol storage #storage", user="trainer", reply_to=tip)
    await bot.send(f"/get {item}")
    text = bot.next_reply().text
    assert "Misoprostol storage" in text and "below 25 °C" in text and "note" in text


async def test_save_with_nothing_to_save_explains(library_bot):
    bot = await library_bot()
    await bot.send("/save")
    assert "Nothing to save" in bot.next_reply().text
    await bot.send("/save #tag-only")
    assert "Nothing to save" in bot.next_reply().text


async def test_auto_capture_keeps_documents_and_links_once(library_bot):
    bot = await library_bot(auto_capture_chats=["telegram:g1"])
    await bot.send("Useful: https://example.org/kmc-guide", user="amina")
    await bot.send("Same as above https://EXAMPLE.org/kmc-guide/?utm_medium=x", user="bekele")
    await bot.send("the checklist", attachments=[pdf("FILE-9", "checklist.pdf")], user="amina")
    await bot.send("again", attachments=[pdf("FILE-9", "checklist.pdf")], user="chaltu")
    await bot.send("just chatting, no link")
    bot.assert_no_replies()
    await bot.send("/resources")
    text = bot.next_reply().text
    assert "Library items: 2." in text
    assert "checklist.pdf" in text and "Useful" in text


async def test_auto_capture_ignores_other_chats(library_bot):
    bot = await library_bot(auto_capture_chats=["telegram:-100999"])
    await bot.send("Useful: https://example.org/kmc-guide")
    await bot.send("/resources")
    assert "library is empty" in bot.next_reply().text


async def test_verify_supersede_and_outdated_marks(library_bot):
    recorder = Recorder()
    bot = await library_bot(extra={"recorder": recorder})
    old = await save(bot, "/save https://example.org/pph-2012 PPH guideline 2012 #pph", user="amina")
    new = await save(bot, "/save https://example.org/pph-2024 PPH guideline 2024 #pph", user="bekele")
    await bot.send(f"/verify {new}", user="amina")
    assert "moderator" in bot.next_reply().text
    await bot.send(f"/verify {new}", user="trainer")
    assert "verified" in bot.next_reply().text
    await bot.send(f"/supersede {old} {new}", user="trainer")
    assert "outdated" in bot.next_reply().text
    await bot.send("/search pph guideline")
    lines = bot.next_reply().text.splitlines()
    assert lines[0].startswith(f"#{new} ✓ PPH guideline 2024")
    assert lines[1].startswith(f"#{old} PPH guideline 2012") and f"(outdated: see #{new})" in lines[1]
    verified = recorder.named("ResourceVerified")
    assert len(verified) == 1
    event = verified[0]
    assert event.item_id == new and event.member.uid == "telegram:bekele" and event.verified_by.uid == "telegram:trainer"
    assert event.community == bot.home


async def test_delete_by_author_or_moderator_only(library_bot):
    bot = await library_bot()
    item = await save(bot, "/save https://example.org/a Apgar score chart", user="amina")
    await bot.send(f"/delete {item}", user="bekele")
    assert "Only the member who added" in bot.next_reply().text
    await bot.send(f"/delete {item}", user="amina")
    assert "removed" in bot.next_reply().text
    await bot.send(f"/get {item}")
    assert f"no library item #{item}" in bot.next_reply().text
    other = await save(bot, "/save https://example.org/b Ballard score", user="amina")
    bot.set_platform_role("boss", Role.ADMIN)
    await bot.send(f"/delete {other}", user="boss")
    assert "removed" in bot.next_reply().text


async def test_unknown_ids_get_a_clear_answer(library_bot):
    bot = await library_bot()
    for text in ("/get 42", "/verify 7", "/delete 0"):
        await bot.send(text, user="trainer")
        reply = bot.next_reply().text
        assert "no library item" in reply, (text, reply)
    await bot.send("/get 99999999999999999999999", user="trainer")  # past any id: the core answers
    assert bot.next_reply().text == "#99999999999999999999999 does not exist."
    await bot.send("/get abc")
    assert "whole number" in bot.next_reply().text
    await bot.send("/supersede 3 3", user="trainer")
    assert "cannot replace itself" in bot.next_reply().text


async def test_items_are_per_community(make_bot):
    config = {"communities": {"cohort": {"chats": ["telegram:g2"]}}, "plugins": {"resources": {}}}
    bot = await make_bot(platform="telegram", plugins={"resources"}, config=config)
    cohort_tg = ChatRef(platform="telegram", id="g2", kind="group")
    shared = await bot.send("", attachments=[pdf("TG-REF")], chat=cohort_tg)
    item = await save(bot, "/save Cord care leaflet #newborn", reply_to=shared, chat=cohort_tg)
    await bot.send(f"/get {item}")  # the default community's group
    assert f"no library item #{item}" in bot.next_reply().text
    await bot.send("/search cord care")
    assert "Nothing found" in bot.next_reply().text
    assert not bot.actions(SendFile)
    await bot.send(f"/get {item}", chat=cohort_tg)
    assert bot.actions(SendFile)[0].file_ref == "TG-REF"


def _overview(text: str) -> tuple[str, str]:
    """The overview's item count line and its tags line."""
    lines = text.splitlines()
    return lines[0], next((line for line in lines if line.startswith("Tags:")), "")


async def test_the_overview_counts_each_communitys_items_and_tags_as_they_come_and_go(make_bot):
    config = {"communities": {"cohort": {"chats": ["telegram:g2"]}}, "plugins": {"resources": {}}}
    bot = await make_bot(platform="telegram", plugins={"resources"}, moderators=["trainer"], config=config)
    cohort = ChatRef(platform="telegram", id="g2", kind="group")
    guide = await save(bot, "/save https://example.org/pph PPH guide #pph #protocol", user="amina")
    drill = await save(bot, "/save https://example.org/drill PPH drill #pph #drill", user="bekele")
    await bot.send("/save https://EXAMPLE.org/pph/ Same guide #pph #extra", user="chaltu")
    assert f"already in the library as #{guide}." in bot.next_reply().text  # counted once, its tags too
    await save(bot, "/save https://example.org/kmc Kangaroo care #newborn #pph", chat=cohort)
    await bot.send("/resources")
    assert _overview(bot.next_reply().text) == ("Library items: 2. Latest first:", "Tags: #pph (2) #drill (1) #protocol (1)")
    await bot.send("/resources", chat=cohort)
    assert _overview(bot.next_reply().text) == ("Library items: 1. Latest first:", "Tags: #newborn (1) #pph (1)")
    await bot.send("/resources", user="bekele", chat="dm")  # a private chat: the member's own community
    assert _overview(bot.next_reply().text) == ("Library items: 2. Latest first:", "Tags: #pph (2) #drill (1) #protocol (1)")

    await bot.send(f"/delete {drill}", user="trainer")
    assert "removed" in bot.next_reply().text
    await bot.send(f"/delete {drill}", user="trainer")  # already gone: nothing is counted twice
    assert f"no library item #{drill}" in bot.next_reply().text
    await bot.send("/resources")
    assert _overview(bot.next_reply().text) == ("Library items: 1. Latest first:", "Tags: #pph (1) #protocol (1)")
    await bot.send(f"/delete {guide}", user="amina")
    assert "removed" in bot.next_reply().text
    await bot.send("/resources")
    assert "library is empty" in bot.next_reply().text
    await bot.send("/resources", chat=cohort)  # the other community's library is untouched
    assert _overview(bot.next_reply().text) == ("Library items: 1. Latest first:", "Tags: #newborn (1) #pph (1)")


async def test_a_tag_page_lists_verified_items_first_and_outdated_ones_last_as_moderators_mark_them(library_bot):
    bot = await library_bot()
    plain = await save(bot, "/save https://example.org/plain PPH poster #pph", user="amina")
    drill = await save(bot, "/save https://example.org/drill PPH drill #pph", user="chaltu")
    old = await save(bot, "/save https://example.org/old PPH guideline 2012 #pph", user="amina")
    new = await save(bot, "/save https://example.org/new PPH guideline 2024 #pph #protocol", user="bekele")

    async def page() -> list[int]:
        await bot.send("/resources #pph")
        return [int(line.split()[0].lstrip("#")) for line in bot.next_reply().text.splitlines()[1:]]

    assert await page() == [new, old, drill, plain]  # newest first
    await bot.send(f"/verify {plain}", user="trainer")
    assert "verified" in bot.next_reply().text
    await bot.send(f"/supersede {old} {new}", user="trainer")
    assert "outdated" in bot.next_reply().text
    assert await page() == [plain, new, drill, old]
    await bot.send(f"/delete {new}", user="trainer")  # its replacement gone, the old guideline is current again
    assert "removed" in bot.next_reply().text
    assert await page() == [plain, old, drill]


async def test_french_replies(library_bot):
    bot = await library_bot(community={"locale": "fr"})
    await bot.send("/search")
    assert "Que faut-il chercher" in bot.next_reply().text
    item = await save(bot, "/save https://example.org/hpp Protocole hémorragie du post-partum #hpp")
    await bot.send("/resources")
    text = bot.next_reply().text
    assert "Éléments dans la bibliothèque : 1." in text and f"#{item}" in text and "lien" in text
    await bot.send("/help")
    help_text = bot.next_reply().text
    assert "Chercher dans la bibliothèque" in help_text


async def test_the_contributor_of_a_saved_reply_is_its_author(library_bot):
    recorder = Recorder()
    bot = await library_bot(extra={"recorder": recorder})
    shared = await bot.send("Checklist for referral", user="amina", attachments=[pdf("REF-7", "referral.pdf")])
    item = await save(bot, "/save Referral checklist #referral", user="bekele", reply_to=shared)
    await bot.send(f"/verify {item}", user="trainer")
    assert "verified" in bot.next_reply().text
    await bot.send(f"/verify {item}", user="trainer")
    assert "already verified" in bot.next_reply().text
    [event] = recorder.named("ResourceVerified")
    assert event.member.uid == "telegram:amina" and event.item_id == item


@pytest.mark.parametrize("platform", ["console", "telegram"])
async def test_library_dates_are_in_the_readers_language(library_bot, platform):
    bot = await library_bot(platform, community={"locale": "fr"})
    await bot.send("/enregistrer https://www.safedelivery.org/pph Hémorragie du post-partum #hpp", user="amina")
    bot.new_messages()
    await bot.send("/chercher hemorragie", user="bekele")
    assert "26 nov. 2026" in bot.next_reply().text
