#!/bin/sh
# Apply database migrations, then replace this shell with the bot (so it gets SIGTERM directly).
set -eu
qiaobot db upgrade
exec "$@"
