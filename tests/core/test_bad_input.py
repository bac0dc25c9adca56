"""Bad input gets a clear reply or nothing, never a traceback, and the bot keeps running."""

from __future__ import annotations

import pytest

from core import Context, Text, command, hookimpl


class Calc:
    @command("add", help="Add two numbers.")
    async def add(ctx: Context, a: int, b: int) -> None:
        await ctx.reply(str(a + b))

    @command("say", help="Repeat text.")
    async def say(ctx: Context, words: Text) -> None:
        await ctx.reply(f"you said {len(words)} characters")

    @hookimpl
    def practica_register_commands(self):
        return [Calc.add, Calc.say]


@pytest.fixture
async def bot(make_bot):
    return await make_bot(plugins=set(), extra_plugins={"calc": Calc()})


async def _still_alive(bot) -> None:
    await bot.send("/add 2 3")
    assert bot.next_reply().text == "5"


@pytest.mark.parametrize("text", ["", "   ", "\x00\x01\x02", "a\ud800b", "\u202e\u200b", "x" * 100_000])
async def test_odd_plain_messages_get_no_reply_and_no_crash(bot, text):
    await bot.send(text)
    bot.assert_no_replies()
    await _still_alive(bot)


async def test_missing_and_malformed_arguments_show_the_usage(bot):
    await bot.send("/add 2")
    assert bot.next_reply().text == "Usage: /add <a> <b>"
    await bot.send("/add two 3")
    assert bot.next_reply().text == "a should be a whole number, not 'two'. Usage: /add <a> <b>"
    await bot.send("/add 1 2 3")
    assert bot.next_reply().text.startswith("Too many arguments. Usage: /add <a> <b>")
    await bot.send("/say")
    assert bot.next_reply().text == "Usage: /say <words...>"
    await _still_alive(bot)


async def test_huge_command_arguments_are_refused_plainly(bot):
    await bot.send("/say " + "y" * 100_000)
    text = bot.next_reply().text
    assert text.startswith("That is too long for /say")
    assert len(text) < 200


async def test_control_characters_and_surrogates_are_cleaned_before_plugins_see_them(bot):
    await bot.send("/say a\x00b\ud800c")
    assert bot.next_reply().text == "you said 4 characters"  # a, b, replacement char, c


async def test_unknown_commands_get_a_suggestion_or_the_help_hint(bot):
    await bot.send("/ad 1 2")
    assert bot.next_reply().text == "I don't know /ad. Did you mean /add? Send /help to see what I can do."
    await bot.send("/zzzzzz")
    assert bot.next_reply().text == "I don't know /zzzzzz. Send /help to see what I can do."
    await bot.send("/" + "q" * 5000)
    assert len(bot.next_reply().text) < 200


async def test_commands_for_other_bots_are_ignored_and_ours_accepted(bot):
    await bot.send("/add@some_other_bot 1 2")
    bot.assert_no_replies()
    await bot.send("/add@practica_bot 1 2")
    assert bot.next_reply().text == "3"
    await bot.send("/ADD 1 1")
    assert bot.next_reply().text == "2"


def test_fold_compares_words_as_people_type_them():
    from core import fold

    assert fold("Énergie") == "energie"
    assert fold("COMPÉTENT") == "competent"
    assert fold("hémorragie du post-partum") == "hemorragie du post-partum"
    assert fold("ፅንስ") == "ፅንስ"  # other scripts are kept
    assert fold("ﬁn²") == "fin2"  # compatibility forms
