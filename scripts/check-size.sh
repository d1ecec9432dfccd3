#!/usr/bin/env bash
# STYLE.md: a Go file past 800 lines is a sign to split it. Generated templ
# files are exempt.
set -euo pipefail
cd "$(dirname "$0")/.."
big=$(find . -name '*.go' -not -path './.git/*' | grep -v '_templ.go$' | xargs -r wc -l | awk '$2 != "total" && $1 > 800 {print $2" ("$1" lines)"}')
if [ -n "$big" ]; then
  echo "files past 800 lines (split them by responsibility):"
  echo "$big"
  exit 1
fi
