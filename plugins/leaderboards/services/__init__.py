"""Services of the leaderboards plugin (see README, "Writing a plugin")."""
