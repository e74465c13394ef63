#!/usr/bin/env python3
"""What one scrape of /metrics costs, and what it does to the event loop (issue 13).

Starts the daemon against one simulator with N idle collections (`@yearly`: nothing runs; 20
clusters from 20 collections on), waits for READY, then scrapes /metrics `--scrapes` times the
way Prometheus does (`Accept-Encoding: gzip`), and once without gzip. Meanwhile another
process sends GET /healthz on its own keep-alive connection every 2 ms and records the round
trips that overlap each scrape: the worst one is how long the loop was not free (and, apart, in
the 1.6 s after it, which hold the heap trim that follows a scrape). Recorded per
scrape: wall time, bytes on the wire, the uncompressed size, sample lines, daemon CPU seconds.
Then, under the same probe: GET /status, GET / (the page), and a reload (SIGHUP after every
collection's freshness_target changed in the file; until the "configuration reloaded" line).
"""

from __future__ import annotations

import gzip
import multiprocessing
import os
import re
import signal
import time
from http.client import HTTPConnection

import benchlib as bl


def _probe_loop(host: str, port: int, stop, out) -> None:
    """GET /healthz back to back (2 ms apart) on one keep-alive connection until `stop` is set;
    sends the (start, end) pairs (time.monotonic: CLOCK_MONOTONIC, the same in every process)."""
    conn = HTTPConnection(host, port, timeout=60)
    samples = []
    while not stop.is_set():
        t0 = time.monotonic()
        conn.request("GET", "/healthz")
        conn.getresponse().read()
        samples.append((t0, time.monotonic()))
        time.sleep(0.002)
    conn.close()
    out.send(samples)


class HealthProbe:
    """_probe_loop in its own process: a thread would share the interpreter lock with the
    scraping thread, and its round trips would include waits for that lock (5 ms and more)."""

    def __init__(self, url: str):
        m = re.match(r"http://([^:/]+):(\d+)", url)
        assert m
        self.stop_event = multiprocessing.Event()
        self.receive, send = multiprocessing.Pipe(duplex=False)
        self.proc = multiprocessing.Process(
            target=_probe_loop, args=(m.group(1), int(m.group(2)), self.stop_event, send),
            daemon=True)
        self.samples: list[tuple[float, float]] = []

    def start(self) -> None:
        self.proc.start()

    def finish(self) -> None:
        self.stop_event.set()
        self.samples = self.receive.recv()
        self.proc.join(5)

    def worst_between(self, a: float, b: float) -> float:
        rtts = [e - s for s, e in self.samples if e >= a and s <= b]
        return max(rtts) if rtts else None  # shorter than the gap between two probes


AFTER_S = 1.6


def timed(d: bl.Daemon, what: str, action) -> tuple[object, dict]:
    """Runs `action()` and returns its result with what it cost: wall time, the daemon's CPU, RSS
    after, and the window (for the probe: HealthProbe.worst_between)."""
    before = bl.sample(d.pid)
    t0 = time.monotonic()
    result = action()
    t1 = time.monotonic()
    after = bl.sample(d.pid)
    # The probe goes on for AFTER_S: the heap trim 1 s after a scrape's end (docs/DAEMON.md
    # "Memory") runs on the loop too.
    time.sleep(AFTER_S)
    return result, {"path": what, "seconds": round(t1 - t0, 4),
                    "daemon_cpu_s": round((after.cpu_ticks - before.cpu_ticks) / bl.CLK_TCK, 3),
                    "window": (t0, t1), "window_after": (t1, t1 + AFTER_S),
                    "rss_mib_after": round(after.rss_kib / 1024, 1)}


def get(d: bl.Daemon, path: str, use_gzip: bool = True) -> tuple[bytes, dict]:
    (status, body), info = timed(d, path, lambda: bl.http(
        "GET", d.url, path, timeout=120,
        headers={"Accept-Encoding": "gzip"} if use_gzip else None))
    assert status == 200, (path, status)
    info["wire_bytes"] = len(body)
    return body, info


def scrape_once(d: bl.Daemon, use_gzip: bool) -> dict:
    body, info = get(d, "/metrics", use_gzip)
    text = gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body
    info.update({"gzip_asked": use_gzip, "gzip_answered": body[:2] == b"\x1f\x8b",
                 "text_bytes": len(text),
                 "samples": sum(1 for line in text.split(b"\n")
                                if line and not line.startswith(b"#"))})
    return info


def reload_once(d: bl.Daemon, config) -> dict:
    """Changes every collection's freshness_target (a setting that needs no list) and SIGHUPs."""
    text = config.read_text()
    config.write_text(text.replace("defaults:\n", "defaults:\n  freshness_target: 3h\n", 1))
    d.new_lines()

    def reload() -> None:
        os.kill(d.pid, signal.SIGHUP)
        bl.wait_until(lambda: any(x.get("msg") == "configuration reloaded"
                                  for x in d.new_lines()),
                      120, step=0.01, what="configuration reloaded")
    return timed(d, "reload", reload)[1]


def measure(b: bl.Binaries, work, n: int, scrapes: int) -> dict:
    clusters = 20 if n >= 20 else 1
    fleet = bl.Fleet(clusters=clusters, per_cluster=n // clusters, schedule="@yearly")
    sim = bl.Sim(b.sim, work, f"sim{n}")
    d = None
    try:
        d = bl.start_ready(b, work, fleet, sim, str(n))
        time.sleep(1.0)
        probe = HealthProbe(d.url)
        probe.start()
        time.sleep(0.5)
        idle_window = (0.0, time.monotonic())
        rows = [scrape_once(d, True) for _ in range(scrapes)]
        rows.append(scrape_once(d, False))
        others = [get(d, "/status")[1], get(d, "/")[1],
                  reload_once(d, work / f"config{n}.yaml")]
        probe.finish()
        idle = probe.worst_between(*idle_window)
        for r in rows + others:
            worst = probe.worst_between(*r.pop("window"))
            r["worst_healthz_ms"] = None if worst is None else round(worst * 1000, 2)
            worst = probe.worst_between(*r.pop("window_after"))
            r["worst_healthz_ms_after"] = None if worst is None else round(worst * 1000, 2)
        return {"collections": clusters * (n // clusters), "clusters": clusters,
                "worst_healthz_ms_idle": None if idle is None else round(idle * 1000, 2),
                "rss_mib_ready": rows[0]["rss_mib_after"], "scrapes": rows,
                "status_page_reload": others}
    finally:
        if d:
            d.stop()
        sim.stop()


def main() -> None:
    p = bl.parser(__doc__)
    p.add_argument("--sizes", default="10000", help="comma-separated collection counts")
    p.add_argument("--scrapes", type=int, default=3, help="gzip scrapes per size (then one plain)")
    a = p.parse_args()
    b = bl.Binaries.find(a.build)
    rows = []
    with bl.Scratch(a.keep, "scrape") as work:
        for n in (int(x) for x in a.sizes.split(",")):
            rows.append(measure(b, work, n, a.scrapes))
            print(rows[-1], flush=True)
    bl.write_result(a.out, {"bench": "scrape", "machine": bl.machine_info(b.build),
                            "rows": rows})


if __name__ == "__main__":
    main()
