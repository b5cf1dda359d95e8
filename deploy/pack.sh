#!/usr/bin/env sh
# Packs every publishable workspace package (packages/* that are not private) into the folder $1, as
# `npm publish` would upload them. Run from the repository root after `pnpm build`.
set -eu
out=${1:?usage: deploy/pack.sh <output-dir>}
mkdir -p "$out"
out=$(cd "$out" && pwd)
for dir in packages/*/; do
  if node -e "process.exit(require('./${dir}package.json').private ? 0 : 1)"; then continue; fi
  (cd "$dir" && pnpm pack --pack-destination "$out" >/dev/null)
done
ls "$out"
