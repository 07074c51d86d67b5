"""The staff web console: federation staff triage reports from a browser (``qiaobot web``).

``service``/``repo`` hold accounts, sign-in, sessions and rate limits; ``app`` builds the Starlette
application whose routes call the same report and directory services as the Telegram commands.
"""
