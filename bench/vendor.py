#!/usr/bin/env python3
"""milvus-refreshd against the vendor docs' loop on the same collections (bench/RESULTS.md
section 12).

The peer is vendor_loop.py: one thread per collection, trigger, then describe every 2 s until
the job ends (the loop of the vendor docs, written as a user would with Python's standard
library). milvus-refreshd refreshes the same collections from one config (`after 24h`: each
once at startup and not again in the window; no jitter, no rate limit, `max_running_jobs` above
the fleet, poll defaults 2 s .. 60 s). Each gets its own simulator with the same jobs (default
100 ms Pending, then 10 minutes InProgress with steady progress). Both start together.

Measured over the same window for both, from the start until both saw every job end (the
daemon spreads never-run collections over up to a minute at startup, the peer starts all at
once): RSS every second (median, peak; the peer's interpreter and threads included), CPU
(utime + stime), and describes per job from each simulator's /_sim/stats. Targets: >= 4x less RSS, >= 10x less CPU, >= 10x
fewer describes for 10-minute jobs.
"""

from __future__ import annotations

import select
import statistics
import subprocess
import sys
import time
from pathlib import Path

import benchlib as bl


def main() -> None:
    p = bl.parser(__doc__)
    p.add_argument("--collections", type=int, default=1000)
    p.add_argument("--pending-ms", type=int, default=100)
    p.add_argument("--running-ms", type=int, default=600_000)
    a = p.parse_args()
    b = bl.Binaries.find(a.build)
    n = a.collections
    fleet = bl.Fleet(clusters=1, per_cluster=n, schedule="after 24h", rate_limit="0",
                     max_running_jobs=n + 1)
    names = [name for _, name in fleet.names()]
    with bl.Scratch(a.keep, "vendor") as work:
        sim_ours = bl.Sim(b.sim, work, "sim_ours")
        sim_peer = bl.Sim(b.sim, work, "sim_peer")
        d = peer = None
        try:
            fleet.load_sims([sim_ours], a.pending_ms, a.running_ms)
            fleet.load_sims([sim_peer], a.pending_ms, a.running_ms)
            (work / "names.txt").write_text("\n".join(names))
            cfg = work / "config.yaml"
            cfg.write_text(fleet.config_yaml([sim_ours.url]))
            t0 = time.monotonic()
            d = bl.Daemon(b.daemon, cfg, work)
            peer = subprocess.Popen([sys.executable, str(Path(__file__).with_name("vendor_loop.py")),
                                     sim_peer.url, bl.TOKEN, str(work / "names.txt")],
                                    stdout=subprocess.PIPE, text=True)
            first = {"ours": bl.sample(d.pid), "peer": bl.sample(peer.pid)}
            rss: dict[str, list[int]] = {"ours": [], "peer": []}
            last = dict(first)
            done = {"ours": None, "peer": None}
            completed_ours = 0
            while None in done.values():
                time.sleep(1.0)
                for who, pid in (("ours", d.pid), ("peer", peer.pid)):
                    last[who] = bl.sample(pid)
                    rss[who].append(last[who].rss_kib)
                completed_ours += sum(1 for x in d.new_lines()
                                      if x.get("msg") in ("refresh completed", "refresh failed"))
                if done["ours"] is None and completed_ours >= n:
                    done["ours"] = time.monotonic() - t0
                if done["peer"] is None and peer.poll() is None:
                    if select.select([peer.stdout], [], [], 0)[0]:
                        line = peer.stdout.readline()
                        if line.startswith("done"):
                            done["peer"] = time.monotonic() - t0
                if time.monotonic() - t0 > a.running_ms / 1000 * 3 + 120:
                    raise RuntimeError(f"bench: jobs did not all end: {done}")
            stats = {"ours": sim_ours.get("stats"), "peer": sim_peer.get("stats")}
        finally:
            if d:
                d.stop()
            if peer and peer.poll() is None:
                peer.terminate()
                peer.wait(30)
            sim_ours.stop()
            sim_peer.stop()

    hz = bl.CLK_TCK
    window = last["ours"].t - first["ours"].t
    rows = {}
    for who in ("ours", "peer"):
        cpu_s = (last[who].cpu_ticks - first[who].cpu_ticks) / hz
        rows[who] = {
            "all_jobs_ended_after_s": round(done[who], 1),
            "rss_median_mib": round(statistics.median(rss[who]) / 1024, 2),
            "rss_peak_mib": round(max(rss[who]) / 1024, 2),
            "cpu_s": round(cpu_s, 2),
            "cpu_percent": round(100 * cpu_s / window, 3),
            "describes": stats[who]["requests"]["describe"],
            "describes_per_job": round(stats[who]["requests"]["describe"] / n, 2),
            "refreshes": stats[who]["requests"]["refresh"],
            "lists": stats[who]["requests"]["list"],
            "overlapping_triggers": stats[who]["overlapping_triggers"],
        }
    o, v = rows["ours"], rows["peer"]
    result = {"bench": "vendor", "machine": bl.machine_info(b.build), "collections": n,
              "window_s": round(window, 1),
              "pending_ms": a.pending_ms, "running_ms": a.running_ms, "ours": o, "peer": v,
              "ratios": {"rss_median": round(v["rss_median_mib"] / o["rss_median_mib"], 1),
                         "cpu": round(v["cpu_s"] / max(o["cpu_s"], 0.01), 1),
                         "describes": round(v["describes"] / max(o["describes"], 1), 1)}}
    bl.write_result(a.out, result)


if __name__ == "__main__":
    main()
