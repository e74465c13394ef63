#!/usr/bin/env python3
"""Idle (bench/RESULTS.md): 100 collections, nothing due. Targets: <= 1 wake-up/s average, RSS <= 10 MiB.

Every collection runs `@yearly` (catch-up on, but no yearly slot falls in the last hour unless
you run this on New Year's Day). After /readyz turns 200 nothing talks to the daemon: the
window is observed from /proc only (reading /proc/PID/status does not wake the process).
Wake-ups = voluntary + involuntary context switches summed over the daemon's threads
(/proc/PID/task/*/status) over the window; with --strace, `strace -c -f` counts the syscalls of
a second window of the same length (the blocking epoll_wait/timer calls show the wake-ups).
"""

from __future__ import annotations

import re
import signal
import subprocess
import time

import benchlib as bl


def strace_window(pid: int, seconds: float) -> dict:
    p = subprocess.Popen(["strace", "-c", "-f", "-p", str(pid)], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    time.sleep(seconds)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=30)
    calls = {}
    for line in err.splitlines():
        m = re.match(r"\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)\s*$", line)
        if m:
            calls[m.group(2)] = int(m.group(1))
    return {"seconds": seconds, "calls": calls, "raw": err[-3000:]}


def main() -> None:
    p = bl.parser(__doc__)
    p.add_argument("--clusters", type=int, default=5)
    p.add_argument("--per-cluster", type=int, default=20)
    p.add_argument("--settle", type=float, default=5.0, help="seconds after ready, not measured")
    p.add_argument("--duration", type=float, default=60.0)
    p.add_argument("--strace", action="store_true", help="also count syscalls with strace -c")
    a = p.parse_args()
    b = bl.Binaries.find(a.build)
    fleet = bl.Fleet(clusters=a.clusters, per_cluster=a.per_cluster, schedule="@yearly",
                     catch_up=True)
    result = {"bench": "idle", "machine": bl.machine_info(b.build),
              "params": {"collections": a.clusters * a.per_cluster, "clusters": a.clusters,
                         "schedule": "@yearly", "settle_s": a.settle, "duration_s": a.duration}}
    samples = []
    with bl.Scratch(a.keep, "idle") as work:
        sim = bl.Sim(b.sim, work)
        d = None
        try:
            fleet.load_sims([sim], 100, 1000)
            cfg = work / "config.yaml"
            cfg.write_text(fleet.config_yaml([sim.url]))
            d = bl.Daemon(b.daemon, cfg, work)
            d.wait_listening(60)
            bl.wait_until(lambda: d.get("/readyz")[0] == 200, 60, what="/readyz 200")
            stats0 = sim.get("stats")
            time.sleep(a.settle)
            first = bl.sample(d.pid)
            end = first.t + a.duration
            prev = first
            while True:
                time.sleep(max(0.0, min(1.0, end - time.monotonic())))
                cur = bl.sample(d.pid)
                samples.append({"t": round(cur.t - first.t, 3),
                                "rss_mib": round(cur.rss_kib / 1024, 2),
                                "wakeups": cur.vol_cs + cur.invol_cs - prev.vol_cs
                                - prev.invol_cs})
                prev = cur
                if cur.t >= end:
                    break
            last = cur
            if a.strace:
                result["strace"] = strace_window(d.pid, a.duration)
            stats1 = sim.get("stats")
            result["loadavg_at_end"] = bl.loadavg()
        finally:
            if d:
                d.stop()
            sim.stop()
    window = last.t - first.t
    wake = (last.vol_cs + last.invol_cs - first.vol_cs - first.invol_cs)
    rss = [s["rss_mib"] for s in samples]
    result.update({
        "window_s": round(window, 1),
        "threads": last.threads,
        "wakeups": wake,
        "voluntary": last.vol_cs - first.vol_cs,
        "involuntary": last.invol_cs - first.invol_cs,
        "wakeups_per_s": round(wake / window, 3),
        "cpu_pct_one_core": round(bl.cpu_percent(first, last), 3),
        "rss_mib": {"max": max(rss), "min": min(rss)},
        "vmhwm_mib": round(last.hwm_kib / 1024, 1),
        "rss_anon_mib": round(last.rss_anon_kib / 1024, 2),
        "rss_file_mib": round(last.rss_file_kib / 1024, 2),
        "api_requests_during_window": {k: stats1["requests"][k] - stats0["requests"][k]
                                       for k in ("list", "refresh", "describe")},
        "targets": {"wakeups_per_s": 1, "rss_mib": 10},
    })
    result["pass"] = {"wakeups": result["wakeups_per_s"] <= 1,
                      "rss": result["rss_mib"]["max"] <= 10}
    result["samples"] = samples
    bl.write_result(a.out, result)


if __name__ == "__main__":
    main()
