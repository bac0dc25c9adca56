"""Pure logic: the /poll syntax, closing times, native votes, reminders in quiet hours."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from plugins.polls.logic import (PollInputError, apply_native, choice_from_numbers, parse_poll, parse_vote_numbers,
                                 reminder_time, resolve_close)

LIMITS = {"max_options": 20, "max_option_length": 100, "max_question_length": 300}
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)
TZ = ZoneInfo("Africa/Addis_Ababa")


def test_flags_first_and_closing_time_last():
    draft = parse_poll("multiple anon hidden final | Which topic? | A | B | closes: friday 17h", quiz=False, **LIMITS)
    assert (draft.question, draft.options) == ("Which topic?", ("A", "B"))
    assert draft.multiple and draft.anonymous and draft.hidden and draft.final
    assert draft.closes == "friday 17h"


def test_french_flags_and_closes_inside_flags():
    draft = parse_poll("plusieurs anonyme caché ferme=dans 2 jours | Quel jour ? | Lundi | Mardi", quiz=False, **LIMITS)
    assert draft.multiple and draft.anonymous and draft.hidden and draft.closes == "dans 2 jours"


def test_a_question_that_starts_like_a_flag_stays_a_question():
    draft = parse_poll("Multiple births: refer? | Yes | No", quiz=False, **LIMITS)
    assert draft.question == "Multiple births: refer?" and not draft.multiple


def test_quiz_marks_correct_answer_and_explanation():
    draft = parse_poll("2+2? | 3 | *4 | 5 | explain: basic sums", quiz=True, **LIMITS)
    assert draft.correct == 1 and draft.options == ("3", "4", "5") and draft.explanation == "basic sums"


@pytest.mark.parametrize("text, quiz, key", [
    ("Question?", False, "error.no_options"),
    ("Question? | A", False, "error.one_option"),
    ("Q? | A | | B", False, "error.empty_option"),
    ("Q? | Yes | yes ", False, "error.duplicate_option"),
    ("| A | B", False, "error.no_question"),
    ("Q? | " + " | ".join(f"o{i}" for i in range(30)), False, "error.too_many_options"),
    ("Q? | A | B", True, "error.quiz_no_correct"),
    ("Q? | *A | *B", True, "error.quiz_two_correct"),
    ("multiple | Q? | *A | B", True, "error.quiz_multiple"),
    ("Q? | A | B | explain: no", False, "error.explain_not_quiz"),
])
def test_bad_polls(text, quiz, key):
    with pytest.raises(PollInputError) as caught:
        parse_poll(text, quiz=quiz, **LIMITS)
    assert caught.value.key == key


def test_closing_times():
    assert resolve_close("2h", now=NOW, tz=TZ, maximum=timedelta(days=30)) == NOW + timedelta(hours=2)
    friday = resolve_close("friday 17h", now=NOW, tz=TZ, maximum=timedelta(days=30))
    assert friday.astimezone(TZ).strftime("%a %H:%M") == "Fri 17:00"
    for text, key in (("yesterday 10:00", "error.close_past"), ("2026-11-20 10:00", "error.close_past"),
                      ("whenever", "error.close_unreadable"), ("90 days", "error.close_too_far")):
        with pytest.raises(PollInputError) as caught:
            resolve_close(text, now=NOW, tz=TZ, maximum=timedelta(days=30))
        assert caught.value.key == key, text


def test_vote_numbers():
    assert parse_vote_numbers(" 1, 3 ") == [1, 3]
    assert parse_vote_numbers("thanks 2") is None
    assert choice_from_numbers([3, 1, 3], options=3, multiple=True) == frozenset({0, 2})
    with pytest.raises(PollInputError):
        choice_from_numbers([4], options=3, multiple=False)
    with pytest.raises(PollInputError):
        choice_from_numbers([1, 2], options=3, multiple=False)


def test_native_vote_modes():
    assert apply_native(frozenset({0}), (2,), "set", options=3, multiple=False) == frozenset({2})
    assert apply_native(frozenset({0}), (), "set", options=3, multiple=False) == frozenset()
    assert apply_native(frozenset({0}), (1,), "add", options=3, multiple=True) == frozenset({0, 1})
    assert apply_native(frozenset({0, 1}), (0,), "remove", options=3, multiple=True) == frozenset({1})
    assert apply_native(frozenset(), (7,), "add", options=3, multiple=True) == frozenset()


def test_reminder_moves_out_of_quiet_hours_or_is_dropped():
    quiet = (time(22, 0), time(6, 0))
    utc = ZoneInfo("UTC")
    close = datetime(2026, 11, 27, 8, 0, tzinfo=timezone.utc)
    # 2h before 08:00 is 06:00: outside quiet hours
    assert reminder_time(close, timedelta(hours=2), now=NOW, tz=utc, quiet=quiet) == close - timedelta(hours=2)
    # 5h before 08:00 is 03:00: moved to 06:00
    assert reminder_time(close, timedelta(hours=5), now=NOW, tz=utc, quiet=quiet) == datetime(2026, 11, 27, 6, 0, tzinfo=timezone.utc)
    # closes at 05:00: 03:00 would move to 06:00, after the close: dropped
    assert reminder_time(close - timedelta(hours=3), timedelta(hours=2), now=NOW, tz=utc, quiet=quiet) is None
