#!/usr/bin/env python3
"""Draws bench/results/bench.svg from the JSON results the drivers wrote (run_all.sh)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import svgplot as sp


def load(d: Path, name: str) -> dict | None:
    p = d / f"{name}.json"
    return json.loads(p.read_text()) if p.is_file() else None


def steady_panels(r: dict, label: str) -> list[sp.Panel]:
    t = [s["t"] for s in r["samples"]]
    rss = sp.Panel(f"Steady state{label}: RSS", "seconds into the window", "MiB",
                   series=[sp.Series("VmRSS (1 s samples)", t, [s["rss_mib"] for s in r["samples"]])],
                   hlines=[(32, "target 32 MiB")], ymin=0)
    # CPU per 10 s (1 s samples are quantised by the 10 ms clock tick).
    xs, ys = [], []
    n = 10 if len(r["samples"]) >= 20 else 1
    for i in range(0, len(r["samples"]) - n + 1, n):
        chunk = r["samples"][i:i + n]
        xs.append(chunk[-1]["t"])
        ys.append(sum(c["cpu_pct"] for c in chunk) / len(chunk))
    cpu = sp.Panel(f"Steady state{label}: CPU", "seconds into the window", "% of one core",
                   series=[sp.Series("utime+stime, 10 s averages", xs, ys)],
                   hlines=[(5, "target 5 %")], ymin=0)
    return [rss, cpu]


def lateness_panel(r: dict, label: str) -> sp.Panel:
    lat = r["lateness_ms"]
    # A window without a trigger (a short smoke run) has no percentiles: bars of 0.
    bars = [(k, max(lat.get(k, 0.0), 0.0)) for k in ("p50", "p90", "p99", "p999", "max")]
    bars = [("p99.9" if k == "p999" else k, v) for k, v in bars]
    return sp.Panel(f"Trigger lateness{label}: {lat.get('n', 0):,} triggers", "percentile",
                    "ms late (log)", bars=bars, hlines=[(50, "target p99 50 ms")], logy=True,
                    ymin=0.5)


def _f(v: float) -> str:
    return str(int(v)) if v == int(v) else str(v)


def economy_panel(r: dict) -> sp.Panel | None:
    v = r.get("virtual")
    if not v:
        return None
    rows = v["pending_100ms"]["rows"]
    xs = [x["duration_ms"] / 1000 for x in rows]
    series = [sp.Series("milvus-refreshd (daemon's cycle, virtual time)", xs,
                        [x["describes"] for x in rows], markers=True),
              sp.Series("target bound", xs, [x["bound"] for x in rows], dashed=True,
                        color="#d62728"),
              sp.Series("vendor docs: describe every 2 s", xs,
                        [x["vendor_describes"] for x in rows], color="#7f7f7f")]
    real = r["real"]["summary"]
    series.append(sp.Series("milvus-refreshd vs simulator (real run)",
                            [s["duration_s"] for s in real], [s["describes_max"] for s in real],
                            color="#2ca02c", markers=True))
    return sp.Panel("API economy: describes per job", "job duration (s)", "describes",
                    series=series, logx=True, logy=True)


def idle_panel(r: dict) -> sp.Panel:
    t = [s["t"] for s in r["samples"]]
    cum, total = [], 0
    for s in r["samples"]:
        total += s["wakeups"]
        cum.append(total)
    return sp.Panel(f"Idle, 100 collections: {r['wakeups_per_s']:.2f} wake-ups/s, "
                    f"RSS {r['rss_mib']['max']:.1f} MiB", "seconds", "wake-ups (cumulative)",
                    series=[sp.Series("context switches, all threads", t, cum),
                            sp.Series("budget 1/s", [t[0], t[-1]], [t[0], t[-1]],
                                      dashed=True, color="#d62728")], ymin=0)


def memory_panel(r: dict) -> sp.Panel:
    xs = [row["collections"] for row in r["rows"]]
    return sp.Panel("RSS against collections (memory.py)", "collections", "MiB",
                    series=[sp.Series("after READY (nothing run)", xs,
                                      [row["ready"]["rss"] for row in r["rows"]], markers=True),
                            sp.Series("after one job per collection", xs,
                                      [row["after_one_job_each"]["rss"] for row in r["rows"]],
                                      markers=True),
                            sp.Series("file-backed (code, libraries)", xs,
                                      [row["ready"]["file"] for row in r["rows"]],
                                      color="#7f7f7f")],
                    hlines=[(32, "32 MiB: target at 10,000")], ymin=0)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--results", default=str(Path(__file__).parent / "results"))
    a = p.parse_args()
    d = Path(a.results)
    panels: list[sp.Panel] = []
    steady = load(d, "steady")
    if steady:
        panels += steady_panels(steady, "")
        panels.append(lateness_panel(steady, ""))
    scraped = load(d, "steady_scraped")
    if scraped:
        every = scraped["params"]["scrape_every_s"]
        panels += steady_panels(scraped, f", /metrics every {every:g} s")[:1]
        panels.append(lateness_panel(scraped, f", /metrics every {every:g} s"))
    eco = load(d, "economy")
    if eco and economy_panel(eco):
        panels.append(economy_panel(eco))
    idle = load(d, "idle")
    if idle:
        panels.append(idle_panel(idle))
    memory = load(d, "memory")
    if memory:
        panels.append(memory_panel(memory))
    if not panels:
        raise SystemExit(f"plot: no results in {d}")
    out = d / "bench.svg"
    sp.write(str(out), panels, cols=2, title="milvus-refreshd: bench/RESULTS.md measurements")
    print(f"plot: wrote {out}")


if __name__ == "__main__":
    main()
