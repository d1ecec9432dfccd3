#!/usr/bin/env bash
# STYLE.md: the generated *_templ.go files are committed; fail when
# `templ generate` would change them (the .templ source was edited without
# regenerating, or by hand in the output).
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
before=$(find . -name '*_templ.go' -not -path './.git/*' | sort | xargs -r sha256sum)
$GO tool templ generate -path . >/dev/null 2>&1 || { $GO tool templ generate -path .; exit 1; }
after=$(find . -name '*_templ.go' -not -path './.git/*' | sort | xargs -r sha256sum)
if [ "$before" != "$after" ]; then
  echo "templ generate changed the generated files; run it and commit them:"
  diff <(echo "$before") <(echo "$after") || true
  exit 1
fi
