"""The `[adapters.whatsapp]` table, validated by `core.schema.validate`. Imports no HTTP library."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from core.schema import Secret

DEFAULT_API = "https://graph.facebook.com/v21.0"
_ID = re.compile(r"[0-9]{5,20}")


@dataclass(frozen=True, kw_only=True)
class WhatsAppConfig:
    """Settings of the WhatsApp adapter.

    Attributes:
        enabled: Start the adapter.
        phone_number_id: The business phone number's id (Meta app > WhatsApp > API setup).
        token: A system user access token, normally `{ "$env" = "WHATSAPP_TOKEN" }`.
        app_secret: The Meta app's secret: every webhook POST must carry its X-Hub-Signature-256.
        verify_token: The word you typed when subscribing the webhook (the GET handshake).
        webhook_host: Address the local webhook server binds to (put a TLS proxy in front).
        webhook_port: Its port (0: any free port, for tests).
        webhook_path: Its path, e.g. "/whatsapp".
        api_base_url: The Graph API address with its version; tests point it at a fake server.
        reminder_template: An approved message template with one body parameter, used for messages
            to a member outside WhatsApp's 24-hour customer-service window.
        template_language: The language code the template was approved in.
        outside_window: What happens to a message outside the window: "template" (send the
            template with the text as its parameter), "wait" (keep it until the member writes
            again) or "drop" (one logged line).
    """

    enabled: bool = True
    phone_number_id: str
    token: Secret
    app_secret: Secret
    verify_token: Secret
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_path: str = "/whatsapp"
    api_base_url: str = DEFAULT_API
    reminder_template: str | None = None
    template_language: str = "en"
    outside_window: Literal["template", "wait", "drop"] = "template"

    def __post_init__(self) -> None:
        if not _ID.fullmatch(self.phone_number_id):
            raise ValueError("key 'phone_number_id' must be the number's id from Meta's API setup page "
                             "(digits only, e.g. '123456789012345'), not the phone number")
        if not 0 <= self.webhook_port <= 65535:
            raise ValueError("key 'webhook_port' must be between 1 and 65535 (0: any free port)")
        if not self.webhook_path.startswith("/"):
            raise ValueError("key 'webhook_path' must start with '/' (e.g. '/whatsapp')")
        if self.outside_window == "template" and not self.reminder_template:
            raise ValueError("outside_window = \"template\" needs key 'reminder_template', the name of an approved "
                             "template with one body parameter (or set outside_window to \"wait\" or \"drop\")")
