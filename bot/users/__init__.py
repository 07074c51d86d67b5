"""People who talk to the bot: greeting, language, privacy, forgetting."""
