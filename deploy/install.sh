#!/usr/bin/env sh
# Installs ChainPulse from packed tarballs (deploy/pack.sh) into the npm project folder $2, the way a
# user's `npm install` would: the production server (core + redis + server), plus the devnet when
# CHAINPULSE_WITH_DEVNET=1 (for `chainpulse demo`). --engine-strict makes npm refuse any dependency
# whose declared Node range excludes this Node. The Dockerfile and CI's tarball check both run it.
set -eu
tarballs=${1:?usage: deploy/install.sh <tarball-dir> <app-dir>}
app=${2:?usage: deploy/install.sh <tarball-dir> <app-dir>}
tarballs=$(cd "$tarballs" && pwd)
mkdir -p "$app"
cd "$app"
[ -f package.json ] || printf '{ "name": "chainpulse-app", "private": true, "type": "module" }\n' > package.json
# @chainpulse/redis is a dependency of the server (cluster mode imports it on demand): from its tarball too.
set -- "$tarballs"/chainpulse-core-*.tgz "$tarballs"/chainpulse-redis-*.tgz "$tarballs"/chainpulse-server-*.tgz
if [ "${CHAINPULSE_WITH_DEVNET:-0}" = 1 ]; then set -- "$@" "$tarballs"/chainpulse-devnet-*.tgz; fi
npm install --engine-strict --omit=dev --no-audit --no-fund --loglevel=error "$@"
