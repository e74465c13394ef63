#!/usr/bin/env python3
"""RSS against the number of collections (explains the bench/RESULTS.md RSS numbers).

For each fleet size (20 clusters, or 1 below 20 collections): start the daemon against one
simulator, read VmRSS / RssAnon / RssFile SETTLE s after READY (every collection configured, none
run yet), then let every collection run exactly one short job (`after 24h`: a collection that
never ran is due at startup, spread over at most a minute) and read them again once every job
completed, and once more after a `/metrics` scrape (as Prometheus sends it, with gzip) and a
`/status`, SETTLE s after both. With gdb, the heap in use (glibc's `malloc_stats()`) is read
beside the first RSS reading. SETTLE (`--settle`, default 32 s) lets the daemon's heap
trim (every 30 s, docs/DAEMON.md "Memory") hand back what the burst freed. The slope between sizes is the cost of one collection, before and
after its first job (and what serving scrapes leaves behind); the intercept is the program
itself (code, libraries, the event loop).
"""

from __future__ import annotations

import time

import benchlib as bl


def measure(b: bl.Binaries, work, n: int, run_jobs: bool, settle: float) -> dict:
    """RSS `settle` s after READY (`@yearly`: nothing runs), or after every collection completed
    one job (`after 24h`), then `settle` s after a scrape and a /status (key `after_scrape`)."""
    clusters = 20 if n >= 20 else 1
    fleet = bl.Fleet(clusters=clusters, per_cluster=n // clusters,
                     schedule="after 24h" if run_jobs else "@yearly", rate_limit="0",
                     max_running_jobs=100)
    total = clusters * (n // clusters)
    tag = f"{n}{'j' if run_jobs else ''}"
    sim = bl.Sim(b.sim, work, f"sim{tag}")
    d = None
    try:
        d = bl.start_ready(b, work, fleet, sim, tag)
        if run_jobs:
            done = 0

            def completed():
                nonlocal done
                done += sum(1 for x in d.new_lines() if x.get("msg") == "refresh completed")
                return done >= total
            bl.wait_until(completed, 240, step=1.0, what="every job to complete")
        time.sleep(settle)
        s = bl.sample(d.pid)
        heap = bl.heap_in_use(d)
        status, _ = bl.http("GET", d.url, "/metrics", timeout=120,
                            headers={"Accept-Encoding": "gzip"})
        assert status == 200, status
        status, _ = bl.http("GET", d.url, "/status", timeout=120)
        assert status == 200, status
        time.sleep(settle)
        scraped = bl.sample(d.pid)
    finally:
        if d:
            d.stop()
        sim.stop()

    def mib(k: int) -> float:
        return round(k / 1024, 2)
    return {"rss": mib(s.rss_kib), "anon": mib(s.rss_anon_kib), "file": mib(s.rss_file_kib),
            "heap_in_use_bytes": heap,
            "after_scrape": {"rss": mib(scraped.rss_kib), "anon": mib(scraped.rss_anon_kib)}}


def main() -> None:
    p = bl.parser(__doc__)
    p.add_argument("--sizes", default="1,2500,5000,10000,20000")
    p.add_argument("--settle", type=float, default=32.0,
                   help="seconds to wait before each reading (default: 32)")
    a = p.parse_args()
    b = bl.Binaries.find(a.build)
    rows = []
    with bl.Scratch(a.keep, "memory") as work:
        for n in (int(x) for x in a.sizes.split(",")):
            rows.append({"collections": n, "ready": measure(b, work, n, False, a.settle),
                         "after_one_job_each": measure(b, work, n, True, a.settle)})
            print(rows[-1], flush=True)
    result = {"bench": "memory", "machine": bl.machine_info(b.build), "rows": rows}
    if len(rows) >= 2:
        lo, hi = rows[0], rows[-1]
        dn = hi["collections"] - lo["collections"]
        for phase in ("ready", "after_one_job_each"):
            result[f"bytes_per_collection_{phase}"] = round(
                (hi[phase]["rss"] - lo[phase]["rss"]) * 1024 * 1024 / dn)
            result[f"bytes_per_collection_{phase}_scraped"] = round(
                (hi[phase]["after_scrape"]["rss"] - lo[phase]["after_scrape"]["rss"]) * 1024 *
                1024 / dn)
            heaps = (lo[phase].get("heap_in_use_bytes"), hi[phase].get("heap_in_use_bytes"))
            if None not in heaps:
                result[f"heap_bytes_per_collection_{phase}"] = round((heaps[1] - heaps[0]) / dn)
    bl.write_result(a.out, result)


if __name__ == "__main__":
    main()
