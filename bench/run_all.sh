#!/usr/bin/env bash
# Runs every bench/RESULTS.md measurement against an optimised build and draws the plot.
#   bench/run_all.sh [BUILD_DIR]          (default: build/ci)
# Environment: STEADY_DURATION (s, default 480), SCRAPED_DURATION (s, default 240),
# SCRAPE_EVERY (s, default 30), ECONOMY_LONG=1 (adds a 10-minute job), POLL_ECONOMY (path of
# bench_poll_economy; default: BUILD_DIR/bench or build/bench).
# Results: bench/results/*.json and bench/results/bench.svg. Takes ~25 minutes by default.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build/ci}"
out=bench/results
mkdir -p "$out"
pe=()
if [ -n "${POLL_ECONOMY:-}" ]; then pe=(--poll-economy "$POLL_ECONOMY"); fi
long=()
if [ "${ECONOMY_LONG:-0}" = 1 ]; then long=(--long); fi

set -x
python3 bench/startup.py --build "$build" --out "$out/startup.json" >/dev/null
python3 bench/idle.py --build "$build" --strace --out "$out/idle.json" >/dev/null
python3 bench/economy.py --build "$build" "${pe[@]}" "${long[@]}" --out "$out/economy.json" >/dev/null
python3 bench/steady.py --build "$build" --duration "${STEADY_DURATION:-480}" \
  --out "$out/steady.json" >/dev/null
python3 bench/steady.py --build "$build" --duration "${SCRAPED_DURATION:-240}" \
  --scrape-every "${SCRAPE_EVERY:-30}" --out "$out/steady_scraped.json" >/dev/null
python3 bench/memory.py --build "$build" --out "$out/memory.json" >/dev/null
python3 bench/plot.py --results "$out"
