"""Services of the moderation plugin (see README, "Writing a plugin")."""
