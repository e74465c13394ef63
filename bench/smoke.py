#!/usr/bin/env python3
"""Quick smoke run of every bench driver (small fleets, windows of a few seconds): checks that
the drivers work against the current programs and write sane JSON. It checks no performance
target (a loaded CI machine must not fail it). Well under 20 s."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run(script: str, out: Path, *args: str) -> dict:
    t0 = time.monotonic()
    p = subprocess.run([sys.executable, str(HERE / script), "--out", str(out), *args],
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        sys.exit(f"smoke: {script} failed ({p.returncode}):\n{p.stdout[-2000:]}\n{p.stderr[-4000:]}")
    print(f"smoke: {script} ok in {time.monotonic() - t0:.1f} s")
    return json.loads(out.read_text())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--build", required=True)
    p.add_argument("--poll-economy", default=None)
    a = p.parse_args()
    if a.poll_economy and not Path(a.poll_economy).is_file():
        sys.exit(f"smoke: {a.poll_economy} is missing: cmake --build <tree> --target "
                 "bench_poll_economy")
    common = ["--build", a.build]
    with tempfile.TemporaryDirectory(prefix="refreshd-bench-smoke-") as tmp:
        d = Path(tmp)
        r = run("startup.py", d / "startup.json", *common, "--clusters", "2", "--per-cluster",
                "100", "--runs", "1", "--settle", "0.2")
        # One list per database at startup (2 clusters of one database each).
        assert r["runs"][0]["readyz_s"] > 0 and r["sim_list_requests"] == 2, r

        r = run("steady.py", d / "steady.json", *common, "--clusters", "2", "--per-cluster",
                "200", "--warmup", "0.5", "--duration", "2", "--scrapes", "1",
                "--scrape-every", "1")
        assert r["offset_check"]["mismatched"] == 0 and r["offset_check"]["checked"] > 0, r
        assert r["overlapping_triggers"] == 0 and r["metrics_scrape"]["series"] > 0, r
        assert r["rss_mib"]["max"] > 0 and r["samples"], r

        r = run("idle.py", d / "idle.json", *common, "--settle", "0.2", "--duration", "2")
        assert r["api_requests_during_window"]["refresh"] == 0 and r["rss_mib"]["max"] > 0, r

        r = run("scrape.py", d / "scrape.json", *common, "--sizes", "40", "--scrapes", "1")
        first = r["rows"][0]["scrapes"][0]
        assert first["gzip_answered"] and first["samples"] > 40 * 12, r
        others = {x["path"]: x for x in r["rows"][0]["status_page_reload"]}
        assert set(others) == {"/status", "/", "reload"}, r
        r = run("memory.py", d / "memory.json", *common, "--sizes", "1,20", "--settle", "2")
        assert len(r["rows"]) == 2 and "after_scrape" in r["rows"][1]["ready"], r

        r = run("vendor.py", d / "vendor.json", *common, "--collections", "4", "--running-ms",
                "1000")
        assert r["ours"]["describes"] > 0 and r["peer"]["describes"] > 0, r
        assert r["ours"]["overlapping_triggers"] == 0 and r["peer"]["refreshes"] == 4, r

        extra = ["--poll-economy", a.poll_economy] if a.poll_economy else []
        r = run("economy.py", d / "economy.json", *common, "--durations", "2",
                "--per-duration", "2", "--virtual-durations", "10,3600", *extra)
        assert r["real"]["summary"][0]["jobs"] == 2, r
        assert r["virtual"] is not None or not a.poll_economy, r

        p = subprocess.run([sys.executable, str(HERE / "plot.py"), "--results", str(d)],
                           capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"smoke: plot.py failed:\n{p.stderr[-4000:]}")
        svg = (d / "bench.svg").read_text()
        assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    print("smoke: ok")


if __name__ == "__main__":
    main()
