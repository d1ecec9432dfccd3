#!/usr/bin/env bash
# Runs every fuzz target of the module for the given time each (default 30s).
# New crashers land in the package's testdata/fuzz/ and must be committed
# with the fix.
set -euo pipefail
cd "$(dirname "$0")/.."
t=${1:-30s}
grep -rl --include='*_test.go' '^func Fuzz' . | sort | while read -r f; do
  dir=$(dirname "$f")
  for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/^func //'); do
    echo "== $dir $target ($t)"
    go test -run='^$' -fuzz="^${target}\$" -fuzztime="$t" "$dir"
  done
done
