"""What members see when they type durations, dates, repeating times and quiet hours."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr

from core import CommandContext, Text, command, hookimpl
from core.errors import UsageError
from core.recurrence import next_occurrence, occurrences
from core.timeparse import (
    DEFAULT_TIME_OF_DAY,
    Recurrence,
    parse_clock_range,
    parse_duration,
    parse_recurrence,
    parse_when,
)

UTC = timezone.utc
PARIS = ZoneInfo("Europe/Paris")
ADDIS = ZoneInfo("Africa/Addis_Ababa")
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # Thursday, 13:00 in Paris (UTC+1), 15:00 in Addis Ababa


def local(moment: datetime, tz: ZoneInfo = PARIS) -> str:
    """How a member of the community would read the moment on their clock."""
    assert moment.tzinfo is not None and moment.utcoffset() == timedelta(0)
    return moment.astimezone(tz).strftime("%a %Y-%m-%d %H:%M")


def assert_sentence(error: pytest.ExceptionInfo[UsageError], *words: str) -> None:
    message = str(error.value)
    assert message[0].isupper() or message[0] == "'"
    assert message.endswith("."), message
    assert "\n" not in message and len(message) < 200, message
    for word in words:
        assert word.lower() in message.lower(), message


# ------------------------------------------------------------------------------------------ durations


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("1w", timedelta(weeks=1)),
        ("1h30m", timedelta(minutes=90)),
        ("1h30", timedelta(minutes=90)),
        ("90 min", timedelta(minutes=90)),
        ("2 hours", timedelta(hours=2)),
        ("1 hour and 15 minutes", timedelta(minutes=75)),
        ("an hour", timedelta(hours=1)),
        ("3 days", timedelta(days=3)),
        ("2 semaines", timedelta(weeks=2)),
        ("1 jour", timedelta(days=1)),
        ("3 heures", timedelta(hours=3)),
        ("1,5h", timedelta(minutes=90)),
        ("10s", timedelta(seconds=10)),
        ("  2H ", timedelta(hours=2)),
    ],
)
def test_durations_members_type(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("-5d", ("positive",)),
        ("0m", ("positive",)),
        ("999y", ("longer than the maximum", "366 days")),
        ("abc", ("could not read", "'abc'", "30m")),
        ("", ("give a duration", "30m")),
        ("30", ("unit",)),
        ("2 bananas", ("could not read",)),
    ],
)
def test_bad_durations_explain_what_works(text: str, words: tuple[str, ...]) -> None:
    with pytest.raises(UsageError) as error:
        parse_duration(text)
    assert_sentence(error, *words)


def test_duration_limits_are_the_callers_and_are_said_in_words() -> None:
    assert parse_duration("1w", maximum=timedelta(weeks=1)) == timedelta(weeks=1)
    with pytest.raises(UsageError) as error:
        parse_duration("2w", maximum=timedelta(weeks=1))
    assert_sentence(error, "maximum of 1 week")
    with pytest.raises(UsageError) as error:
        parse_duration("10s", minimum=timedelta(minutes=1))
    assert_sentence(error, "minimum of 1 minute")
    with pytest.raises(UsageError) as error:
        parse_duration("2d", maximum=timedelta(hours=25, minutes=30))
    assert_sentence(error, "1 day, 1 hour and 30 minutes")


# ------------------------------------------------------------------------------------------ moments


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("next monday 18:00", "Mon 2026-11-30 18:00"),
        ("in 3 days", "Sun 2026-11-29 13:00"),
        ("tomorrow 9am", "Fri 2026-11-27 09:00"),
        ("tomorrow at 9", "Fri 2026-11-27 09:00"),
        ("lundi prochain 9h", "Mon 2026-11-30 09:00"),
        ("vendredi 17h", "Fri 2026-11-27 17:00"),
        ("Vendredi 17h30", "Fri 2026-11-27 17:30"),
        ("demain 8h30", "Fri 2026-11-27 08:30"),
        ("demain à 8h30", "Fri 2026-11-27 08:30"),
        ("dans 2 heures", "Thu 2026-11-26 15:00"),
        ("dans 3 jours à 9h", "Sun 2026-11-29 09:00"),
        ("in a week", "Thu 2026-12-03 13:00"),
        ("2027-01-05", "Tue 2027-01-05 09:00"),
        ("2027-01-05 10:00", "Tue 2027-01-05 10:00"),
        ("05/01/2027 10:00", "Tue 2027-01-05 10:00"),
        ("le 5 janvier à 10h", "Tue 2027-01-05 10:00"),
        ("friday", "Fri 2026-11-27 09:00"),
        ("18:00", "Thu 2026-11-26 18:00"),
        ("11:00", "Fri 2026-11-27 11:00"),
        ("midi", "Fri 2026-11-27 12:00"),
        ("après-demain", "Sat 2026-11-28 09:00"),
        ("aujourd’hui 18h", "Thu 2026-11-26 18:00"),
    ],
)
def test_moments_in_english_and_french(text: str, expected: str) -> None:
    assert local(parse_when(text, now=NOW, tz=PARIS)) == expected


def test_a_bare_day_means_the_default_time_of_day() -> None:
    assert DEFAULT_TIME_OF_DAY == time(9, 0)
    assert local(parse_when("friday", now=NOW, tz=PARIS)).endswith("09:00")


def test_todays_weekday_means_today_only_while_the_time_is_ahead() -> None:
    assert local(parse_when("thursday 18h", now=NOW, tz=PARIS)) == "Thu 2026-11-26 18:00"
    assert local(parse_when("jeudi 10h", now=NOW, tz=PARIS)) == "Thu 2026-12-03 10:00"
    assert local(parse_when("thursday", now=NOW, tz=PARIS)) == "Thu 2026-12-03 09:00"  # 09:00 is past
    assert local(parse_when("next thursday 18h", now=NOW, tz=PARIS)) == "Thu 2026-12-03 18:00"
    assert local(parse_when("jeudi prochain 18h", now=NOW, tz=PARIS)) == "Thu 2026-12-03 18:00"


def test_the_answer_is_in_the_communitys_time_zone() -> None:
    moment = parse_when("tomorrow 9am", now=NOW, tz=ADDIS)
    assert moment == datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
    assert local(parse_when("18:00", now=NOW, tz=ADDIS), ADDIS) == "Thu 2026-11-26 18:00"
    assert local(parse_when("14:00", now=NOW, tz=ADDIS), ADDIS) == "Fri 2026-11-27 14:00"


def test_only_the_languages_asked_for_are_read() -> None:
    assert local(parse_when("demain 9h", now=NOW, tz=PARIS, languages=("fr",))) == "Fri 2026-11-27 09:00"
    with pytest.raises(UsageError):
        parse_when("demain 9h", now=NOW, tz=PARIS, languages=("en",))


class TestDaylightSaving:
    SPRING = datetime(2027, 3, 26, 12, 0, tzinfo=UTC)  # Friday before the last Sunday of March
    AUTUMN = datetime(2026, 10, 23, 12, 0, tzinfo=UTC)  # Friday before the last Sunday of October

    def test_days_keep_the_wall_clock_time(self) -> None:
        assert local(parse_when("in 3 days", now=self.SPRING, tz=PARIS)) == "Mon 2027-03-29 13:00"
        assert parse_when("in 3 days", now=self.SPRING, tz=PARIS) == datetime(2027, 3, 29, 11, 0, tzinfo=UTC)
        assert local(parse_when("in 3 days", now=self.AUTUMN, tz=PARIS)) == "Mon 2026-10-26 14:00"

    def test_hours_are_real_elapsed_time(self) -> None:
        moment = parse_when("dans 24 heures", now=self.SPRING, tz=PARIS)
        assert moment - self.SPRING == timedelta(hours=24)

    def test_weekdays_across_the_change(self) -> None:
        assert parse_when("sunday 9h", now=self.SPRING, tz=PARIS) == datetime(2027, 3, 28, 7, 0, tzinfo=UTC)
        assert parse_when("lundi 9h", now=self.AUTUMN, tz=PARIS) == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)

    def test_a_skipped_time_moves_forward_and_a_repeated_one_is_the_first(self) -> None:
        skipped = parse_when("2027-03-28 02:30", now=self.SPRING, tz=PARIS)
        assert local(skipped) == "Sun 2027-03-28 03:30"
        repeated = parse_when("2026-10-25 02:30", now=self.AUTUMN, tz=PARIS)
        assert repeated == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("xyz", ("could not read 'xyz' as a date or time", "next monday 18:00", "in 3 days", "2027-01-05 10:00")),
        ("", ("give a date or time",)),
        ("2027-02-30", ("could not read",)),
        ("2020-01-05", ("already past",)),
        ("25:00", ("not a time of day", "18:00")),
        ("9h et 10h", ("more than one time",)),
        ("in 99999 years", ("too far",)),
        ("dans -2 heures", ("positive",)),
    ],
)
def test_unreadable_moments_explain_what_works(text: str, words: tuple[str, ...]) -> None:
    with pytest.raises(UsageError) as error:
        parse_when(text, now=NOW, tz=PARIS)
    assert_sentence(error, *words)


def test_a_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        parse_when("tomorrow", now=datetime(2026, 11, 26, 12), tz=PARIS)


def test_importing_the_module_does_not_import_dateparser() -> None:
    code = "import sys, core.timeparse; sys.exit('dateparser' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# ------------------------------------------------------------------------------------------ recurrence


def test_weekly_rule_with_an_end_date() -> None:
    rule = parse_recurrence("every monday 08:00 until 2027-03-01", now=NOW, tz=PARIS)
    assert rule == Recurrence(
        rrule="FREQ=WEEKLY;BYDAY=MO;BYHOUR=8;BYMINUTE=0;BYSECOND=0;UNTIL=20270301T235959",
        tz="Europe/Paris",
        first=datetime(2026, 11, 30, 7, 0, tzinfo=UTC),
        until=datetime(2027, 3, 1, 22, 59, 59, tzinfo=UTC),  # end of that day in Paris
    )
    rrulestr(rule.rrule, dtstart=datetime(2026, 11, 26, 13, 0))  # dateutil accepts it
    every = occurrences(rule.rrule, PARIS, NOW, 100)
    assert len(every) == 14
    assert local(every[-1]) == "Mon 2027-03-01 08:00"


def test_french_weekly_rule_matches_the_english_one() -> None:
    french = parse_recurrence("chaque lundi 8h jusqu'au 2027-03-01", now=NOW, tz=PARIS)
    english = parse_recurrence("every monday 08:00 until 2027-03-01", now=NOW, tz=PARIS)
    assert french == english


@pytest.mark.parametrize(
    ("text", "first_three"),
    [
        ("every day 7:30", ["Fri 2026-11-27 07:30", "Sat 2026-11-28 07:30", "Sun 2026-11-29 07:30"]),
        ("tous les jours", ["Fri 2026-11-27 09:00", "Sat 2026-11-28 09:00", "Sun 2026-11-29 09:00"]),
        ("tous les vendredis 17h", ["Fri 2026-11-27 17:00", "Fri 2026-12-04 17:00", "Fri 2026-12-11 17:00"]),
        ("every 2 weeks on friday 17h", ["Fri 2026-11-27 17:00", "Fri 2026-12-11 17:00", "Fri 2026-12-25 17:00"]),
        ("toutes les 2 semaines le vendredi 17h",
         ["Fri 2026-11-27 17:00", "Fri 2026-12-11 17:00", "Fri 2026-12-25 17:00"]),
        ("every other week on monday", ["Mon 2026-11-30 09:00", "Mon 2026-12-14 09:00", "Mon 2026-12-28 09:00"]),
        ("every monday and thursday 18:00", ["Thu 2026-11-26 18:00", "Mon 2026-11-30 18:00", "Thu 2026-12-03 18:00"]),
        ("every weekday 9am", ["Fri 2026-11-27 09:00", "Mon 2026-11-30 09:00", "Tue 2026-12-01 09:00"]),
    ],
)
def test_recurrences_fire_when_members_expect(text: str, first_three: list[str]) -> None:
    rule = parse_recurrence(text, now=NOW, tz=PARIS)
    assert rule is not None and rule.until is None
    assert local(rule.first) == first_three[0]
    assert [local(m) for m in occurrences(rule.rrule, PARIS, NOW, 3, anchor=rule.first)] == first_three


def test_every_two_weeks_keeps_its_weeks_when_resumed_later() -> None:
    rule = parse_recurrence("every 2 weeks on friday 17h", now=NOW, tz=PARIS)
    assert rule is not None
    later = datetime(2026, 12, 1, tzinfo=UTC)
    assert local(next_occurrence(rule.rrule, PARIS, later, anchor=rule.first)) == "Fri 2026-12-11 17:00"


def test_weekly_rule_in_addis_ababa_is_five_utc_each_monday() -> None:
    rule = parse_recurrence("every monday 08:00", now=NOW, tz=ADDIS)
    assert rule is not None and rule.tz == "Africa/Addis_Ababa"
    assert occurrences(rule.rrule, ADDIS, NOW, 3) == [
        datetime(2026, 11, 30, 5, 0, tzinfo=UTC),
        datetime(2026, 12, 7, 5, 0, tzinfo=UTC),
        datetime(2026, 12, 14, 5, 0, tzinfo=UTC),
    ]


def test_weekly_rule_stays_at_eight_local_across_dst() -> None:
    rule = "FREQ=WEEKLY;BYDAY=MO;BYHOUR=8;BYMINUTE=0;BYSECOND=0"
    spring = occurrences(rule, PARIS, datetime(2027, 3, 20, tzinfo=UTC), 2)
    assert spring == [datetime(2027, 3, 22, 7, 0, tzinfo=UTC), datetime(2027, 3, 29, 6, 0, tzinfo=UTC)]
    autumn = occurrences(rule, PARIS, datetime(2026, 10, 20, tzinfo=UTC), 2)
    assert autumn == [datetime(2026, 10, 26, 7, 0, tzinfo=UTC), datetime(2026, 11, 2, 7, 0, tzinfo=UTC)]


def test_a_daily_time_inside_the_dst_gap_still_happens_once() -> None:
    rule = "FREQ=DAILY;BYHOUR=2;BYMINUTE=30;BYSECOND=0"
    days = occurrences(rule, PARIS, datetime(2027, 3, 27, 12, 0, tzinfo=UTC), 2)
    assert [local(d) for d in days] == ["Sun 2027-03-28 03:30", "Mon 2027-03-29 02:30"]


def test_occurrences_are_strictly_after_and_stop_at_the_end() -> None:
    rule = parse_recurrence("every monday 08:00 until 2026-12-14", now=NOW, tz=PARIS)
    assert rule is not None
    first = rule.first
    assert next_occurrence(rule.rrule, PARIS, first) == first + timedelta(weeks=1)
    assert next_occurrence(rule.rrule, PARIS, datetime(2026, 12, 14, 7, 0, tzinfo=UTC)) is None
    assert occurrences(rule.rrule, PARIS, NOW, 0) == []


def test_text_that_is_not_a_recurrence_gives_none() -> None:
    assert parse_recurrence("tomorrow 9am", now=NOW, tz=PARIS) is None
    assert parse_recurrence("hello everyone", now=NOW, tz=PARIS) is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("every blorp", ("could not read", "repeating", "every monday 08:00")),
        ("every monday until 2020-01-01", ("ends before it starts",)),
        ("every monday 25:00", ("not a time of day",)),
    ],
)
def test_unreadable_recurrences_explain_what_works(text: str, words: tuple[str, ...]) -> None:
    with pytest.raises(UsageError) as error:
        parse_recurrence(text, now=NOW, tz=PARIS)
    assert_sentence(error, *words)


# ------------------------------------------------------------------------------------------ quiet hours


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("22:00-06:00", (time(22), time(6))),
        ("22h-6h", (time(22), time(6))),
        ("22h30 - 6h", (time(22, 30), time(6))),
        ("10pm to 6am", (time(22), time(6))),
        ("de 22h à 6h", (time(22), time(6))),
        ("13:00-14:00", (time(13), time(14))),
    ],
)
def test_clock_ranges(text: str, expected: tuple[time, time]) -> None:
    assert parse_clock_range(text) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("abc", ("could not read", "22:00-06:00")),
        ("22:00", ("could not read",)),
        ("", ("could not read",)),
        ("25:00-06:00", ("not a time of day",)),
        ("22:00-22:00", ("same",)),
    ],
)
def test_bad_clock_ranges(text: str, words: tuple[str, ...]) -> None:
    with pytest.raises(UsageError) as error:
        parse_clock_range(text)
    assert_sentence(error, *words)


def test_past_times_raise_a_distinct_error_callers_can_word_themselves():
    from core.timeparse import TimeInPast

    now = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
    with pytest.raises(TimeInPast):
        parse_when("2026-11-20 10:00", now=now, tz=ZoneInfo("Africa/Addis_Ababa"))
    with pytest.raises(UsageError) as error:
        parse_when("xyzzy", now=now, tz=ZoneInfo("Africa/Addis_Ababa"))
    assert not isinstance(error.value, TimeInPast)


def test_a_bare_17h_is_a_time_of_day_in_french_and_17_hours_in_english():
    from core.timeparse import parse_moment, reads_as_time_of_day

    now = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)
    tz = ZoneInfo("Africa/Addis_Ababa")
    assert reads_as_time_of_day("17h", "fr") and reads_as_time_of_day("17 h 30", "fr-CA")
    assert not reads_as_time_of_day("17h", "en") and not reads_as_time_of_day("vendredi 17h", "fr")
    assert parse_moment("17h", now=now, tz=tz, language="fr") == datetime(2026, 11, 26, 14, 0, tzinfo=timezone.utc)
    assert parse_moment("17h", now=now, tz=tz, language="en") == now + timedelta(hours=17)
    assert parse_moment("friday 17h", now=now, tz=tz, language="en") == datetime(2026, 11, 27, 14, 0, tzinfo=timezone.utc)


# ------------------------------------------------------------------------------------------ translatable hints


def test_errors_carry_a_message_key_of_cores_catalogs_with_their_parameters() -> None:
    from core.timeparse import TimeParseError

    with pytest.raises(TimeParseError) as error:
        parse_duration("2w", maximum=timedelta(weeks=1))
    assert error.value.key == "time.duration_too_long"
    assert error.value.params == {"text": "'2w'", "maximum": timedelta(weeks=1)}
    with pytest.raises(TimeParseError) as error:
        parse_when("someday maybe", now=NOW, tz=PARIS)
    assert error.value.key == "time.when_unreadable"


async def test_a_command_that_lets_a_parser_error_through_answers_in_the_readers_language(make_bot) -> None:
    class Reminders:
        @hookimpl
        def practica_register_commands(self):  # type: ignore[no-untyped-def]
            @command("remindme")
            async def remindme(ctx: CommandContext, duration: Text = Text("")) -> None:
                await ctx.reply(f"ok {parse_duration(duration, maximum=timedelta(days=2))}")

            return (remindme,)

    bot = await make_bot(plugins={"reminders"}, extra_plugins={"reminders": Reminders()}, community={"locale": "fr"})
    await bot.send("/remindme 3 jours")
    assert bot.next_reply().text == "'3 jours' dépasse le maximum de 2\u00a0jours."
    await bot.send("/remindme bientôt")
    assert bot.next_reply().text.startswith("Je n'ai pas pu lire 'bientôt' comme une durée.")
    await bot.send("/lang en")
    bot.next_reply()
    await bot.send("/remindme 3 days")
    assert bot.next_reply().text == "'3 days' is longer than the maximum of 2 days."
