#!/usr/bin/env bash
# Build the Debian packages from the `ci` preset (optimised) and print their paths.
#   scripts/package.sh [OUTDIR]     OUTDIR defaults to build/ci/packages
# Builds only the two programs (not the tests). REFRESHD_BUILD_TESTS=OFF in the environment
# configures without the test suites (no GoogleTest needed, as in the Dockerfile).
# Needs dpkg-dev and file (dpkg-shlibdeps computes the library dependencies).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-build/ci/packages}"

configure_args=()
if [ -n "${REFRESHD_BUILD_TESTS:-}" ]; then
  configure_args+=("-DREFRESHD_BUILD_TESTS=${REFRESHD_BUILD_TESTS}")
fi
cmake --preset ci "${configure_args[@]}" >/dev/null
cmake --build --preset ci --target milvus-refreshd milvus-refresh-sim

mkdir -p "$out"
cpack --config build/ci/CPackConfig.cmake -B "$(cd "$out" && pwd)" >/dev/null
rm -rf "$out/_CPack_Packages"
for deb in "$out"/*.deb; do
  echo "$deb"
done
