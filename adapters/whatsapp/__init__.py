"""The WhatsApp Business Cloud API adapter (webhook in, Graph API out)."""
