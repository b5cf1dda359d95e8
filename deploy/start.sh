#!/usr/bin/env sh
# Starts the proxy as the container does: `chainpulse serve` from the app installed by deploy/install.sh,
# its config file from CHAINPULSE_CONFIG, listening on HOST:PORT. Extra arguments go to `serve`.
set -eu
app=${CHAINPULSE_HOME:-/opt/chainpulse/app}
exec "$app/node_modules/.bin/chainpulse" serve \
  --config "${CHAINPULSE_CONFIG:-/etc/chainpulse/chainpulse.yaml}" \
  --host "${HOST:-0.0.0.0}" \
  --port "${PORT:-4000}" \
  "$@"
