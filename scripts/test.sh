#!/usr/bin/env bash
# Build everything (installing dependencies if needed) and run the whole test suite (what CI
# runs, .ci/run).
#   scripts/test.sh              both presets below, one after the other (CI)
#   scripts/test.sh ci           the ci preset: optimised, every suite
#   scripts/test.sh asan-ubsan   the unit, integration and 60 s fault-soak suites under
#                                ASan+UBSan (docs/SECURITY.md); builds only the programs they need
set -euo pipefail
cd "$(dirname "$0")/.."

# The suites and programs the asan-ubsan test preset runs (its label filter: unit, sim,
# integration, soak); the other suites (packaging, e2e, deploy, fuzz) run in the ci preset only.
sanitizer_targets=(milvus-refreshd milvus-refresh-sim client_tests config_tests cycle_tests log_tests
                   runtime_tests metrics_tests http_tests cli_tests daemon_tests
                   schedule_tests net_tests sim_tests systemd_unit_tests systemd_tests integration_tests)

run_preset() {
  local preset=$1
  if [ "$preset" = asan-ubsan ]; then
    scripts/setup.sh "$preset" "${sanitizer_targets[@]}"
  else
    scripts/setup.sh "$preset"
  fi
  ctest --preset "$preset"
}

case "${1:-all}" in
  all)
    run_preset ci
    run_preset asan-ubsan
    ;;
  *) run_preset "$1" ;;
esac
