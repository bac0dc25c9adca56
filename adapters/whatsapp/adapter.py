"""The WhatsApp adapter: Meta's webhook in (stored before answered), the Graph API out.

Inbound: the webhook server verifies each POST's signature, `convert.read_webhook` reads it, the
members' last-message times are written to the window store, message statuses (sent, delivered,
read, failed) to the outbox's delivery records, and every event is handed to the host; the 200
answer waits until all of them are stored (503 when the intake stays full: Meta retries,
repeated message ids are ignored by the core). `/stop` and `/start` in a one-to-one chat switch the
member's reminders off and on.

Outbound: free-form messages go only inside the member's 24-hour window; outside it, per
`outside_window`, the approved template carries the text, or the message waits for the member to
write, or it is dropped with one logged line. `DirectMessage`s (reminders, announcements) to a
member who sent /stop are dropped; replies to what they ask still go.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from typing import Any

from core.adapter import Adapter, AdapterHost
from adapters.whatsapp import convert, outbound
from adapters.whatsapp.capabilities import CAPABILITIES
from adapters.whatsapp.config import WhatsAppConfig
from adapters.whatsapp.errors import OutsideWindow, ReauthRequired
from adapters.whatsapp.outbound import GraphClient, protect_logs, unprotect_logs
from adapters.whatsapp.webhook import WebhookServer
from adapters.whatsapp.window import WindowStore
from core.errors import AdapterError, DeliveryError
from core.events import MessageEvent
from core.replies import Action, ApproveJoin, DeclineJoin, DirectMessage, Reply, SendFile, Sent, UploadFile

WEBHOOK_ACCEPT_TIMEOUT = 10.0
WAIT_RECHECK = 300.0  # outside_window = "wait": look again every 5 minutes (the message stays stored)
STATUS_GRACE, STATUS_RECHECK_DELAY = 5.0, 0.1  # a status on a message sent < 5 s ago waits for its record
RECENT_IDS = 2048  # ids of messages sent by this process, with when, for that wait


class WhatsAppAdapter(Adapter):
    """Connects practica to one WhatsApp Business phone number."""

    name = "whatsapp"
    config_type = WhatsAppConfig
    capabilities = CAPABILITIES

    def __init__(self, config: WhatsAppConfig, host: AdapterHost) -> None:
        super().__init__(config, host)
        self.config: WhatsAppConfig = config
        self._client: GraphClient | None = None
        self._server: WebhookServer | None = None
        self._window: WindowStore | None = None
        self._log_filter: Any = None
        self._background: set[asyncio.Task[Any]] = set()
        self._recent: OrderedDict[str, float] = OrderedDict()
        self._parts: OrderedDict[str, str] = OrderedDict()  # later part of a split message -> its first part

    # ------------------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Open the window store and the Graph client, then listen for webhooks."""
        if self._server is not None:
            return
        cfg = self.config
        self._log_filter = protect_logs(cfg.token.reveal(), cfg.app_secret.reveal(), cfg.verify_token.reveal())
        self._window = await WindowStore.open(self.host.data_dir)
        self._client = GraphClient(cfg.api_base_url, cfg.phone_number_id, cfg.token.reveal())
        server = WebhookServer(cfg.webhook_host, cfg.webhook_port, cfg.webhook_path,
                               verify_token=cfg.verify_token.reveal(), app_secret=cfg.app_secret.reveal(),
                               handler=self._on_webhook)
        try:
            await server.start()
        except OSError as exc:
            await self._close()
            raise AdapterError(f"[adapters.whatsapp] cannot listen on {cfg.webhook_host}:{cfg.webhook_port} "
                               f"({exc.strerror}); change webhook_port or stop what uses it") from exc
        self._server = server
        self.log.info("WhatsApp webhook listening on %s:%d%s", cfg.webhook_host, server.port, cfg.webhook_path)

    @property
    def port(self) -> int | None:
        """The webhook server's port once started (useful with webhook_port = 0 in tests)."""
        return self._server.port if self._server else None

    async def stop_intake(self) -> None:
        """Stop taking webhooks; requests under way finish (their events are stored)."""
        if self._server is not None:
            await self._server.stop()

    async def stop(self) -> None:
        """Stop the webhook server and close the client and the store. Idempotent."""
        await self.stop_intake()
        self._server = None
        if self._background:
            await asyncio.wait(set(self._background), timeout=3.0)
        await self._close()

    async def _close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None
        if self._window is not None:
            await self._window.close()
            self._window = None
        if self._log_filter is not None:
            unprotect_logs(self._log_filter)
            self._log_filter = None

    # -------------------------------------------------------------------------------- inbound

    async def _on_webhook(self, payload: dict[str, Any]) -> int:
        """Store what a verified POST carries; the HTTP status to answer (200, or 503 to be sent again)."""
        hook = convert.read_webhook(payload)
        if self._window is not None:
            await self._window.wrote(hook.writers)
        stored: list[asyncio.Future[Any]] = []
        try:
            for status in hook.statuses:
                await asyncio.wait_for(self._status(status), WEBHOOK_ACCEPT_TIMEOUT)
            for source, event in hook.events:
                if isinstance(event, MessageEvent) and await self._opt_command(event):
                    continue
                accept = getattr(self.host, "accept", None)
                if accept is None:
                    await asyncio.wait_for(self.host.deliver(event, source=source), WEBHOOK_ACCEPT_TIMEOUT)
                else:
                    stored.append(await asyncio.wait_for(accept(event, source=source), WEBHOOK_ACCEPT_TIMEOUT))
            if stored:
                await asyncio.wait_for(asyncio.gather(*stored), WEBHOOK_ACCEPT_TIMEOUT)
        except asyncio.TimeoutError:
            self.log.warning("the bot is busy: asking WhatsApp to send this webhook again later")
            return 503
        return 200

    async def _status(self, status: convert.Status) -> None:
        """Write a sent/delivered/read/failed status to the message's delivery record (the core's outbox)."""
        if status.status == "failed":
            self.log.warning("WhatsApp could not deliver message %s (%s)", status.message_id, status.error or "no code")
        else:
            self.log.debug("message %s: %s", status.message_id, status.status)
        record = getattr(self.host, "delivery_status", None)
        if record is None:
            return
        # The core records a split message under its first part's id; a later part's report is the message's.
        message_id = self._parts.get(status.message_id, status.message_id)
        while not await record(self.name, message_id, status.status, error=status.error):
            sent_at = self._recent.get(message_id)
            if sent_at is None or time.monotonic() - sent_at > STATUS_GRACE:
                break
            # Meta may report on a message before the core has stored its id (the answer to our send and
            # the webhook race each other): look again shortly.
            await asyncio.sleep(STATUS_RECHECK_DELAY)
        else:
            return
        self.log.debug("no delivery record for message %s (not sent by practica, or older than a day)", status.message_id)

    async def _opt_command(self, event: MessageEvent) -> bool:
        """Handle `/stop` and `/start` in a one-to-one chat (reminders off/on); True when handled."""
        word = event.text.strip().lower()
        prefix = self.host.prefix
        if not event.chat.is_direct or word not in (f"{prefix}stop", f"{prefix}start") or self._window is None:
            return False
        on = word == f"{prefix}start"
        await self._window.set_reminders(event.author.id, on)
        self.log.info("a member turned reminders %s with %s", "on" if on else "off", word)
        text = self._text(event.author.uid, "whatsapp.reminders_on" if on else "whatsapp.reminders_off")
        task = asyncio.create_task(self._confirm(Reply(chat=event.chat, text=text, reply_to=event.id)),
                                   name="whatsapp:confirm-stop")
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return True

    def _text(self, uid: str, key: str) -> str:
        translator = getattr(self.host, "translator", None)
        members = getattr(self.host, "members", None)
        locale = getattr(members, "locales", {}).get(uid, "en") if members is not None else "en"
        if translator is None:
            return key
        return translator.text("core", locale, key, prefix=self.host.prefix)

    async def _confirm(self, reply: Reply) -> None:
        try:
            await self.perform(reply)
        except DeliveryError as exc:
            self.log.warning("could not confirm /stop or /start: %s", exc)

    async def member_data(self, member_id: str, *, erase: bool) -> dict[str, Any] | None:
        """The member's row of the window store (number, last message time, /stop); erased for /forgetme."""
        if self._window is None:
            return None
        found = await self._window.export(member_id)
        if erase and await self._window.erase(member_id):
            self.log.info("erased a member's row from the 24-hour window store at their request")
        return found

    # ------------------------------------------------------------------------------- outbound

    async def perform(self, action: Action) -> Sent:
        """Carry out `action` with the Graph API.

        Raises:
            DeliveryError: `retry_after` on rate limits and while waiting for the window; `permanent`
                when retrying cannot help (opted out, dropped outside the window, refused).
        """
        client, window = self._client, self._window
        what = type(action).__name__
        if client is None or window is None:
            raise DeliveryError(f"{what}: the WhatsApp adapter is not running")
        _, to, direct = outbound.recipient(action)
        if direct and isinstance(action, DirectMessage) and window.reminders_off(to):
            raise DeliveryError(f"{what}: member whatsapp:{to} turned reminders off with /stop", permanent=True)
        if direct and not window.is_open(to):
            return await self._outside_window(client, action, what)
        try:
            return await self._send(client, action, what)
        except OutsideWindow:  # WhatsApp's clock and ours disagree by a little
            return await self._outside_window(client, action, what)
        except ReauthRequired as exc:
            self.log.error("%s", exc)
            raise

    async def _send(self, client: GraphClient, action: Action, what: str) -> Sent:
        if isinstance(action, (ApproveJoin, DeclineJoin)):
            return await self._answer_join(client, action, what)
        if isinstance(action, UploadFile):
            media_id = await client.upload(action.name, action.content, action.mime, what)
            payloads = [outbound.document(action, media_id=media_id, caption=action.caption, filename=action.name)]
        else:
            payloads = outbound.plan(action)
        first: str | None = None
        for payload in payloads:
            answer = await client.send(payload, what)
            part = outbound.message_id_of(answer)
            if first is None:
                first = part
            elif part:
                _bounded_put(self._parts, part, first)
        return Sent(message_id=self._remember(first))

    @staticmethod
    async def _answer_join(client: GraphClient, action: ApproveJoin | DeclineJoin, what: str) -> Sent:
        """Approve or reject the member's open request to join the group (looked up by their number, so
        an answer given after a restart still finds it)."""
        request_id = await client.join_request_of(action.chat.id, action.user.id, what)
        if request_id is None:
            raise DeliveryError(f"{what}: whatsapp:{action.user.id} has no open request to join this group "
                                "(withdrawn, or answered in WhatsApp already)", permanent=True)
        await client.answer_join_request(action.chat.id, request_id, isinstance(action, ApproveJoin), what)
        return Sent(message_id=None)

    def _remember(self, message_id: str | None) -> str | None:
        """Note when the message whose id the core records was sent (see `_status`); the latest RECENT_IDS."""
        if message_id:
            _bounded_put(self._recent, message_id, time.monotonic())
        return message_id

    async def _outside_window(self, client: GraphClient, action: Action, what: str) -> Sent:
        cfg = self.config
        _, to, _ = outbound.recipient(action)
        mode = cfg.outside_window
        text = getattr(action, "text", None) or getattr(action, "caption", "")
        if mode == "template" and cfg.reminder_template and text and not isinstance(action, (SendFile, UploadFile)):
            payload = outbound.template_message(action, cfg.reminder_template, cfg.template_language, text)
            answer = await client.send(payload, f"{what} (template {cfg.reminder_template})")
            return Sent(message_id=self._remember(outbound.message_id_of(answer)))
        if mode == "drop":
            raise DeliveryError(f"{what} to whatsapp:{to} dropped: outside the 24-hour window "
                                f"(outside_window = \"drop\")", permanent=True)
        raise DeliveryError(f"{what} to whatsapp:{to} waits until the member writes (24-hour window)",
                            retry_after=WAIT_RECHECK)


def _bounded_put(table: OrderedDict[str, Any], key: str, value: Any) -> None:
    """Remember `key` among the latest RECENT_IDS (statuses come within minutes of a send)."""
    table[key] = value
    while len(table) > RECENT_IDS:
        table.popitem(last=False)
