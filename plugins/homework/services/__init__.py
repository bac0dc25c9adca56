"""Services of the homework plugin (see README, "Writing a plugin")."""
