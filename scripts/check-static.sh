#!/usr/bin/env bash
# The static checks of `npm run check`: format, lint (--max-warnings 0), typecheck (server and settings UI) and
# circular imports. Each one runs even when one before it failed, so one run shows every failure; exits 1 if any did.
set -uo pipefail
cd "$(dirname "$0")/.."
failed=()
for check in format:check lint typecheck madge; do
  npm run "$check" || failed+=("$check")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "Static checks failed: ${failed[*]}" >&2
  exit 1
fi
echo "Static checks passed: format:check, lint, typecheck, madge"
