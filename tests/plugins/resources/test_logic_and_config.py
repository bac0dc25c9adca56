"""Pure pieces: question detection, links, /save parsing, grouping, the safe MATCH expression, config checks."""

from __future__ import annotations

import pytest

from core import ConfigError
from plugins.resources import logic
from plugins.resources.services import search, topics


@pytest.mark.parametrize("text", [
    "What is the dose of oxytocin for PPH?", "how do you store BCG", "Can we give misoprostol at home",
    "Should I refer her", "Does anyone have the partograph", "anyone has the new guideline?",
    "Comment conserver le vaccin", "Pourquoi clamper tard", "Quand faut-il référer", "Quelle dose donner",
    "Est-ce que le misoprostol est sûr", "Peut-on allaiter sous traitement", "Faut-il vacciner le bébé",
    "ኦክሲቶሲን እንዴት ይሰጣል?",
])
def test_questions_are_recognized(text):
    assert logic.is_question(text)


@pytest.mark.parametrize("text", [
    "Good morning everyone", "Thanks!", "ok?", "Here is the file", "Isabelle shared the checklist",
    "Howard will lead today", "/search oxytocin", "Bonjour à toutes", "x" * 600 + "?",
])
def test_other_messages_are_not_questions(text):
    assert not logic.is_question(text)


def test_normalized_urls_identify_the_same_page():
    same = ["https://www.WHO.int/pph/", "http://who.int/pph?utm_source=x#part", "https://who.int:443/pph"]
    assert len({logic.normalize_url(u) for u in same}) == 1
    assert logic.normalize_url("https://who.int/pph?id=2") != logic.normalize_url("https://who.int/pph?id=3")


def test_parse_save_splits_title_tags_link_and_note():
    request = logic.parse_save("WHO guideline https://who.int/x. #PPH #Protocole\nSee page 4.")
    assert request.title == "WHO guideline" and request.tags == ("pph", "protocole")
    assert request.url == "https://who.int/x" and request.note == "See page 4."


def test_grouping_keeps_distinct_topics_apart():
    asked = [topics.Asked(text, f"m{i}", "message") for i, text in enumerate(
        ["How to store BCG vaccine?", "how do we store the bcg vaccine?", "When to clamp the cord?",
         "What is the dose of oxytocin?"])]
    found = topics.group(asked)
    assert [t.count for t in found] == [2, 1, 1]
    assert found[0].wording == "How to store BCG vaccine?"


@pytest.mark.parametrize("query", ['a"b', 'x AND(y', "NEAR(a b)", "*", 'col:"x"', "x OR y NOT z", "^a + b - c"])
def test_match_expression_has_no_user_syntax(query):
    try:
        groups = search.parse_query(query)
    except search.QueryError:
        return
    expression = search.match_expression(groups)
    # every part is a double-quoted word, optionally followed by our own `*`
    for part in expression.split(" AND "):
        assert part.startswith('"') and part.rstrip("*").endswith('"') and part.count('"') == 2, expression


def test_operator_words_become_quoted_words():
    assert search.match_expression(search.parse_query("NEAR miss")) == '"near"* AND "miss"*'


@pytest.mark.parametrize("table", [
    {"auto_capture_chats": ["g1"]}, {"retention_days": 0}, {"faq_similarity": 101}, {"page_size": 0},
    {"insights": "yes"}, {"synonyms": {"pph": "postpartum haemorrhage"}}, {"retention": 90},
])
async def test_bad_config_stops_the_start(make_bot, table):
    with pytest.raises(ConfigError):
        await make_bot(plugins={"resources"}, config={"plugins": {"resources": table}})
