"""What the WhatsApp Cloud API supports, as practica's `Capabilities` (imports no HTTP library).

Capabilities are per platform, so they describe what works everywhere on WhatsApp: groups of the
Groups API have no interactive messages, polls, edits or deletes, so none of those is claimed except
buttons, which one-to-one chats have (reply buttons, lists) and which the adapter turns into
numbered text lines in a group.
"""

from __future__ import annotations

from core.capabilities import Capabilities

CAPABILITIES = Capabilities(
    platform="whatsapp",
    max_text=4096,  # text.body: 4,096 characters; the outbox splits longer texts
    markup="plain",  # plain text is valid WhatsApp text (*bold* _italic_ are the member's own)
    buttons=True,  # one-to-one: up to 3 reply buttons, or a list of up to 10 rows
    edit=False,
    delete=False,
    pin=False,
    native_polls=False,  # polls are numbered text (vote with /vote, or a list in one-to-one chats)
    direct_messages=True,  # free-form only within 24 h of the member's last message; else a template
    files=True,
    join_requests=True,  # groups created with join_approval_mode "approval_required": approve or reject  # documents by media id or link; UploadFile uploads the media first
)
