#!/usr/bin/env bash
# run_fuzzer.sh build SRC_DIR BUILD_DIR           configure + build the fuzzers with clang
# run_fuzzer.sh run   SRC_DIR BUILD_DIR NAME SECS  run one fuzzer for SECS seconds on its corpus
# Crashes are written to BUILD_DIR/artifacts/NAME/ and fail the test.
set -euo pipefail
mode=$1 src=$2 build=$3
case "$mode" in
  build)
    # -g1: line tables are all a sanitizer report needs, and full debug info doubles the build.
    # Ninja and unity builds, as the presets (bench/RESULTS.md §9): this tree took 5.6 minutes of
    # the CI run with Make and one object per source.
    cmake -S "$src" -B "$build" -G Ninja -DREFRESHD_UNITY_BUILD=ON -DCMAKE_CXX_COMPILER=clang++ \
      -DCMAKE_BUILD_TYPE=Debug \
      -DREFRESHD_BUILD_FUZZERS=ON -DREFRESHD_BUILD_TESTS=OFF -DCMAKE_CXX_FLAGS_DEBUG=-g1 \
      "-DCMAKE_CXX_FLAGS=-O1 -fsanitize=address,undefined,fuzzer-no-link -fno-sanitize=function -fno-omit-frame-pointer" \
      >/dev/null
    cmake --build "$build" -j2 --target fuzz_config fuzz_cron fuzz_api_response fuzz_http_request
    ;;
  run)
    name=$4 secs=$5
    corpus="$build/corpus/$name"
    mkdir -p "$corpus" "$build/artifacts/$name"
    # Seeds live in the repository (the example configs seed the config fuzzer too); new
    # inputs go to the build tree only.
    seeds=("$src/tests/fuzz/corpus/$name")
    [ "$name" = config ] && seeds+=("$src/examples")
    extra=()
    # Requests larger than the server's 16 KiB read buffer and 8 KiB head cap reach its limits.
    [ "$name" = http_request ] && extra+=(-max_len=40000 -malloc_limit_mb=256)
    "$build/tests/fuzz/fuzz_$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
      "${extra[@]}" \
      -print_final_stats=1 -artifact_prefix="$build/artifacts/$name/" \
      "$corpus" "${seeds[@]}"
    ;;
  *) echo "usage: $0 build|run ..." >&2; exit 2 ;;
esac
