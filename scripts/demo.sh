#!/usr/bin/env bash
# The demo: build (installing dependencies if needed), start the bundled simulator with a few
# collections, and drive refreshes through the CLI so a refresh visibly runs to completion.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh ci >/dev/null
bin=build/ci/daemon/milvus-refreshd
sim=build/ci/sim/milvus-refresh-sim

out=$(mktemp)
"$sim" --listen 127.0.0.1:0 --auth-token demo-token --scenario demo/sim-scenario.json \
  >"$out" 2>/dev/null &
sim_pid=$!
trap 'kill $sim_pid 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 100); do grep -q "listening on" "$out" && break; sleep 0.05; done
url=$(sed -n 's/.*listening on //p' "$out" | head -1)
[ -n "$url" ] || { echo "demo: the simulator did not start" >&2; exit 1; }
echo "== simulator at $url"

export DEMO_ENDPOINT="$url" DEMO_TOKEN=demo-token
run() { echo; echo "\$ milvus-refreshd $*"; "$bin" "$@" || echo "(exit code $?)"; }
run version
echo; echo "== the CLI"
run trigger --endpoint "$url" --token-env DEMO_TOKEN --database media --name ext_movies --wait --poll-interval 250ms
run trigger --endpoint "$url" --token-env DEMO_TOKEN --name ext_broken --wait --poll-interval 250ms
run check-config -c demo/config.yaml --next 2

echo; echo "== the daemon for 15 seconds (ext_books is already running when it starts)"
"$bin" trigger -c demo/config.yaml --cluster demo --name ext_books
echo "\$ milvus-refreshd run -c demo/config.yaml"
timeout -s TERM 15 "$bin" run -c demo/config.yaml 2>&1 || true
run list -c demo/config.yaml --cluster demo
