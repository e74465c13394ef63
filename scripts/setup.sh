#!/usr/bin/env bash
# Install the Debian 12 packages the project needs (only when something is missing), then
# configure and build one CMake preset (all its targets, or the TARGETs given).
#   scripts/setup.sh [PRESET [TARGET...]]   PRESET: dev | ci (default) | asan-ubsan
# Works as root (CI) without sudo; uses sudo only when not root and it is available.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-ci}"
shift || true
targets=("$@")

packages=(
  build-essential cmake pkg-config libboost1.81-dev libboost-url1.81-dev libssl-dev libcrypt-dev
  libyaml-cpp-dev nlohmann-json3-dev prometheus-cpp-dev libcli11-dev libspdlog-dev libfmt-dev
  libsystemd-dev libhowardhinnant-date-dev tzdata libgtest-dev libgmock-dev libbenchmark-dev
  prometheus systemd clang libclang-rt-14-dev python3 openssl chromium dpkg-dev file faketime
  ninja-build zlib1g-dev etcd-server etcd-client tmux
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install packages" >&2; exit 1; }
    sudo=sudo
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The presets use Ninja (it keeps both cores busy across the chain of library targets,
# bench/RESULTS.md §9); a build tree made earlier by another generator is started afresh.
cache="build/$preset/CMakeCache.txt"
if [ -f "$cache" ] && ! grep -qx 'CMAKE_GENERATOR:INTERNAL=Ninja' "$cache"; then
  echo "setup: build/$preset was made by another CMake generator; configuring it afresh"
  rm -rf "build/$preset"
fi
cmake --preset "$preset" >/dev/null
if ((${#targets[@]})); then
  cmake --build --preset "$preset" --target "${targets[@]}"
else
  cmake --build --preset "$preset"
fi
