#!/bin/bash
# bench/snapshot.sh DEST [REV]: a built copy of tsplay to benchmark while the working tree keeps
# changing. Without REV: the working tree as it is now (uncommitted changes included); with REV:
# that commit (git archive). DEST/SNAPSHOT records the commit and whether it had local changes;
# pass DEST to the benchmark with --tsplay DEST.
set -euo pipefail
dest=${1:?usage: bench/snapshot.sh DEST [REV]}
rev=${2:-}
repo=$(cd "$(dirname "$0")/.." && pwd)
if [ -e "$dest" ]; then echo "$dest exists" >&2; exit 1; fi
mkdir -p "$dest"
if [ -n "$rev" ]; then
  git -C "$repo" archive "$rev" src modules bin package.json tsconfig.json | tar -x -C "$dest"
  echo "$(git -C "$repo" rev-parse --short "$rev") clean" >"$dest/SNAPSHOT"
else
  cp -a "$repo/src" "$repo/modules" "$repo/bin" "$repo/package.json" "$repo/tsconfig.json" "$dest/"
  state=clean
  [ -z "$(git -C "$repo" status --porcelain -- src modules)" ] || state=dirty
  echo "$(git -C "$repo" rev-parse --short HEAD) $state" >"$dest/SNAPSHOT"
fi
ln -s "$repo/node_modules" "$dest/node_modules"
(cd "$dest" && "$repo/node_modules/.bin/tsc" -p tsconfig.json)
echo "built $(cat "$dest/SNAPSHOT") in $dest"
