#!/usr/bin/env bash
# The demo: build (installing dependencies if needed), start the bundled simulator with a few
# collections, and drive refreshes through the CLI so a refresh visibly runs to completion.
set -euo pipefail
cd "$(dirname "$0")/.."
# Build only the two programs the demo runs (not the test suites), showing one progress line;
# the full output goes to a log file, named if the build fails (docs/ARCHITECTURE.md "Building").
log=build/demo-build.log
mkdir -p build
start=$SECONDS
progress() {
  local line pct="" tty=0
  [ -t 1 ] && tty=1
  while IFS= read -r line; do
    case "$line" in
      setup:\ installing*) echo "demo: installing Debian packages (once)" ;;
      \[[0-9]*/[0-9]*\]*) # Ninja's "[done/total] Building ..." lines
        done_total=${line#[}; done_total=${done_total%%]*}
        pct="$((${done_total%/*} * 100 / ${done_total#*/}))%"
        ((tty)) && printf '\rdemo: building milvus-refreshd and milvus-refresh-sim %5s (%ds)' \
          "$pct" $((SECONDS - start)) ;;
    esac
  done
  ((tty)) && printf '\n'
  return 0
}
echo "demo: building milvus-refreshd and milvus-refresh-sim (full log: $log)"
if ! scripts/setup.sh ci milvus-refreshd milvus-refresh-sim 2>&1 | tee "$log" | progress; then
  echo "demo: the build failed; the last lines of $log:" >&2
  tail -n 20 "$log" >&2
  exit 1
fi
echo "demo: built in $((SECONDS - start)) s"
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

# The config is the CLI's context: cluster, token and database come from it (docs/CLI.md).
export DEMO_ENDPOINT="$url" DEMO_TOKEN=demo-token MILVUS_REFRESHD_CONFIG=demo/config.yaml
run() { echo; echo "\$ milvus-refreshd $*"; "$bin" "$@" || echo "(exit code $?)"; }
run version
echo; echo "== the CLI, with \$MILVUS_REFRESHD_CONFIG=demo/config.yaml as its context"
run collections
run trigger --name ext_movies --wait --poll-interval 250ms
run trigger --name ext_broken --wait --poll-interval 250ms --query /reason
run trigger --endpoint "$url" --token-env DEMO_TOKEN --database media --name ext_movies --query /job_id
run check-config --next 2

echo; echo "== the daemon for 15 seconds (ext_books is already running when it starts)"
"$bin" trigger --name ext_books
echo "\$ milvus-refreshd run"
timeout -s TERM 15 "$bin" run 2>&1 || true
run list --state Completed,Failed --limit 8
