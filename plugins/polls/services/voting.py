"""Votes that are not /vote commands: a reply with numbers to a text poll, and native PollVote events."""

from __future__ import annotations

from core import ButtonPressed, CommandError, Context, MessageEvent, PollVote
from plugins.polls import commands, logic, store
from plugins.polls.services import lifecycle, render, secret


async def on_reply(event: MessageEvent, ctx: Context) -> None:
    """A reply made only of numbers to a text poll's message is a vote (cheap checks first)."""
    assert event.reply_to is not None
    numbers = logic.parse_vote_numbers(event.text)
    if numbers is None:
        return
    poll = await store.poll_by_message(ctx.db, event.chat.platform, event.chat.id, event.reply_to.message_id)
    if poll is None or poll.native or poll.community != ctx.community.name:
        return
    try:
        await commands.cast(ctx, event.author, poll, numbers)
    except CommandError as error:
        await ctx.reply(str(error))


async def on_pick(event: ButtonPressed, ctx: Context) -> None:
    """An option picked from the buttons /polls shows in a private chat: a vote like /vote."""
    picked = render.picked(event.data)
    if picked is None:
        return
    poll_id, number = picked
    try:
        poll = await commands.find_poll(ctx, str(poll_id), "vote")
        await commands.cast(ctx, event.user, poll, [number])
    except CommandError as error:
        await ctx.reply(str(error))


async def on_native_vote(event: PollVote, ctx: Context) -> None:
    """Apply a platform poll vote to the same stored votes as text votes."""
    poll = await store.poll_by_ref(ctx.db, event.user.platform, event.poll_ref)
    if poll is None or event.user.is_bot:
        return
    if poll.community != ctx.community.name:  # core could not place the vote (a poll posted before it kept track)
        if not await ctx.for_community(poll.community, keep_event=True).members.in_good_standing(event.user):
            return
    current = await store.choice_of(ctx.db, poll.id, poll.voter_key(event.user.uid, secret.voter_key(ctx)))
    choice = logic.apply_native(current, event.option_ids, event.mode, options=len(poll.options), multiple=poll.multiple)
    status = await lifecycle.record_vote(ctx, poll, event.user, choice)
    if status in ("closed", "final"):
        ctx.log.debug("poll %d: native vote ignored (%s)", poll.id, status)
