"""Services of the essentials plugin (see README, "Writing a plugin")."""
