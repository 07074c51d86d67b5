"""The Telegram face of the bot: thin handlers over core logic, rendering and i18n."""
