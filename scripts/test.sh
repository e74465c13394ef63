#!/usr/bin/env bash
# Build everything (installing dependencies if needed) and run the whole test suite (what CI
# runs, .ci/run).
#   scripts/test.sh              every suite once (CI): the suites that need the optimised
#                                programs (packaging, e2e, deploy, fuzz, contract) in the ci
#                                preset, then all the others under ASan+UBSan
#   scripts/test.sh ci           the ci preset: optimised, every suite
#   scripts/test.sh asan-ubsan   the unit, integration and 60 s fault-soak suites under
#                                ASan+UBSan (docs/SECURITY.md); builds only the programs they need
# The whole run stays well under CI's 45 minutes on 2 cores only because no suite is built and
# run twice (docs/SECURITY.md "Sanitizers in CI").
set -euo pipefail
cd "$(dirname "$0")/.."

# The suites and programs the asan-ubsan test preset runs (its label filter: unit, sim,
# integration, soak); the other suites (packaging, e2e, deploy, fuzz) run in the ci preset only.
sanitizer_targets=(milvus-refreshd milvus-refresh-sim client_tests coord_tests coord_etcd_tests
                   config_tests cycle_tests log_tests
                   runtime_tests metrics_tests http_tests cli_tests daemon_tests
                   schedule_tests net_tests sim_tests systemd_unit_tests systemd_tests integration_tests)
# The programs and suites of the ci-complement test preset (labels deploy, e2e, packaging, fuzz,
# contract): every other suite runs under the sanitizers.
complement_targets=(milvus-refreshd milvus-refresh-sim e2e_tests deploy_tests kubernetes_tests
                    kubernetes_replicas_tests packaging_tests)

run_preset() {
  local preset=$1
  case "$preset" in
    asan-ubsan) scripts/setup.sh "$preset" "${sanitizer_targets[@]}" ;;
    ci-complement) scripts/setup.sh ci "${complement_targets[@]}" ;;
    *) scripts/setup.sh "$preset" ;;
  esac
  ctest --preset "$preset"
}

case "${1:-all}" in
  all)
    run_preset ci-complement
    run_preset asan-ubsan
    ;;
  *) run_preset "$1" ;;
esac
