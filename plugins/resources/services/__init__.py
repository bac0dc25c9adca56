"""Services of the resources plugin (see README, "Writing a plugin")."""
