"""The console adapter: talk to the bot in a terminal, or pipe a script into it.

Input lines:
    hello everyone             a message from the default member in the group chat
    amina> /homework           a message from member "amina" in the group chat
    amina (dm)> /mydata        a direct (private) message from amina to the bot
    amina> ^ thanks!           a reply to the previous message in the chat
    amina> ^bekele /warn spam  a reply to bekele's last message
    amina> [1]                presses button 1 of the last message with buttons
    !join amina                amina asks to join the group (a join request)
    !leave amina               amina leaves the group
Output: `bot> text` for each line the bot posts in the group, `bot → amina> text` for direct
messages, and `bot> (…)` notes for actions such as deletions or mutes. At end of input the bot
finishes pending work and exits.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from core.adapter import Adapter, Capabilities
from core.events import ButtonPressed, ChatRef, JoinRequest, MemberLeft, MessageEvent, ReplyTo, User
from core.replies import (Action, AddRole, ApproveJoin, Ban, DeclineJoin, DeleteMessage, DirectMessage, EditMessage, Kick,
                          PinMessage, Reply, Restrict, RemoveRole, SendFile, SendPoll, Sent, StopPoll, Unban, Unrestrict,
                          UploadFile)
from core.errors import DeliveryError

CAPABILITIES = Capabilities(
    platform="console", max_text=4096, markup="plain", buttons=True, edit=True, delete=True, pin=True,
    restrict=True, kick=True, ban=True, join_requests=True, direct_messages=True, files=True,
)

_LINE = re.compile(r"^(?P<name>[\w.\-]{1,32})(?P<dm>\s*\(dm\))?>\s?(?P<text>.*)$", re.DOTALL)
_REPLY = re.compile(r"^\^(?P<who>[\w.\-]{0,32})\s*")
_MENTION = re.compile(r"(?<![\w@])@([\w.\-]{1,32})")
_UNSAFE_NAME = re.compile(r"[^\w.\-]+")
EXPORTS = "exports"  # the private folder, next to the database, where uploaded files are written


@dataclass(frozen=True)
class ConsoleConfig:
    """`[adapters.console]`."""

    enabled: bool = True
    member: str = "you"
    chat: str = "group"
    title: str = "Console group"


def run_prefix() -> str:
    """A short tag unique to this run (milliseconds since 1970 in base 36, e.g. "mimv2p1c").

    Message ids are stored (a poll remembers the id of the message it was posted in), so ids of a
    new run must never repeat those of an earlier run on the same database: a reply to an old
    message would otherwise land on whatever an earlier run posted under the same number.
    """
    n, digits = time.time_ns() // 1_000_000, ""
    while n:
        n, r = divmod(n, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[r] + digits
    return digits


def _unused(path: Path) -> Path:
    """`path`, or `name-2.ext`, `name-3.ext`... when it exists (an earlier export is never overwritten)."""
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def console_user(name: str) -> User:
    """The console member called `name` (id and handle are the lower-case name)."""
    return User(platform="console", id=name.lower(), name=name, handle=name.lower())


class ConsoleAdapter(Adapter):
    """stdin/stdout adapter; the embedded default for trying practica locally."""

    name = "console"
    config_type = ConsoleConfig
    capabilities = CAPABILITIES

    def __init__(self, config: ConsoleConfig, host, stdin: TextIO | None = None, stdout: TextIO | None = None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(config, host)
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.group = ChatRef(platform="console", id=config.chat, kind="group", title=config.title)
        self.bot_handle = "practica"
        self._run = run_prefix()
        self._ids = itertools.count(1)
        self._last_by: dict[str, tuple[str, User | None, str]] = {}  # chat/name -> (message id, author, text)
        self._buttons: dict[str, tuple[str, list[str]]] = {}  # chat key -> (message id, button data)
        self._reader: asyncio.Task[None] | None = None
        self._finished = asyncio.Event()

    async def start(self) -> None:
        if self.stdin.isatty():
            self._write("practica console: type a message, or 'name> message' to speak as someone else; /help lists commands; Ctrl-D quits.")
        self._reader = asyncio.create_task(self._read(), name="practica-console-reader")

    async def stop(self) -> None:
        if self._reader is not None and not self._reader.done():
            self._reader.cancel()
        self._finished.set()

    async def wait_finished(self) -> None:
        await self._finished.wait()

    # --- input -------------------------------------------------------------------------------

    async def _read(self) -> None:
        lines: asyncio.Queue[str | None] = asyncio.Queue()
        loop = asyncio.get_running_loop()

        def pump() -> None:  # a daemon thread: a blocked readline never keeps the process alive
            try:
                for line in iter(self.stdin.readline, ""):
                    loop.call_soon_threadsafe(lines.put_nowait, line)
            except (OSError, ValueError, RuntimeError):  # stdin closed, or the loop already gone
                pass
            finally:
                try:
                    loop.call_soon_threadsafe(lines.put_nowait, None)
                except RuntimeError:
                    pass

        threading.Thread(target=pump, name="practica-console-stdin", daemon=True).start()
        try:
            while True:
                line = await lines.get()
                if line is None:
                    break
                line = line.rstrip("\r\n")
                if line.strip():
                    event = self.parse_line(line)
                    if event is not None:
                        await self.host.deliver(event)
        finally:
            self._finished.set()

    def parse_line(self, line: str) -> MessageEvent | ButtonPressed | JoinRequest | MemberLeft | None:
        """Turn one console line into an event (None for lines that only update console state)."""
        if line.startswith("!join ") or line.startswith("!leave "):
            verb, _, who = line.partition(" ")
            user = console_user(who.strip() or self.config.member)
            return JoinRequest(chat=self.group, member=user) if verb == "!join" else MemberLeft(chat=self.group, member=user)
        match = _LINE.match(line)
        name, text, direct = (match["name"], match["text"], bool(match["dm"])) if match else (self.config.member, line, False)
        author = console_user(name)
        chat = ChatRef(platform="console", id=f"dm-{author.id}", kind="direct", title=name) if direct else self.group
        press = re.fullmatch(r"\s*\[(\d{1,2})\]\s*", text)
        if press and chat.key in self._buttons:
            message_id, data = self._buttons[chat.key]
            index = int(press[1]) - 1
            if 0 <= index < len(data):
                return ButtonPressed(chat=chat, user=author, message_id=message_id, data=data[index])
        reply_to = None
        reply = _REPLY.match(text)
        if reply:
            text = text[reply.end():]
            target = self._last_by.get(f"{chat.key}/{reply['who'].lower()}" if reply["who"] else chat.key)
            if target is not None:
                reply_to = ReplyTo(message_id=target[0], author=target[1], text=target[2][:200])
        mentions = tuple(console_user(m) for m in _MENTION.findall(text))
        event = MessageEvent(id=f"c{self._run}.{next(self._ids)}", chat=chat, author=author, text=text, reply_to=reply_to, mentions=mentions)
        self._remember(chat, event.id, author, text)
        return event

    def _remember(self, chat: ChatRef, message_id: str, author: User | None, text: str) -> None:
        self._last_by[chat.key] = (message_id, author, text)
        if author is not None:
            self._last_by[f"{chat.key}/{author.id}"] = (message_id, author, text)

    # --- output -------------------------------------------------------------------------------

    def _write(self, text: str, who: str = "bot") -> None:
        try:
            for line in (text.split("\n") if text else [""]):
                self.stdout.write(f"{who}> {line}\n")
            self.stdout.flush()
        except (BrokenPipeError, ValueError) as exc:  # the terminal or pipe reading us went away
            self._finished.set()
            raise DeliveryError("the console's output is closed", permanent=True) from exc

    def _speaker(self, chat: ChatRef) -> str:
        return f"bot → {chat.title or chat.id}" if chat.is_direct else "bot"

    async def perform(self, action: Action) -> Sent:
        message_id = f"b{self._run}.{next(self._ids)}"
        if isinstance(action, (Reply, DirectMessage)):
            chat = action.chat if isinstance(action, Reply) else self._dm_chat(action.user)
            self._write(action.text, self._speaker(chat))
            self._remember(chat, message_id, None, action.text)
            if action.buttons:
                labels = [b for row in action.buttons for b in row]
                self._write("  ".join(f"[{i}] {b.label}" for i, b in enumerate(labels, 1)), self._speaker(chat))
                self._buttons[chat.key] = (message_id, [b.data for b in labels])
            return Sent(message_id=message_id)
        if isinstance(action, UploadFile):
            return self._save_upload(action, message_id)
        note = self._describe(action)
        if note is None:
            raise DeliveryError(f"the console cannot perform {type(action).__name__}", permanent=True)
        self._write(f"({note})", self._speaker(getattr(action, "chat", self.group)))
        return Sent(message_id=message_id)

    def _save_upload(self, action: UploadFile, message_id: str) -> Sent:
        """A terminal cannot receive a file: write it to a private folder and print where it is."""
        folder = self._exports_folder()
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(folder, 0o700)
            path = _unused(folder / (_UNSAFE_NAME.sub("_", action.name).strip("._") or "file"))
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # readable by this account only
            with os.fdopen(fd, "wb") as out:
                out.write(action.content)
        except OSError as exc:
            raise DeliveryError(f"the console could not write {action.name} in {folder}: {exc.strerror}", permanent=True) from exc
        chat = action.chat or self._dm_chat(action.user)  # type: ignore[arg-type]
        if action.caption:
            self._write(action.caption, self._speaker(chat))
        self._write(f"(file saved: {path})", self._speaker(chat))
        return Sent(message_id=message_id)

    def _exports_folder(self) -> Path:
        data_dir = getattr(self.host, "data_dir", None)
        return Path(data_dir if data_dir is not None else Path.cwd()) / EXPORTS

    def _dm_chat(self, user: User) -> ChatRef:
        return ChatRef(platform="console", id=f"dm-{user.id}", kind="direct", title=user.name)

    @staticmethod
    def _describe(action: Action) -> str | None:
        until = getattr(action, "until", None)
        until_text = f" until {until:%Y-%m-%d %H:%M} UTC" if until else ""
        match action:
            case EditMessage():
                return f"edited message {action.message_id}: {action.text}"
            case DeleteMessage():
                return f"deleted message {action.message_id}"
            case PinMessage():
                return f"pinned message {action.message_id}"
            case SendFile():
                return f"file {action.file_ref}" + (f": {action.caption}" if action.caption else "")
            case SendPoll() | StopPoll():
                return None
            case Restrict():
                return f"{action.user.name} is muted{until_text}"
            case Unrestrict():
                return f"{action.user.name} may post again"
            case Kick():
                return f"{action.user.name} was removed from the group"
            case Ban():
                return f"{action.user.name} is banned{until_text}"
            case Unban():
                return f"{action.user.name} is no longer banned"
            case ApproveJoin():
                return f"{action.user.name}'s request to join was approved"
            case DeclineJoin():
                return f"{action.user.name}'s request to join was declined"
            case AddRole():
                return f"{action.user.name} now has the role {action.role}"
            case RemoveRole():
                return f"{action.user.name} no longer has the role {action.role}"
        return None
