"""The Telegram adapter: python-telegram-bot's Bot and Updater, driven by hand on practica's loop.

`start()` initializes the bot (getMe), then starts the updater in polling mode (deleteWebhook, then
long-polling getUpdates with PTB's reconnect and backoff) or webhook mode (setWebhook and a local
web server). `perform()` carries out core actions through the same Bot.

Nothing is confirmed to Telegram before it is stored: the updater hands each update to
`_DurableQueue.put`, which translates it (`convert`) and gives its events to the host; the next
getUpdates (which moves Telegram's offset past them) first waits until they are stored, so one
transaction stores a whole batch. In webhook mode the 200 answer waits for the store; when the
intake stays full the request fails and Telegram retries it later.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from telegram import CallbackQuery, Update
from telegram.constants import ChatMemberStatus
from telegram.error import Conflict, TelegramError
from telegram.ext import Updater
from telegram.request import BaseRequest, HTTPXRequest

from core.adapter import Adapter, AdapterHost, CommandInfo
from adapters.telegram.bot import PracticaBot
from adapters.telegram.capabilities import BUDGET, CAPABILITIES
from adapters.telegram.config import TelegramConfig
from adapters.telegram import outbound
from adapters.telegram.convert import LeanUpdate, update_to_events
from adapters.telegram.menu import command_menus, valid_command_name
from adapters.telegram.errors import start_error
from adapters.telegram.logs import protect_logs, redact
from adapters.telegram.outbound import telegram_id
from core.errors import AdapterError, DeliveryError
from core.events import ChatRef, Event, MemberJoined, MemberLeft, Role, User
from core.replies import Action, Sent

ADMIN_CACHE_SECONDS = 60.0
MEMBER_DEDUP_SECONDS = 120.0
STOP_TIMEOUT = 3.0
WEBHOOK_ACCEPT_TIMEOUT = 10.0


class _DurableQueue(asyncio.Queue):  # type: ignore[type-arg]
    """The updater's update queue: `put` stores the update's events instead of queueing it."""

    def __init__(self, adapter: TelegramAdapter) -> None:
        super().__init__()
        self._adapter = adapter

    async def put(self, item: object) -> None:
        await self._adapter._accept(item)


class _Recent:
    """Remembers keys for a while: a join seen as a service message and as chat_member counts once."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._seen: dict[tuple[str, ...], float] = {}

    def seen(self, key: tuple[str, ...]) -> bool:
        now = time.monotonic()
        if len(self._seen) > 1000:
            self._seen = {k: t for k, t in self._seen.items() if t > now}
        if self._seen.get(key, 0.0) > now:
            return True
        self._seen[key] = now + self.ttl
        return False


class TelegramAdapter(Adapter):
    """Connects practica to one Telegram bot.

    Attributes:
        bot_handle: the bot's @username (without @) once started, so the core can accept
            `/cmd@thisbot` and ignore commands addressed to other bots.
    """

    name = "telegram"
    config_type = TelegramConfig
    capabilities = CAPABILITIES
    budget = BUDGET

    def __init__(self, config: TelegramConfig, host: AdapterHost, *, request: BaseRequest | None = None,
                 get_updates_request: BaseRequest | None = None) -> None:
        """Args:
            request: the transport of every Bot API call but getUpdates (default: PTB's HTTPXRequest,
                16 connections); a test peer passes its own (a fake Bot API's, a recorder).
            get_updates_request: the transport of getUpdates alone (default: its own HTTPXRequest, so a
                long poll never holds a sending connection).
        """
        super().__init__(config, host)
        self.config: TelegramConfig = config
        self._request = request
        self._get_updates_request = get_updates_request
        self.bot_handle: str | None = None
        self._bot: PracticaBot | None = None
        self._updater: Updater | None = None
        self._queue = _DurableQueue(self)
        self._stored: list[asyncio.Future[Any]] = []
        self._answers: set[asyncio.Task[None]] = set()
        self._admins: dict[int, tuple[float, dict[int, Role]]] = {}
        self._members = _Recent(MEMBER_DEDUP_SECONDS)
        self._poll_failures = 0
        self._finished = asyncio.Event()
        self._failure: AdapterError | None = None

    # ------------------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Check the token (getMe), then start polling or the webhook server and deliver updates."""
        if self._bot is not None:
            return
        self._finished.clear()
        self._failure = None
        cfg = self.config
        protect_logs(cfg.token.reveal(), cfg.secret_token.reveal() if cfg.secret_token else "")
        options: dict[str, Any] = {}
        if cfg.base_url:
            options["base_url"] = cfg.base_url
        if cfg.base_file_url:
            options["base_file_url"] = cfg.base_file_url
        requests = (self._request or HTTPXRequest(connection_pool_size=16, connect_timeout=5.0, read_timeout=10.0,
                                                  write_timeout=10.0, pool_timeout=3.0),
                    self._get_updates_request or HTTPXRequest(connection_pool_size=2, connect_timeout=5.0,
                                                              read_timeout=5.0, write_timeout=5.0, pool_timeout=1.0))
        bot = PracticaBot(cfg.token.reveal(), request=requests[0], get_updates_request=requests[1],
                          on_token_rejected=self._token_rejected, before_fetch=self._flush, **options)
        try:
            await bot.initialize()
        except TelegramError as exc:
            await asyncio.gather(*(r.shutdown() for r in requests), return_exceptions=True)
            raise start_error(exc) from exc
        self._bot = bot
        self.bot_handle = bot.username
        self._updater = Updater(bot, self._queue)
        try:
            await self._updater.initialize()
            if cfg.mode == "webhook":
                await self._updater.start_webhook(
                    listen=cfg.listen, port=cfg.port, url_path=cfg.url_path, webhook_url=cfg.webhook_url,
                    secret_token=cfg.secret_token.reveal() if cfg.secret_token else None,
                    allowed_updates=list(cfg.allowed_updates), bootstrap_retries=3)
            elif not self.defer_intake:  # start_polling calls deleteWebhook first: a stale webhook would block getUpdates
                await self._start_polling()
        except (TelegramError, OSError) as exc:
            await self._close()
            detail = redact(exc.message if isinstance(exc, TelegramError) else str(exc))
            raise AdapterError(f"[adapters.telegram] could not start {cfg.mode} mode: {detail}") from exc
        self.log.info("connected to Telegram as @%s (%s)", self.bot_handle, cfg.mode)

    async def _start_polling(self) -> None:
        assert self._updater is not None
        cfg = self.config
        await self._updater.start_polling(timeout=cfg.poll_timeout, allowed_updates=list(cfg.allowed_updates),
                                          bootstrap_retries=3, error_callback=self._on_polling_error)

    @property
    def exclusive_intake(self) -> bool:
        """getUpdates serves one consumer at a time (a second one gets 409 Conflict); webhooks reach any worker."""
        return self.config.mode != "webhook"

    async def start_intake(self) -> None:
        """Start polling (this worker now holds the intake lease)."""
        if self._updater is not None and not self._updater.running and self.config.mode != "webhook":
            try:
                await self._start_polling()
            except (TelegramError, OSError) as exc:
                detail = redact(exc.message if isinstance(exc, TelegramError) else str(exc))
                raise AdapterError(f"[adapters.telegram] could not start polling: {detail}") from exc

    async def wait_finished(self) -> None:
        """Return after `stop()`; raise AdapterError when Telegram ended the connection for good."""
        await self._finished.wait()
        if self._failure is not None:
            raise self._failure

    def _token_rejected(self) -> None:
        self._failure = AdapterError("[adapters.telegram] Telegram stopped accepting the bot token (revoked with "
                                     "@BotFather?); put the new token in TELEGRAM_BOT_TOKEN and restart")
        self.log.error("%s", self._failure)
        self._finished.set()

    async def stop_intake(self) -> None:
        """Stop fetching; what was fetched is stored and confirmed. Sending keeps working."""
        updater = self._updater
        if updater is not None and updater.running:
            try:
                await asyncio.wait_for(updater.stop(), STOP_TIMEOUT + self.config.poll_timeout)
            except (asyncio.TimeoutError, TelegramError, RuntimeError) as exc:
                self.log.debug("updater did not stop cleanly: %s", type(exc).__name__)
        await self._flush()

    async def stop(self) -> None:
        """Stop fetching, store what was already fetched, close the connections. Idempotent."""
        self._finished.set()
        if self._bot is None:
            return
        await self.stop_intake()
        if self._answers:
            await asyncio.wait(set(self._answers), timeout=STOP_TIMEOUT)
        await self._close()

    async def _close(self) -> None:
        for part in (self._updater, self._bot):
            if part is None:
                continue
            try:
                await asyncio.wait_for(part.shutdown(), STOP_TIMEOUT)
            except (asyncio.TimeoutError, TelegramError, RuntimeError) as exc:
                self.log.debug("%s did not shut down cleanly: %s", type(part).__name__, type(exc).__name__)
        self._updater = None
        self._bot = None

    def _on_polling_error(self, exc: TelegramError) -> None:
        """Called by PTB's retry loop (which then waits 1 s, 1.5 s ... up to 30 s and tries again)."""
        self._poll_failures += 1
        if isinstance(exc, Conflict):
            self.log.error("another program is fetching updates for this bot (Telegram: %s); stop it, or use "
                           "one webhook", redact(exc.message))
        elif self._poll_failures == 1 or self._poll_failures % 20 == 0:
            self.log.warning("fetching updates from Telegram failed (%s: %s); retrying with backoff",
                             type(exc).__name__, redact(exc.message))
        else:
            self.log.debug("fetching updates failed again (%s)", type(exc).__name__)

    # -------------------------------------------------------------------------------- inbound

    async def _accept(self, update: object) -> None:
        """Translate one fetched update and hand its events to the host (stored before confirmed)."""
        if self._poll_failures:
            self.log.info("receiving updates from Telegram again")
            self._poll_failures = 0
        if type(update) is LeanUpdate:  # a plain text message, already converted by PracticaBot
            for index, event in enumerate(update.events):
                await self._hand_over(event, f"telegram:{update.update_id}:{index}")
            return
        if not isinstance(update, Update):
            return
        try:
            events = update_to_events(update)
        except Exception as exc:  # noqa: BLE001 - a malformed update must never stop the adapter
            self.log.warning("ignored update %s: could not translate it (%s)", update.update_id, type(exc).__name__)
            return
        if update.callback_query is not None:  # stop the button's spinner without holding the fetch loop
            task = asyncio.create_task(self._answer(update.callback_query), name="telegram:answer-button")
            self._answers.add(task)
            task.add_done_callback(self._answers.discard)
        if update.chat_member is not None:
            self._admins.pop(update.chat_member.chat.id, None)
        for index, event in enumerate(events):
            if isinstance(event, (MemberJoined, MemberLeft)):
                key = (type(event).__name__, event.chat.id, event.member.id)
                if self._members.seen(key):
                    continue
            await self._hand_over(event, f"telegram:{update.update_id}:{index}")
        if self.config.mode == "webhook":
            await self._flush()  # the 200 answer waits until the update is stored

    async def _hand_over(self, event: Event, source: str) -> None:
        accept = getattr(self.host, "accept", None)
        try:
            if accept is None:  # a host that stores synchronously
                await self.host.deliver(event, source=source)
                return
            if self.config.mode == "webhook":
                stored = await asyncio.wait_for(accept(event, source=source), WEBHOOK_ACCEPT_TIMEOUT)
            else:
                stored = await accept(event, source=source)
        except asyncio.TimeoutError:
            self.log.warning("the bot is busy: asking Telegram to send this update again later")
            raise
        self._stored.append(stored)

    async def _flush(self) -> None:
        """Wait until every event handed over is stored (before getUpdates confirms them)."""
        while self._stored:
            stored, self._stored = self._stored, []
            for future in reversed(stored):  # the runtime stores events in the order they came, so once
                if not future.done():        # the last one is stored the others are: one wake-up per batch
                    await asyncio.wait((future,))

    async def _answer(self, query: CallbackQuery) -> None:
        """Stop the button's spinner right away (the plugin answers with a message, if at all)."""
        try:
            await query.get_bot().answer_callback_query(query.id)
        except TelegramError as exc:
            self.log.debug("could not answer a button press (%s)", type(exc).__name__)

    # ------------------------------------------------------------------------------- outbound

    def _require_bot(self, what: str) -> PracticaBot:
        if self._bot is None:
            raise DeliveryError(f"{what}: the Telegram adapter is not running")
        return self._bot

    async def perform(self, action: Action) -> Sent:
        """Carry out `action` with the Bot API (see `outbound`); a malformed action fails for good, running or not."""
        calls = outbound.plan(action)
        return await outbound.perform(self._require_bot(type(action).__name__), action, calls)

    async def platform_role(self, chat: ChatRef, user: User) -> Role:
        """OWNER for the group's creator, ADMIN for its administrators, else MEMBER.

        Administrators are fetched with getChatAdministrators and kept for a minute per chat. When
        Telegram cannot be asked, the answer is MEMBER (the configured roles still apply).
        """
        if chat.is_direct or self._bot is None:
            return Role.MEMBER
        try:
            chat_id, user_id = telegram_id(chat.id, "chat"), telegram_id(user.id, "user")
        except DeliveryError:
            return Role.MEMBER
        cached = self._admins.get(chat_id)
        now = time.monotonic()
        if cached is None or cached[0] <= now:
            try:
                admins = await self._bot.get_chat_administrators(chat_id)
            except TelegramError as exc:
                self.log.warning("could not list the administrators of chat %s (%s: %s)", chat_id,
                                 type(exc).__name__, redact(exc.message))
                return Role.MEMBER
            roles = {a.user.id: Role.OWNER if a.status == ChatMemberStatus.OWNER else Role.ADMIN for a in admins}
            cached = (now + ADMIN_CACHE_SECONDS, roles)
            self._admins[chat_id] = cached
        return cached[1].get(user_id, Role.MEMBER)

    async def publish_commands(self, commands: list[CommandInfo]) -> None:
        """setMyCommands: members' commands for everyone, moderator+ commands for group admins too,
        in English (default) and French.

        Raises:
            AdapterError: Telegram refused the list.
        """
        bot = self._require_bot("publish_commands")
        invalid = [c.name for c in commands if not valid_command_name(c.name)]
        if invalid:
            self.log.warning("not shown in Telegram's command menu (names must be lowercase a-z, 0-9 and _, "
                             "up to 32 characters): %s", ", ".join(invalid))
        for scope, language, menu in command_menus(commands):
            try:
                if menu:
                    await bot.set_my_commands(menu, scope=scope, language_code=language)
                else:
                    await bot.delete_my_commands(scope=scope, language_code=language)
            except TelegramError as exc:
                raise AdapterError(f"[adapters.telegram] could not publish the command menu: "
                                   f"{redact(exc.message)}") from exc
        self.log.debug("published %d commands", len(commands) - len(invalid))
