#!/usr/bin/env bash
# Build everything (installing dependencies if needed) and run the whole test suite.
#   scripts/test.sh [PRESET]   (default: ci)
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-ci}"
scripts/setup.sh "$preset"
ctest --preset "$preset"
