"""Services of the polls plugin (see README, "Writing a plugin")."""
