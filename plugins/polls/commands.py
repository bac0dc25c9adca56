"""Commands of the polls plugin: /poll, /quiz, /vote, /results, /polls, /closepoll."""

from __future__ import annotations

from core import CommandContext, Context, DeleteMessage, NotFound, PermissionDenied, Role, Text, UsageError, User, command
from plugins.polls import logic, store
from plugins.polls.services import lifecycle, render, topics
from plugins.polls.logic import Poll, PollInputError


def message(ctx: Context, error: PollInputError, **extra: object) -> str:
    """The member-facing sentence for a PollInputError."""
    params = {"poll": ctx.command_word("poll"), "quiz": ctx.command_word("quiz"), "vote": ctx.command_word("vote"),
              "polls": ctx.command_word("polls"), **extra, **error.params}
    return ctx.t(error.key, **params)


async def _create(ctx: CommandContext, text: str, *, quiz: bool) -> None:
    cfg = ctx.config
    chat, user = ctx.chat, ctx.user
    if not text.strip():
        raise UsageError(ctx.t("error.quiz_usage" if quiz else "error.poll_usage", poll=ctx.command_word("poll"),
                               quiz=ctx.command_word("quiz")))
    maximum = cfg.span("max_duration")
    try:
        draft = logic.parse_poll(text, quiz=quiz, max_options=cfg.max_options, max_option_length=cfg.max_option_length,
                                 max_question_length=cfg.max_question_length)
        if draft.closes is not None:
            close_at = logic.resolve_close(draft.closes, now=ctx.now(), tz=ctx.tz, maximum=maximum, language=ctx.locale)
        else:
            default = cfg.span("default_duration")
            close_at = ctx.now() + default if default else None
    except PollInputError as error:
        raise UsageError(message(ctx, error, max=ctx.format_duration(maximum.total_seconds()))) from None
    await lifecycle.create_poll(ctx, draft, chat=chat, author=user, close_at=close_at)


@command("poll", help="Start a poll: /poll Question? | A | B", where="group",
         usage="Question? | A | B ...")
async def poll_command(ctx: CommandContext, text: Text = Text("")) -> None:
    if topics.is_topics_request(text):
        await topics.request(ctx)
        return
    await _create(ctx, text, quiz=False)


@command("quiz", help="Start a quiz: /quiz Question? | A | *B | C", where="group", usage="Question? | A | *B ...")
async def quiz_command(ctx: CommandContext, text: Text = Text("")) -> None:
    await _create(ctx, text, quiz=True)


async def find_poll(ctx: Context, word: str, command_name: str) -> Poll:
    """The poll numbered `word` in this community, or a NotFound/UsageError sentence."""
    number = logic.parse_poll_number(word) if word else None
    if number is None:
        raise UsageError(ctx.t("error.poll_number", command=f"{ctx.bot.prefix}{command_name}", polls=ctx.command_word("polls")))
    poll = await store.get_poll(ctx.db, number)
    if poll is None or (poll.message_id is None and poll.poll_ref is None) or not await _reachable(ctx, poll):
        raise NotFound(ctx.t("error.poll_unknown", id=number, polls=ctx.command_word("polls")))
    return poll


async def _reachable(ctx: Context, poll: Poll) -> bool:
    """A poll of this community; from a private chat, a poll of any community the member belongs to
    (private chats belong to the default community, and anonymous polls are voted in private)."""
    if poll.community == ctx.community.name:
        return True
    chat, user = ctx.chat, ctx.user
    return bool(chat is not None and chat.is_direct and user is not None
                and await ctx.members.is_member(user.uid, poll.community))


async def cast(ctx: Context, user: User, poll: Poll, numbers: list[int]) -> None:
    """Record `user`'s text vote (from /vote, a reply with numbers or a picked option) and answer in one line."""
    results = ctx.command_word("results", poll.id)
    if lifecycle.is_closed(poll, ctx.now()):
        raise UsageError(ctx.t("error.poll_closed", id=poll.id, results=results))
    if not await ctx.for_community(poll.community, keep_event=True).members.in_good_standing(user):
        raise PermissionDenied(ctx.t("error.not_in_standing", id=poll.id))
    try:
        choice = logic.choice_from_numbers(numbers, options=len(poll.options), multiple=poll.multiple)
    except PollInputError as error:
        raise UsageError(message(ctx, error, id=poll.id, usage=f"{render.vote_command(ctx, poll)} <n>")) from None
    status = await lifecycle.record_vote(ctx, poll, user, choice)
    if status == "closed":
        raise UsageError(ctx.t("error.poll_closed", id=poll.id, results=results))
    if status == "final":
        raise UsageError(ctx.t("error.vote_final", id=poll.id))
    message_event = ctx.message
    if poll.anonymous:
        chat = ctx.chat
        if chat is not None and not chat.is_direct and message_event is not None and ctx.capabilities().delete:
            await ctx.act(DeleteMessage(chat=chat, message_id=message_event.id))  # the command showed the choice
        await ctx.reply(ctx.t("vote.anonymous", id=poll.id), quote=False)
    elif poll.is_quiz:
        await ctx.reply(ctx.t("vote.quiz", id=poll.id))
    else:
        key = "vote.changed" if status == "changed" else "vote.recorded"
        await ctx.reply(ctx.t(key, id=poll.id, choice=render.choice_text(poll, choice)))


MAX_PICKERS = 3


@command("vote", help="Vote in a poll: /vote <poll> <number>", aliases=("v",), usage="<poll> <number...>")
async def vote_command(ctx: CommandContext, text: Text = Text("")) -> None:
    words = text.split(maxsplit=1)
    usage = ctx.t("error.vote_usage", vote=ctx.command_word("vote"))
    if not words:
        raise UsageError(usage)
    poll = await find_poll(ctx, words[0], "vote")
    numbers = logic.parse_vote_numbers(words[1]) if len(words) > 1 else None
    if numbers is None:
        raise UsageError(ctx.t("error.vote_numbers", vote=render.vote_command(ctx, poll), max=len(poll.options)))
    await cast(ctx, ctx.user, poll, numbers)


@command("results", help="Show a poll's results: /results <poll>", usage="<poll>")
async def results_command(ctx: CommandContext, poll: str = "") -> None:
    found = await find_poll(ctx, poll, "results")
    tally = await store.poll_tally(ctx.db, found)
    await ctx.reply(render.results_text(ctx, found, tally))


async def _open_polls(ctx: Context) -> list[Poll]:
    """The open polls of this community; in a private chat, of every community the member belongs to."""
    polls = await store.open_polls(ctx.db, ctx.community.name)
    chat, user = ctx.chat, ctx.user
    if chat is not None and chat.is_direct and user is not None:
        for other in ctx.communities():
            name = other.community.name
            if name != ctx.community.name and await ctx.members.is_member(user.uid, name):
                polls += await store.open_polls(ctx.db, name)
    return sorted(polls, key=lambda p: p.id)


@command("polls", help="List the open polls of this community.")
async def polls_command(ctx: CommandContext) -> None:
    polls = await _open_polls(ctx)
    if not polls:
        await ctx.reply(ctx.t("list.empty", poll=ctx.command_word("poll")))
        return
    lines = [ctx.t("list.header")]
    for poll in polls:
        lines.append(render.list_item(ctx, poll, await store.voter_count(ctx.db, poll.id)))
    lines.append(ctx.t("list.footer", vote=ctx.command_word("vote"), results=ctx.command_word("results")))
    await ctx.reply("\n".join(lines))
    chat = ctx.chat
    if chat is not None and chat.is_direct and ctx.capabilities().buttons:
        # In a private chat, each poll one pick away (WhatsApp shows the options as a list or buttons).
        for poll in [p for p in polls if render.pickable(p)][:MAX_PICKERS]:
            await ctx.reply(render.picker_text(ctx, poll), buttons=render.option_buttons(poll), quote=False)


@command("closepoll", help="Close a poll now and post its results (author or moderator).", usage="<poll>")
async def closepoll_command(ctx: CommandContext, poll: str = "") -> None:
    found = await find_poll(ctx, poll, "closepoll")
    user = ctx.user
    if found.closed_at is not None:
        raise UsageError(ctx.t("error.already_closed", id=found.id, results=ctx.command_word("results", found.id)))
    if found.author != user.uid and await ctx.for_community(found.community, keep_event=True).role_of() < Role.MODERATOR:
        raise PermissionDenied(ctx.t("error.not_allowed_close", id=found.id))
    await lifecycle.close_poll(ctx, found)
    await ctx.jobs.cancel(f"close:{found.id}")
    chat = ctx.chat
    if chat is None or chat.key != found.chat.key:
        await ctx.reply(ctx.t("close.done_elsewhere", id=found.id))


ALL = (poll_command, quiz_command, vote_command, results_command, polls_command, closepoll_command)
