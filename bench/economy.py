#!/usr/bin/env python3
"""bench/RESULTS.md API economy: describes per completed job and completion detection delay.

Bound: describes <= ceil(log2(D / poll.initial)) + D / poll.max + 2, detection delay <=
max(poll.initial, 10 % of D), for jobs with steady progress. Compared with the vendor docs'
fixed 2-second loop (D / 2 describes).

Part 1 (real programs): the daemon against the simulator, poll defaults (2 s .. 60 s), one
cluster per job duration (default 10 s and 1 min; --long adds 10 min). Every collection runs
`after 24h`: never run before, so each is refreshed once at startup (spread 1 s apart) and not
again. The simulator's request log gives the describes per job and the time of the describe
that first saw the job Completed; the job's endTime comes from the job API's list. Detection
delay = that describe's arrival at the simulator - endTime (the daemon's "refresh completed"
log line is reported too).

Part 2 (virtual time, longer jobs): bench_poll_economy, the daemon's own refresh_cycle driven
on a model of the same job (see poll_economy.cpp), if its binary is given or found.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path

import benchlib as bl

PENDING_MS = 100
POLL_INITIAL_MS, POLL_MAX_MS = 2000, 60000


def bound(d_ms: float) -> float:
    return math.ceil(math.log2(d_ms / POLL_INITIAL_MS)) + d_ms / POLL_MAX_MS + 2


def real_run(b: bl.Binaries, work: Path, durations_s: list[int], per: int) -> list[dict]:
    sim = bl.Sim(b.sim, work)
    d = None
    try:
        sim.control("config", {"request_log_size": 1_000_000})
        cols, out = [], ["version: 1", "listen: 127.0.0.1:0", "log: {format: json, level: info}",
                         "defaults:", "  schedule: after 24h",
                         f"  poll: {{initial: {POLL_INITIAL_MS}ms, max: {POLL_MAX_MS}ms}}",
                         "clusters:"]
        names: dict[str, int] = {}
        for ds in durations_s:
            out += [f"  - name: d{ds}s", f"    endpoint: {sim.url}", "    token_env: BENCH_TOKEN",
                    "    rate_limit: 0", f"    max_running_jobs: {per}", "    collections:"]
            for i in range(per):
                n = f"ext_d{ds}s_{i:02d}"
                names[n] = ds * 1000
                cols.append(bl.sim_collection(n, PENDING_MS, ds * 1000 - PENDING_MS))
                out.append(f"      - name: {n}")
        sim.control("collections", cols)
        cfg = work / "config.yaml"
        cfg.write_text("\n".join(out) + "\n")
        d = bl.Daemon(b.daemon, cfg, work)
        d.wait_listening(30)
        total = len(names)

        def completed():
            return sum(1 for x in d.lines() if x.get("msg") == "refresh completed") >= total
        bl.wait_until(completed, max(durations_s) + per + 120, step=0.5,
                      what="every job to complete")
        lines = d.lines()
        reqs = sim.get("requests?limit=1000000")["requests"]
        jobs = {n: sim.list_jobs(n) for n in names}
        stats = sim.get("stats")
    finally:
        if d:
            d.stop()
        sim.stop()
    assert stats["overlapping_triggers"] == 0, stats
    done_log = {x["collection"]: bl.log_time(x) for x in lines if x.get("msg") == "refresh completed"}
    rows = []
    for n, d_ms in names.items():
        assert len(jobs[n]) == 1, (n, jobs[n])
        j = jobs[n][0]
        assert j["state"] == "RefreshCompleted", j
        desc = [r for r in reqs if r["endpoint"] == "describe" and r["collection"] == n]
        lists = [r for r in reqs if r["endpoint"] == "list" and r["collection"] == n]
        seen = [r["time_ms"] for r in desc if r["time_ms"] >= j["endTime"]]
        rows.append({"collection": n, "duration_ms": j["endTime"] - j["startTime"],
                     "nominal_ms": d_ms, "describes": len(desc), "lists": len(lists),
                     "describe_at_ms": [r["time_ms"] - j["startTime"] for r in desc],
                     "detection_ms": min(seen) - j["endTime"] if seen else None,
                     "detection_log_ms": round(done_log[n] * 1000 - j["endTime"]),
                     "bound": round(bound(j["endTime"] - j["startTime"]), 2),
                     "detection_bound_ms": max(POLL_INITIAL_MS,
                                               0.1 * (j["endTime"] - j["startTime"]))})
    return rows


def summarize(rows: list[dict]) -> list[dict]:
    out = []
    for d_ms in sorted({r["nominal_ms"] for r in rows}):
        rs = [r for r in rows if r["nominal_ms"] == d_ms]
        out.append({
            "duration_s": d_ms / 1000, "jobs": len(rs),
            "describes": sorted({r["describes"] for r in rs}),
            "describes_max": max(r["describes"] for r in rs),
            "bound": round(bound(d_ms), 2),
            "detection_ms_max": max(r["detection_ms"] for r in rs),
            "detection_ms_mean": round(sum(r["detection_ms"] for r in rs) / len(rs)),
            "detection_log_ms_max": max(r["detection_log_ms"] for r in rs),
            "detection_bound_ms": max(POLL_INITIAL_MS, 0.1 * d_ms),
            "vendor_describes": math.ceil(d_ms / 2000),
            "ok": all(r["describes"] <= r["bound"] and r["detection_ms"] <= r["detection_bound_ms"]
                      for r in rs)})
    return out


def main() -> None:
    p = bl.parser(__doc__)
    p.add_argument("--durations", default="10,60", help="job durations in seconds (real run)")
    p.add_argument("--long", action="store_true", help="add a 600 s job to the real run")
    p.add_argument("--per-duration", type=int, default=5, help="jobs per duration")
    p.add_argument("--poll-economy", default=None,
                   help="bench_poll_economy binary (default: look in --build and build/bench)")
    p.add_argument("--virtual-durations", default="10,30,60,120,300,600,1800,3600,7200,14400")
    a = p.parse_args()
    b = bl.Binaries.find(a.build)
    durations = [int(x) for x in a.durations.split(",")] + ([600] if a.long else [])
    result = {"bench": "economy", "machine": bl.machine_info(b.build),
              "params": {"poll_initial_ms": POLL_INITIAL_MS, "poll_max_ms": POLL_MAX_MS,
                         "pending_ms": PENDING_MS, "durations_s": durations,
                         "per_duration": a.per_duration}}
    with bl.Scratch(a.keep, "economy") as work:
        rows = real_run(b, work, durations, a.per_duration)
    result["real"] = {"summary": summarize(rows), "jobs": rows}

    exe = a.poll_economy
    if not exe:
        for c in (b.build / "bench" / "bench_poll_economy",
                  bl.ROOT / "build" / "bench" / "bench_poll_economy"):
            if c.is_file():
                exe = str(c)
                break
    if exe:
        virt = {}
        for label, pend in (("pending_100ms", "100"), ("pending_0_to_30pct", "0,1000,-10,-30")):
            out = subprocess.run([exe, "--json", "--initial", str(POLL_INITIAL_MS), "--max",
                                  str(POLL_MAX_MS), "--pending", pend, "--durations",
                                  a.virtual_durations], capture_output=True, text=True, check=True)
            virt[label] = json.loads(out.stdout)
        result["virtual"] = virt
    else:
        result["virtual"] = None
        print("bench: bench_poll_economy not found; part 2 skipped "
              "(cmake --build <tree> --target bench_poll_economy)")
    result["pass"] = all(s["ok"] for s in result["real"]["summary"]) and (
        result["virtual"] is None or
        all(v["over_bound"] == 0 for v in result["virtual"].values()))
    bl.write_result(a.out, result)


if __name__ == "__main__":
    main()
