"""Texts of the polls plugin: the numbered text poll, the native-poll note, results, the list."""

from __future__ import annotations

from core import Button, Context
from plugins.polls.logic import Poll, Tally, bar

BUTTON_PREFIX = "polls:pick:"
MAX_PICK_OPTIONS = 10  # WhatsApp lists have at most 10 rows


def vote_command(ctx: Context, poll: Poll, locale: str | None = None) -> str:
    """How to vote in `poll`, in the reader's (or `locale`'s) words: "/vote 3", "/voter 3"."""
    return ctx.command_word("vote", poll.id, locale=locale)


def title(ctx: Context, poll: Poll, locale: str | None = None) -> str:
    key = "quiz.title" if poll.is_quiz else "poll.title"
    return _t(ctx, locale, key, id=poll.id, question=poll.question)


def _t(ctx: Context, locale: str | None, key: str, **params: object) -> str:
    return ctx.t_for(locale, key, **params) if locale else ctx.t(key, **params)


def poll_text(ctx: Context, poll: Poll) -> str:
    """The numbered text poll (platforms without native polls, or polls that do not fit them)."""
    lines = [title(ctx, poll)]
    lines += [f"{n}. {option}" for n, option in enumerate(poll.options, start=1)]
    vote = vote_command(ctx, poll)
    if poll.anonymous:
        lines.append(ctx.t("poll.how_anonymous", vote=vote))
    elif poll.multiple:
        lines.append(ctx.t("poll.how_multiple", vote=vote))
    else:
        lines.append(ctx.t("poll.how_single", vote=vote))
    lines += _notes(ctx, poll)
    return "\n".join(lines)


def native_note(ctx: Context, poll: Poll) -> str:
    """The short line sent under a native poll: its number, and that votes are seen by the bot."""
    lines = [ctx.t("poll.native_note", id=poll.id, results=ctx.command_word("results", poll.id), vote=vote_command(ctx, poll))]
    if poll.close_at is not None:
        lines.append(ctx.t("poll.closes", when=poll.close_at))
    return "\n".join(lines)


def _notes(ctx: Context, poll: Poll) -> list[str]:
    lines = []
    if poll.hidden:
        lines.append(ctx.t("poll.hidden"))
    if poll.final:
        lines.append(ctx.t("poll.final"))
    if poll.close_at is not None:
        lines.append(ctx.t("poll.closes", when=poll.close_at))
    return lines


def choice_text(poll: Poll, choice: frozenset[int]) -> str:
    """ "2. Breastfeeding"; several options each with its text: "1. Skin to skin, 3. Delayed clamping"."""
    return ", ".join(f"{i + 1}. {poll.options[i]}" for i in sorted(choice))


def voters_text(ctx: Context, count: int) -> str:
    return ctx.t("results.voters", count=count)


def answers_text(ctx: Context, count: int) -> str:
    return ctx.t("results.answers_one" if count == 1 else "results.answers_many", count=count)


def results_text(ctx: Context, poll: Poll, tally: Tally) -> str:
    """Counts and percentages as a text bar chart; hidden polls show only the vote count until closed.

    An open quiz shows only how many answered: its counts would tell the others what the crowd chose.
    """
    if poll.is_quiz and poll.is_open:
        if poll.close_at is not None:
            return ctx.t("results.quiz_open", id=poll.id, answers=answers_text(ctx, tally.voters),
                         when=ctx.format_time(poll.close_at))
        return ctx.t("results.quiz_open_until_closed", id=poll.id, answers=answers_text(ctx, tally.voters))
    if poll.hidden and poll.is_open:
        if poll.close_at is not None:
            return ctx.t("results.hidden", id=poll.id, votes=voters_text(ctx, tally.voters),
                         when=poll.close_at)
        return ctx.t("results.hidden_until_closed", id=poll.id, votes=voters_text(ctx, tally.voters))
    head = "results.title_closed" if not poll.is_open else "results.title"
    lines = [ctx.t(head, id=poll.id, question=poll.question)]
    width = max(len(o) for o in poll.options)
    width = min(width, 24)
    for index, option in enumerate(poll.options):
        label = option if len(option) <= width else option[: width - 1] + "…"
        mark = " ✓" if poll.is_quiz and not poll.is_open and index == poll.correct else ""
        percent = tally.percent(index)
        lines.append(f"{index + 1}. {label.ljust(width)} {bar(percent)} {tally.counts[index]} ({percent}%){mark}")
    lines.append(voters_text(ctx, tally.voters))
    if poll.multiple:
        lines.append(ctx.t("results.multiple_note"))
    if poll.is_quiz and not poll.is_open:
        assert poll.correct is not None
        lines.append(ctx.t("results.correct", answer=f"{poll.correct + 1}. {poll.options[poll.correct]}"))
        if poll.explanation:
            lines.append(ctx.t("results.explanation", text=poll.explanation))
    elif poll.is_open and poll.close_at is not None:
        lines.append(ctx.t("poll.closes", when=poll.close_at))
    return "\n".join(lines)


def list_item(ctx: Context, poll: Poll, votes: int) -> str:
    closes = ctx.t("list.closes", when=poll.close_at) if poll.close_at else ""
    kind = ctx.t("list.quiz") if poll.is_quiz else ""
    return f"#{poll.id} {kind}{poll.question} — {voters_text(ctx, votes)}{closes}"


def pickable(poll: Poll) -> bool:
    """A poll a member can answer with one button: one choice, options that fit a list."""
    return not poll.multiple and not poll.native and len(poll.options) <= MAX_PICK_OPTIONS


def picker_text(ctx: Context, poll: Poll) -> str:
    return "\n".join([title(ctx, poll), ctx.t("pick.how")])


def option_buttons(poll: Poll) -> tuple[tuple[Button, ...], ...]:
    """One button per option (one per row): its data names the poll and the option's number."""
    return tuple((Button(option, f"{BUTTON_PREFIX}{poll.id}:{n}"),) for n, option in enumerate(poll.options, start=1))


def picked(data: str) -> tuple[int, int] | None:
    """(poll id, option number) of a picker button's data, or None."""
    if not data.startswith(BUTTON_PREFIX):
        return None
    poll_id, _, number = data[len(BUTTON_PREFIX):].partition(":")
    return (int(poll_id), int(number)) if poll_id.isdigit() and number.isdigit() else None
