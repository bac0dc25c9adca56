"""Outbound: practica's core actions -> Bot API calls, carried out with python-telegram-bot's `Bot`.

`plan(action)` turns one core action into the calls that carry it out (PTB `Bot` method names and
keyword arguments, pure), `perform(bot, action, calls)` makes them and `sent_of(action, result)` reads the
answer. Plain text is escaped with `html.escape` and sent with parse_mode HTML.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from telegram import (
    Bot,
    ChatPermissions,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Message,
    Poll,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import TelegramError

from adapters.telegram.errors import delivery_error, is_not_modified
from core.errors import DeliveryError
from core.events import ChatRef, User
from core.replies import (
    Action, AddRole, ApproveJoin, Ban, Button, DeclineJoin, DeleteMessage, DirectMessage, EditMessage,
    Kick, PinMessage, Reply, Restrict, RemoveRole, SendFile, SendPoll, Sent, StopPoll, Unban,
    Unrestrict, UploadFile,
)

CALLBACK_DATA_MAX = 64


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One Bot API call: a python-telegram-bot `Bot` method name and its keyword arguments."""

    method: str
    kwargs: dict[str, Any] = field(default_factory=dict)


def telegram_id(value: str, what: str) -> int:
    """A chat or user id as the int Telegram wants; a permanent DeliveryError if it is not one."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DeliveryError(f"{what} {value!r} is not a Telegram id (expected a number)", permanent=True) from None


def escape(text: str) -> str:
    """Plain text made safe for parse_mode HTML."""
    return html.escape(text, quote=False)


def keyboard(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    """An inline keyboard from rows of Buttons (None when there are none)."""
    if not any(rows):
        return None
    for button in (b for row in rows for b in row):
        if not 1 <= len(button.data.encode()) <= CALLBACK_DATA_MAX:
            raise DeliveryError(f"button {button.label!r}: data must be 1 to {CALLBACK_DATA_MAX} bytes on Telegram",
                                permanent=True)
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
                                 for row in rows if row])


def _text(text: str, buttons: Sequence[Sequence[Button]] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {"text": escape(text), "parse_mode": ParseMode.HTML,
                           "link_preview_options": LinkPreviewOptions(is_disabled=True)}
    markup = keyboard(buttons)
    if markup is not None:
        out["reply_markup"] = markup
    return out


def _place(chat: ChatRef, reply_to: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"chat_id": telegram_id(chat.id, "chat")}
    if chat.thread_id:
        out["message_thread_id"] = telegram_id(chat.thread_id, "thread")
    if reply_to:
        out["reply_parameters"] = ReplyParameters(message_id=telegram_id(reply_to, "message"),
                                                  allow_sending_without_reply=True)
    return out


def _member(action: Any) -> dict[str, Any]:
    return {"chat_id": telegram_id(action.chat.id, "chat"), "user_id": telegram_id(action.user.id, "user")}


def _message(chat: ChatRef, message_id: str) -> dict[str, Any]:
    return {"chat_id": telegram_id(chat.id, "chat"), "message_id": telegram_id(message_id, "message")}


def _poll(action: SendPoll) -> ApiCall:
    spec = action.poll
    kwargs: dict[str, Any] = {**_place(action.chat, None), "question": spec.question, "options": list(spec.options),
                              "is_anonymous": spec.anonymous, "allows_multiple_answers": spec.multiple}
    if spec.correct_option is not None:
        kwargs.update(type=Poll.QUIZ, correct_option_ids=[spec.correct_option])
        if spec.explanation:
            kwargs["explanation"] = spec.explanation
    else:
        kwargs["type"] = Poll.REGULAR
    if spec.close_at is not None:
        kwargs["close_date"] = spec.close_at
    return ApiCall("send_poll", kwargs)


def plan(action: Action) -> tuple[ApiCall, ...]:
    """The Bot API calls that perform `action`, in order.

    Raises:
        DeliveryError: permanent, for actions Telegram cannot do (roles) or malformed ids.
    """
    match action:
        case Reply(ephemeral_to=User() as user):  # no ephemeral messages on Telegram: a direct message
            kwargs = {"chat_id": telegram_id(user.id, "user"), **_text(action.text, action.buttons)}
            return (ApiCall("send_message", kwargs),)
        case Reply():
            kwargs = {**_place(action.chat, action.reply_to), **_text(action.text, action.buttons)}
            if action.silent:
                kwargs["disable_notification"] = True
            return (ApiCall("send_message", kwargs),)
        case DirectMessage():
            return (ApiCall("send_message", {"chat_id": telegram_id(action.user.id, "user"),
                                             **_text(action.text, action.buttons)}),)
        case EditMessage():
            return (ApiCall("edit_message_text", {**_message(action.chat, action.message_id),
                                                  **_text(action.text, action.buttons)}),)
        case DeleteMessage():
            return (ApiCall("delete_message", _message(action.chat, action.message_id)),)
        case PinMessage():
            return (ApiCall("pin_chat_message", {**_message(action.chat, action.message_id),
                                                 "disable_notification": True}),)
        case SendFile():
            kwargs = {**_place(action.chat, action.reply_to), "document": action.file_ref}
            if action.caption:
                kwargs.update(caption=escape(action.caption), parse_mode=ParseMode.HTML)
            return (ApiCall("send_document", kwargs),)
        case UploadFile():
            where = _place(action.chat, None) if action.chat is not None else \
                {"chat_id": telegram_id(action.user.id, "user")}  # type: ignore[union-attr]
            kwargs = {**where, "document": InputFile(action.content, filename=action.name)}
            if action.caption:
                kwargs.update(caption=escape(action.caption), parse_mode=ParseMode.HTML)
            return (ApiCall("send_document", kwargs),)
        case SendPoll():
            return (_poll(action),)
        case StopPoll():
            return (ApiCall("stop_poll", _message(action.chat, action.message_id)),)
        case Restrict():
            kwargs = {**_member(action), "permissions": ChatPermissions.no_permissions(),
                      "use_independent_chat_permissions": True}
            if action.until is not None:
                kwargs["until_date"] = action.until
            return (ApiCall("restrict_chat_member", kwargs),)
        case Unrestrict():  # "pass True for all permissions to lift restrictions" (Bot API)
            return (ApiCall("restrict_chat_member", {**_member(action), "permissions": ChatPermissions.all_permissions(),
                                                     "use_independent_chat_permissions": True}),)
        case Kick():  # a ban immediately lifted: the member is out but may come back by invite
            return (ApiCall("ban_chat_member", _member(action)),
                    ApiCall("unban_chat_member", {**_member(action), "only_if_banned": True}))
        case Ban():
            kwargs = _member(action)
            if action.until is not None:
                kwargs["until_date"] = action.until
            return (ApiCall("ban_chat_member", kwargs),)
        case Unban():
            return (ApiCall("unban_chat_member", {**_member(action), "only_if_banned": True}),)
        case ApproveJoin():
            return (ApiCall("approve_chat_join_request", _member(action)),)
        case DeclineJoin():
            return (ApiCall("decline_chat_join_request", _member(action)),)
        case AddRole() | RemoveRole():
            raise DeliveryError("Telegram has no roles a bot can give or take; check the adapter's capabilities "
                                "(roles=False) before asking for one", permanent=True)
    raise DeliveryError(f"the Telegram adapter cannot perform {type(action).__name__}", permanent=True)


def sent_of(action: Action, result: Any) -> Sent:
    """What to report after the first call of `plan(action)` returned `result`."""
    if isinstance(result, Message):
        return Sent(message_id=str(result.message_id), poll_ref=result.poll.id if result.poll else None)
    if isinstance(result, Poll):  # stopPoll
        return Sent(message_id=getattr(action, "message_id", None), poll_ref=result.id)
    return Sent(message_id=getattr(action, "message_id", None))


async def perform(bot: Bot, action: Action, calls: Sequence[ApiCall]) -> Sent:
    """Carry out `action` with the Bot API: its `calls` (from `plan(action)`) in order.

    Raises:
        DeliveryError: with `retry_after` on rate limits, `permanent` when retrying cannot help.
    """
    what = type(action).__name__
    first: Any = None
    for index, call in enumerate(calls):
        try:
            result = await getattr(bot, call.method)(**call.kwargs)
        except TelegramError as exc:
            if not is_not_modified(exc):
                raise delivery_error(exc, what) from exc
            result = True  # editing to the same text: nothing to do
        if index == 0:
            first = result
    return sent_of(action, first)
