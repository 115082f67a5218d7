#!/usr/bin/env bash
# The whole test suite: prepare real services, typecheck, run every test file.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/prepare-test-env.sh
echo "typecheck: tsc --noEmit"
npx tsc --noEmit
npx vitest run "$@"
