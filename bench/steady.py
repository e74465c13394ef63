#!/usr/bin/env python3
"""bench/RESULTS.md steady state: 10,000 collections over 20 clusters.

Targets: RSS <= 32 MiB, CPU <= 5 % of one core averaged, p99 trigger lateness <= 50 ms.

Every collection runs `every 10m` (`--every-minutes`) with a *fixed* jitter of up to that
interval, so the fleet is spread evenly over it (~16.7 triggers/s at 10,000) and the due time of every slot is known
exactly: slot + fixed offset, the offset being schedule::fixed_jitter (re-implemented in
benchlib and checked against the daemon's /status before the window). Jobs are short (100 ms
Pending + 1 s InProgress in the simulator), `rate_limit: 0` (so lateness never includes
rate-limit queueing), `catch_up: false` (no startup burst), poll defaults (2 s .. 60 s).

Lateness of a trigger = time of the daemon's "triggered refresh" JSON log line (written when
the refresh answer arrived, so it includes the list + refresh round trips) - due time.
RSS: VmRSS sampled every second. CPU: utime+stime of the daemon over the window / window.
After the window: GET /metrics timed N times (bench/RESULTS.md "scrape", bench brief item 5).
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import threading
import time

import benchlib as bl

DEFAULT_EVERY_MIN = 10


def parse_rfc3339(s: str) -> float:
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def check_offsets(d: bl.Daemon, fleet: bl.Fleet, jitter_ms: int) -> dict:
    """Compares /status next_run with slot + fixed offset computed here (period = jitter)."""
    status, body = d.get("/status", timeout=60)
    assert status == 200, status
    doc = json.loads(body)
    checked = bad = 0
    for c in doc["collections"]:
        if not c.get("next_run"):
            continue
        t = parse_rfc3339(c["next_run"]) * 1000
        off = bl.fixed_jitter_ms(c["cluster"], c["database"], c["collection"], jitter_ms)
        if (t - off) % jitter_ms != 0:
            bad += 1
        checked += 1
    return {"checked": checked, "mismatched": bad, "status_bytes": len(body)}


def lateness(lines: list[dict], t_from: float, t_to: float,
             jitter_ms: int) -> list[tuple[float, float, str]]:
    """(due time, lateness in ms, cluster/collection) of every trigger logged in [from, to);
    the period is the jitter (both are `--every-minutes`)."""
    out = []
    period = jitter_ms / 1000
    for x in lines:
        if x.get("msg") != "triggered refresh":
            continue
        t = bl.log_time(x)
        if not t_from <= t < t_to:
            continue
        off = bl.fixed_jitter_ms(x["cluster"], x["database"], x["collection"], jitter_ms) / 1000
        due = round((t - off) / period) * period + off
        out.append((due, (t - due) * 1000.0, f"{x['cluster']}/{x['collection']}"))
    return out


def explain_late(lines: list[dict], due_lat: list[tuple[float, float, str]],
                 max_running_jobs: int, threshold_ms: float = 50.0) -> dict:
    """Splits the triggers later than `threshold_ms` into those whose cluster had
    max_running_jobs cycles in flight at the due time (a job-slot wait: the configured limit, not
    a scheduler delay) and the others. A cycle is taken as in flight from its "triggered
    refresh" line to its "refresh completed"/"refresh failed" line (it holds its slot a little
    longer: from its list, before the trigger)."""
    open_at: dict[str, float] = {}
    spans: dict[str, list[tuple[float, float]]] = {}
    for x in lines:
        msg = x.get("msg")
        if msg not in ("triggered refresh", "refresh completed", "refresh failed"):
            continue
        key = f"{x['cluster']}/{x['collection']}"
        t = bl.log_time(x)
        if msg == "triggered refresh":
            open_at[key] = t
        elif key in open_at:
            spans.setdefault(x["cluster"], []).append((open_at.pop(key), t))
    slot_wait, other = [], []
    for due, late, key in due_lat:
        if late <= threshold_ms:
            continue
        cluster = key.split("/", 1)[0]
        busy = sum(1 for a, b in spans.get(cluster, []) if a <= due < b)
        (slot_wait if busy >= max_running_jobs else other).append(
            {"collection": key, "lateness_ms": round(late, 1), "cycles_in_flight": busy})
    return {"threshold_ms": threshold_ms, "job_slot_wait": len(slot_wait),
            "other": len(other), "other_examples": other[:10],
            "job_slot_examples": slot_wait[:5]}


def scrape(d: bl.Daemon, n: int) -> dict:
    times, size = [], 0
    for _ in range(n):
        t0 = time.monotonic()
        status, body = d.get("/metrics", timeout=60)
        times.append((time.monotonic() - t0) * 1000)
        assert status == 200
        size = len(body)
    lines = body.decode().splitlines()
    series = sum(1 for x in lines if x and not x.startswith("#"))
    return {"n": n, "ms": bl.summary(times), "bytes": size, "series": series}


class Scraper:
    """GET /metrics every `every` seconds in a thread (a Prometheus stand-in)."""

    def __init__(self, d: bl.Daemon, every: float, gzip: bool):
        self.d, self.every = d, every
        self.headers = {"Accept-Encoding": "gzip"} if gzip else None
        self.times: list[float] = []
        self.sizes: list[int] = []
        self.windows: list[tuple[float, float]] = []  # wall-clock [start, end) of each scrape
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        nxt = time.monotonic()
        while not self.done.wait(max(0.0, nxt - time.monotonic())):
            w0, t0 = time.time(), time.monotonic()
            status, body = self.d.get("/metrics", timeout=60, headers=self.headers)
            self.times.append((time.monotonic() - t0) * 1000)
            self.windows.append((w0, time.time()))
            self.sizes.append(len(body))
            nxt += self.every

    def stop(self) -> dict:
        self.done.set()
        self.thread.join()
        return {"n": len(self.times), "ms": bl.summary(self.times),
                "bytes_max": max(self.sizes, default=0)}


def main() -> None:
    p = bl.parser(__doc__)
    p.add_argument("--clusters", type=int, default=20)
    p.add_argument("--per-cluster", type=int, default=500)
    p.add_argument("--sims", type=int, default=1)
    p.add_argument("--warmup", type=float, default=30.0, help="seconds after ready, not measured")
    p.add_argument("--duration", type=float, default=480.0, help="measured window, seconds")
    p.add_argument("--pending-ms", type=int, default=100)
    p.add_argument("--running-ms", type=int, default=1000)
    p.add_argument("--scrapes", type=int, default=10,
                   help="GET /metrics timed this many times after the window")
    p.add_argument("--scrape-every", type=float, default=0.0,
                   help="also GET /metrics every S seconds during the window, like Prometheus "
                        "(default 0: no scrapes in the window)")
    p.add_argument("--max-running-jobs", type=int, default=8,
                   help="per cluster (default 8, the daemon's default): raise it to separate the "
                        "daemon's own lateness from waits for a job slot")
    p.add_argument("--scrape-gzip", action="store_true",
                   help="the window's scrapes accept gzip, as Prometheus always does (default: "
                        "plain text, as the runs recorded before it)")
    p.add_argument("--every-minutes", type=int, default=DEFAULT_EVERY_MIN,
                   help="each collection's schedule, `every Nm` with a fixed jitter of N minutes "
                        f"(default {DEFAULT_EVERY_MIN}: collections / 600 triggers a second)")
    a = p.parse_args()
    b = bl.Binaries.find(a.build)
    jitter_ms = a.every_minutes * 60_000
    every = f"{a.every_minutes}m"
    fleet = bl.Fleet(clusters=a.clusters, per_cluster=a.per_cluster, schedule=f"every {every}",
                     jitter=every, jitter_mode="fixed", catch_up=False,
                     max_running_jobs=a.max_running_jobs)
    result = {"bench": "steady", "machine": bl.machine_info(b.build),
              "params": {"collections": a.clusters * a.per_cluster, "clusters": a.clusters,
                         "sims": a.sims, "schedule": f"every {every}", "jitter": f"{every} fixed",
                         "job": f"{a.pending_ms} ms pending + {a.running_ms} ms running",
                         "poll": fleet.poll, "rate_limit": 0,
                         "max_running_jobs": fleet.max_running_jobs,
                         "warmup_s": a.warmup, "duration_s": a.duration,
                         "scrape_every_s": a.scrape_every, "scrape_gzip": a.scrape_gzip}}
    samples: list[dict] = []
    with bl.Scratch(a.keep, "steady") as work:
        sims = [bl.Sim(b.sim, work, f"sim{i}") for i in range(a.sims)]
        d = None
        try:
            fleet.load_sims(sims, a.pending_ms, a.running_ms)
            cfg = work / "config.yaml"
            cfg.write_text(fleet.config_yaml([s.url for s in sims]))
            d = bl.Daemon(b.daemon, cfg, work)
            d.wait_listening(60)
            bl.wait_until(lambda: d.get("/readyz")[0] == 200, 120, what="/readyz 200")
            time.sleep(a.warmup)
            scraper = Scraper(d, a.scrape_every, a.scrape_gzip) if a.scrape_every > 0 else None
            t_from_wall = time.time()
            first = prev = bl.sample(d.pid)
            sim_first = [bl.sample(s.proc.pid) for s in sims]
            stats0 = [s.get("stats") for s in sims]
            end = first.t + a.duration
            while True:
                time.sleep(max(0.0, min(1.0, end - time.monotonic())))
                cur = bl.sample(d.pid)
                samples.append({"t": round(cur.t - first.t, 3),
                                "rss_mib": round(cur.rss_kib / 1024, 2),
                                "anon_mib": round(cur.rss_anon_kib / 1024, 2),
                                "cpu_pct": round(bl.cpu_percent(prev, cur), 2)})
                prev = cur
                if cur.t >= end:
                    break
            last = cur
            t_to_wall = time.time()
            if scraper:
                result["scrapes_in_window"] = scraper.stop()
            sim_last = [bl.sample(s.proc.pid) for s in sims]
            stats1 = [s.get("stats") for s in sims]
            result["loadavg_at_end"] = bl.loadavg()
            # After the window: /status costs memory (a 2.5 MB document) and would distort RSS.
            result["offset_check"] = check_offsets(d, fleet, jitter_ms)
            result["metrics_scrape"] = scrape(d, a.scrapes)
            d.stop()
            lines = d.lines()
        finally:
            if d:
                d.stop()
            for s in sims:
                s.stop()

    due_lat = lateness(lines, t_from_wall, t_to_wall, jitter_ms)
    lat = [x[1] for x in due_lat]
    if scraper:
        def in_scrape(t: float) -> bool:
            return any(w0 - 0.01 <= t < w1 for w0, w1 in scraper.windows)
        result["lateness_ms_due_during_scrape"] = bl.summary(
            [x[1] for x in due_lat if in_scrape(x[0])])
        result["lateness_ms_due_outside_scrapes"] = bl.summary(
            [x[1] for x in due_lat if not in_scrape(x[0])])
    result["late_triggers"] = explain_late(lines, due_lat, fleet.max_running_jobs)
    result["latest_triggers"] = [
        {"collection": c, "due": dt.datetime.fromtimestamp(d0, dt.timezone.utc).isoformat(),
         "lateness_ms": round(v, 1)} for d0, v, c in sorted(due_lat, key=lambda x: -x[1])[:5]]
    rss = [s["rss_mib"] for s in samples]
    window = last.t - first.t

    def delta(key: str, sub: str | None = None) -> int:
        def get(st):
            return st[key][sub] if sub else st[key]
        return sum(get(b1) - get(b0) for b0, b1 in zip(stats0, stats1))

    triggers = delta("triggers")
    result.update({
        "window_s": round(window, 1),
        "rss_mib": {"max": max(rss), "median": statistics.median(rss), "min": min(rss),
                    "vmhwm_whole_run": round(last.hwm_kib / 1024, 1),
                    "anon_first": round(first.rss_anon_kib / 1024, 2),
                    "anon_last": round(last.rss_anon_kib / 1024, 2),
                    "file_last": round(last.rss_file_kib / 1024, 2)},
        "cpu_pct_one_core": round(bl.cpu_percent(first, last), 2),
        "cpu_pct_max_1s": max(s["cpu_pct"] for s in samples),
        "sim_cpu_pct_one_core": [round(bl.cpu_percent(a0, a1), 2)
                                 for a0, a1 in zip(sim_first, sim_last)],
        "wakeups_per_s": round((last.vol_cs + last.invol_cs - first.vol_cs - first.invol_cs)
                               / window, 1),
        "lateness_ms": bl.summary(lat),
        "triggers_in_window": triggers,
        "triggers_per_s": round(triggers / window, 2),
        "requests_in_window": {k: delta("requests", k) for k in ("list", "refresh", "describe")},
        "overlapping_triggers": sum(s["overlapping_triggers"] for s in stats1),
        "log_errors": sum(1 for x in lines if x.get("level") in ("error", "critical")),
        "log_warnings": sum(1 for x in lines if x.get("level") == "warn"),
        "skipped_lines": sum(1 for x in lines if x.get("msg") == "slot skipped"),
    })
    result["targets"] = {"rss_mib": 32, "cpu_pct": 5, "p99_lateness_ms": 50}
    result["pass"] = {
        "rss": result["rss_mib"]["max"] <= 32,
        "cpu": result["cpu_pct_one_core"] <= 5,
        "lateness": bool(lat) and result["lateness_ms"]["p99"] <= 50,
    }
    result["samples"] = samples
    result["lateness_histogram_ms"] = histogram(lat)
    bl.write_result(a.out, result)


def histogram(values: list[float]) -> list[list[float]]:
    """Counts per bucket [lo, hi) of a log-ish bucket ladder (ms), for the plot."""
    edges = [-1e9, 0, 1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 75, 100, 200, 500, 1000, 1e9]
    counts = [0] * (len(edges) - 1)
    for v in values:
        for i in range(len(edges) - 1):
            if edges[i] <= v < edges[i + 1]:
                counts[i] += 1
                break
    return [[edges[i], edges[i + 1], counts[i]] for i in range(len(counts))]


if __name__ == "__main__":
    main()
