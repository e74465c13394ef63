#!/usr/bin/env python3
"""Fault soak (docs/SECURITY.md, issue 11 point 7; docs/SECURITY.md "Fault soak").

The real daemon (build it with the asan-ubsan preset) against 4 simulators with every fault on
at once: HTTP 500, connection resets, truncated and oversized (9 MiB) bodies, rate limiting
(429 on two simulators, code 1807 on the other two) and latency spikes; a SIGHUP every 2 s
alternating a valid config (adding and removing collections) and an invalid one; admin
triggers racing the reloads; and one wall-clock step of +5 min (libfaketime: the daemon has no
test hook for it).

Passes when: 0 informed overlapping triggers on every simulator, 0 sanitizer reports and no
internal error in the daemon's log, a clean exit on SIGTERM, the daemon answered /healthz
throughout, and RSS flat after warm-up: the median of the last fifth of the second half is less
than 5 % above the median of its first fifth.

  python3 bench/soak.py --build build/asan-ubsan --duration 60
"""

from __future__ import annotations

import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as bl  # noqa: E402

CLUSTERS = 4
POOL_PER_CLUSTER = 60   # names per cluster that configs choose from
ACTIVE_PER_CLUSTER = 50  # collections per cluster in each valid config (200 in all)
ADMIN_TOKEN = "soak-admin-token"
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "SUMMARY: UndefinedBehaviorSanitizer", "SUMMARY: AddressSanitizer")


def name(k: int, i: int) -> str:
    return f"ext_c{k}_{i:03d}"


def config_yaml(sim_urls: list[str], chosen: list[list[int]], admin_file: Path) -> str:
    out = ["version: 1", "listen: 127.0.0.1:0", "log: {format: json, level: info}",
           f"admin: {{token_file: {admin_file}}}", "defaults:",
           "  schedule: \"every 8s\"", "  jitter: 3s", "  catch_up: true",
           "  poll: {initial: 300ms, max: 2s}", "clusters:"]
    for k in range(CLUSTERS):
        out += [f"  - name: c{k}", f"    endpoint: {sim_urls[k]}", "    token_env: BENCH_TOKEN",
                "    request_timeout: 4s", "    rate_limit: 40", "    max_running_jobs: 6", "    collections:"]
        out += [f"      - name: {name(k, i)}" for i in chosen[k]]
    return "\n".join(out) + "\n"


def invalid_yaml(valid: str, rng: random.Random) -> str:
    broken = [valid.replace("every 8s", "every eight seconds", 1),
              valid.replace("  jitter: 3s", "  jiter: 3s", 1),
              valid + "  - name: c0\n    endpoint: not a url\n",
              valid[: len(valid) // 2] + "\n  - [unbalanced\n"]
    return rng.choice(broken)


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


FAKETIME_LIB = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")


def asan_runtime(binary: Path) -> str | None:
    """The ASan runtime the binary links, if any (it must come first in LD_PRELOAD)."""
    out = subprocess.run(["ldd", str(binary)], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if "libasan" in line and "=>" in line:
            return line.split("=>")[1].split()[0]
    return None


def faketime_env(binary: Path, offset_file: Path) -> dict[str, str]:
    """The daemon alone runs under libfaketime (Debian's faketime package): its wall clock
    follows the offset in `offset_file`, re-read at most once a second, while its monotonic clock
    stays real, as in an NTP step or `date -s`. The daemon has no test hook for it."""
    if not FAKETIME_LIB.exists():
        raise SystemExit(f"soak: {FAKETIME_LIB} is missing: apt-get install faketime "
                         "(scripts/setup.sh installs it)")
    preload = [str(FAKETIME_LIB)]
    asan = asan_runtime(binary)
    if asan:
        preload.insert(0, asan)
    return {"LD_PRELOAD": ":".join(preload), "FAKETIME_TIMESTAMP_FILE": str(offset_file),
            "FAKETIME_CACHE_DURATION": "1", "DONT_FAKE_MONOTONIC": "1"}


def main() -> int:
    p = bl.parser(__doc__)
    p.add_argument("--duration", type=float, default=60, help="seconds (default 60)")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    rng = random.Random(args.seed)
    bins = bl.Binaries.find(args.build)
    result: dict = {"duration_s": args.duration, "seed": args.seed, "build": str(bins.build)}
    failures: list[str] = []

    with bl.Scratch(args.keep, "refreshd-soak-") as work:
        sims = [bl.Sim(bins.sim, work, f"sim{k}") for k in range(CLUSTERS)]
        daemon = None
        stop = threading.Event()
        try:
            for k, s in enumerate(sims):
                s.control("collections", [bl.sim_collection(name(k, i), 200, rng.randint(800, 3000))
                                          for i in range(POOL_PER_CLUSTER)])
                s.control("config", {
                    "faults": {"http_500_ratio": 0.04, "reset_ratio": 0.03,
                               "malformed_ratio": 0.03, "oversized_ratio": 0.005},
                    "rate_limit": {"rps": 25, "mode": "429" if k % 2 else "1807",
                                   "scope": "all"}})
            admin_file = work / "admin.token"
            admin_file.write_text(ADMIN_TOKEN + "\n")
            admin_file.chmod(0o600)
            urls = [s.url for s in sims]

            def choose() -> list[list[int]]:
                return [sorted(rng.sample(range(POOL_PER_CLUSTER), ACTIVE_PER_CLUSTER))
                        for _ in range(CLUSTERS)]

            chosen = choose()
            cfg = work / "config.yaml"
            cfg.write_text(config_yaml(urls, chosen, admin_file))
            jump_after = max(5.0, args.duration * 0.4)
            offset_file = work / "faketime"
            offset_file.write_text("+0\n")
            # A small ASan quarantine: freed memory held in the default 256 MB one counts as
            # resident and fills at the rate the daemon frees memory, so the RSS trend would
            # measure ASan, not the daemon (it once passed only because a busy loop filled it).
            asan = os.environ.get("ASAN_OPTIONS", "detect_leaks=1:halt_on_error=1")
            if "quarantine_size_mb" not in asan:
                asan += ":quarantine_size_mb=4"
            os.environ["ASAN_OPTIONS"] = asan
            os.environ.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
            daemon = bl.Daemon(bins.daemon, cfg, work,
                               extra_env=faketime_env(bins.daemon, offset_file))
            daemon.wait_listening(60)
            bl.wait_until(lambda: daemon.get("/readyz", timeout=10)[0] == 200, 120, 0.1,
                          "readiness")
            t0 = time.monotonic()
            counters = {"reloads_valid": 0, "reloads_invalid": 0, "admin": {}, "probe_fail": 0,
                        "latency_spikes": 0}
            current = {"chosen": chosen}
            lock = threading.Lock()

            def admin_loop(n: int) -> None:
                arng = random.Random(args.seed * 100 + n)
                while not stop.is_set():
                    k = arng.randrange(CLUSTERS)
                    i = arng.randrange(POOL_PER_CLUSTER)  # sometimes a removed one: 404
                    try:
                        status, _ = bl.http(
                            "POST", daemon.url, f"/v1/collections/c{k}/default/{name(k, i)}/refresh",
                            timeout=30, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
                    except OSError as e:
                        status = type(e).__name__
                    with lock:
                        counters["admin"][str(status)] = counters["admin"].get(str(status), 0) + 1
                    stop.wait(arng.uniform(0.05, 0.4))

            admins = [threading.Thread(target=admin_loop, args=(n,), daemon=True)
                      for n in range(4)]
            for a in admins:
                a.start()
            samples: list[tuple[float, int]] = []
            next_reload = next_spike = next_sample = time.monotonic()
            valid_next = True
            jumped = False
            while time.monotonic() - t0 < args.duration:
                now = time.monotonic()
                if not jumped and now - t0 >= jump_after:
                    offset_file.write_text("+5m\n")  # the daemon's wall clock steps 5 min ahead
                    jumped = True
                if daemon.proc.poll() is not None:
                    failures.append(f"the daemon exited early with {daemon.proc.returncode}")
                    break
                if now >= next_sample:
                    samples.append((now - t0, rss_kib(daemon.pid)))
                    try:
                        if daemon.get("/healthz", timeout=5)[0] != 200:
                            counters["probe_fail"] += 1
                    except OSError:
                        counters["probe_fail"] += 1
                    next_sample = now + 1
                if now >= next_reload:
                    if valid_next:
                        current["chosen"] = choose()
                        text = config_yaml(urls, current["chosen"], admin_file)
                        counters["reloads_valid"] += 1
                    else:
                        text = invalid_yaml(config_yaml(urls, current["chosen"], admin_file), rng)
                        counters["reloads_invalid"] += 1
                    tmp = work / "config.yaml.tmp"
                    tmp.write_text(text)
                    tmp.replace(cfg)
                    daemon.proc.send_signal(signal.SIGHUP)
                    valid_next = not valid_next
                    next_reload = now + 2
                if now >= next_spike:
                    s = rng.choice(sims)
                    s.control("config", {"latency_ms": rng.choice([0, 0, 400, 1500, 5000])})
                    counters["latency_spikes"] += 1
                    next_spike = now + rng.uniform(1, 4)
                time.sleep(0.05)
            stop.set()
            for a in admins:
                a.join(40)
            for s in sims:
                s.control("config", {"latency_ms": 0})
            rc = daemon.stop()
            if rc != 0:
                failures.append(f"exit code {rc} after SIGTERM (expected 0)")
            log = daemon.log_path.read_text(errors="replace")
            for marker in SANITIZER_MARKERS:
                if marker in log:
                    failures.append(f"sanitizer report in the daemon's stderr: {marker!r}")
            internal = [ln for ln in log.splitlines() if "internal error" in ln]
            if internal:
                failures.append(f"{len(internal)} internal error(s): {internal[0][:300]}")
            if "wall clock jumped" not in log:
                failures.append("the daemon did not notice the wall clock step")
            stats = [s.get("stats") for s in sims]
            informed = sum(st["informed_overlapping_triggers"] for st in stats)
            if informed:
                failures.append(f"{informed} informed overlapping trigger(s)")
            if counters["probe_fail"]:
                failures.append(f"/healthz failed {counters['probe_fail']} time(s)")
            second = [r for t, r in samples if t >= args.duration / 2]
            growth = None
            if len(second) >= 10:
                fifth = max(2, len(second) // 5)
                first, last = statistics.median(second[:fifth]), statistics.median(second[-fifth:])
                growth = last / first - 1
                if growth >= 0.05:
                    failures.append(f"RSS grew {growth:.1%} over the second half "
                                    f"({first} -> {last} KiB)")
            else:
                failures.append("too few RSS samples in the second half")
            reloads_ok = sum(1 for ln in log.splitlines() if '"msg":"configuration reloaded' in ln)
            result.update({
                "counters": counters, "reload_lines_applied": reloads_ok,
                "triggers": sum(st["triggers"] for st in stats),
                "informed_overlapping_triggers": informed,
                "overlapping_triggers": sum(st["overlapping_triggers"] for st in stats),
                "faults": [st["faults"] for st in stats],
                "rate_limited": sum(st["rate_limited"] for st in stats),
                "rss_kib": {"min": min(r for _, r in samples), "max": max(r for _, r in samples),
                            "second_half_growth": growth},
                "rss_samples": samples, "failures": failures})
        finally:
            stop.set()
            if daemon is not None and daemon.proc.poll() is None:
                daemon.stop()
            for s in sims:
                s.stop()
    bl.write_result(args.out, result)
    for f in failures:
        print(f"soak: FAIL: {f}", file=sys.stderr)
    print("soak: " + ("FAIL" if failures else "PASS"), file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
