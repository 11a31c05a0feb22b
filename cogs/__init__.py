"""Feature extensions: thin adapters between Discord and the logic in `bot/`."""
