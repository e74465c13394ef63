#!/usr/bin/env python3
"""bench/RESULTS.md "Coordination": API traffic of N coordinated replicas against one daemon,
and how long a killed replica's collections wait for a new owner.

A real 3-member etcd cluster (Debian's etcd-server) and the simulator, one cluster of
--collections collections refreshed `every --every` with fixed jitter, jobs of --job-ms.

1. One daemon without coordination: the API requests (list, refresh, describe) the simulator
   received during a window of --window seconds, after a warm-up.
2. --replicas daemons with `coordination:` on the same collections: once they own every
   collection between them, the requests of a window as long; the ratio to (1) (target: at most
   1.1) and the simulator's overlapping triggers (informed ones: target 0).
3. `kill -9` of one replica: the time until the survivors own every collection again (target:
   the lease TTL + 3 s), then a window checking that every collection is triggered again.

Windows should be whole multiples of the schedule's period (the defaults: 90 s, every 30 s):
with fixed jitter the triggers bunch in part of each period.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import benchlib as bl


def free_ports(n: int) -> list[int]:
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


class Etcd:
    """Three etcd members on loopback, data and logs in `work`; each can be killed, restarted,
    frozen and thawed (bench/coordination_faults.py)."""

    def __init__(self, work: Path):
        self.binary = shutil.which("etcd") or "/usr/bin/etcd"
        self.work = work
        ports = free_ports(6)
        self.client = [f"http://127.0.0.1:{p}" for p in ports[:3]]
        self.peers = [f"http://127.0.0.1:{p}" for p in ports[3:]]
        self.procs: list[subprocess.Popen | None] = [None] * 3
        for i in range(3):
            self.start(i, "new")
        for url in self.client:
            bl.wait_until(lambda u=url: self.healthy(u), 30, step=0.1, what=f"etcd {url}")

    def start(self, i: int, state: str = "existing") -> None:
        initial = ",".join(f"m{k}={self.peers[k]}" for k in range(3))
        log = open(self.work / f"etcd{i}.log", "ab")
        self.procs[i] = subprocess.Popen(
            [self.binary, "--name", f"m{i}", "--data-dir", str(self.work / f"etcd{i}"),
             "--listen-client-urls", self.client[i], "--advertise-client-urls", self.client[i],
             "--listen-peer-urls", self.peers[i], "--initial-advertise-peer-urls", self.peers[i],
             "--initial-cluster", initial, "--initial-cluster-state", state, "--logger", "zap",
             "--log-level", "warn", "--heartbeat-interval", "50", "--election-timeout", "500"],
            stdout=subprocess.DEVNULL, stderr=log)

    @staticmethod
    def healthy(url: str) -> bool:
        try:
            code, body = bl.http("GET", url, "/health", timeout=1)
            return code == 200 and b'"true"' in body
        except OSError:
            return False

    def leader(self) -> int:
        for i, url in enumerate(self.client):
            try:
                code, body = bl.http("POST", url, "/v3/maintenance/status", body={},
                                     timeout=1)
            except OSError:
                continue
            if code == 200:
                s = json.loads(body)
                if s.get("leader") == s.get("header", {}).get("member_id"):
                    return i
        raise RuntimeError("bench: no etcd leader")

    def signal(self, i: int, sig: int) -> None:
        os.kill(self.procs[i].pid, sig)

    def kill(self, i: int) -> None:
        self.procs[i].kill()
        self.procs[i].wait()

    def stop(self) -> None:
        for p in self.procs:
            if p is not None and p.poll() is None:
                p.send_signal(signal.SIGCONT)
                p.kill()
                p.wait()


def requests(sim: bl.Sim) -> dict:
    return dict(sim.get("stats")["requests"])


def window(sim: bl.Sim, seconds: float) -> dict:
    before = requests(sim)
    time.sleep(seconds)
    after = requests(sim)
    out = {k: after[k] - before[k] for k in ("list", "refresh", "describe")}
    out["total"] = sum(out.values())
    return out


def owned(d: bl.Daemon) -> int:
    code, body = d.get("/status?limit=1", timeout=5)
    if code != 200:
        return -1
    return json.loads(body).get("coordination", {}).get("owned_collections", -1)


def members(d: bl.Daemon) -> int:
    code, body = d.get("/status?limit=1", timeout=5)
    return json.loads(body).get("coordination", {}).get("members", -1) if code == 200 else -1


def main() -> None:
    p = bl.parser(__doc__)
    p.add_argument("--collections", type=int, default=300)
    p.add_argument("--replicas", type=int, default=3)
    p.add_argument("--every", default="30s")
    p.add_argument("--job-ms", type=int, default=5000)
    p.add_argument("--warmup", type=float, default=40.0)
    p.add_argument("--window", type=float, default=90.0)
    p.add_argument("--ttl", type=int, default=10)
    a = p.parse_args()
    b = bl.Binaries.find(a.build)
    fleet = bl.Fleet(clusters=1, per_cluster=a.collections, schedule=f"every {a.every}",
                     jitter="10s", jitter_mode="fixed", poll="{initial: 1s, max: 5s}",
                     # Job slots and rate limits are per replica (docs/COORDINATION.md): high
                     # enough here that neither the single daemon nor a replica waits for one,
                     # so both runs refresh every slot and the traffic compares like for like.
                     max_running_jobs=1000)
    result = {"bench": "coordination", "machine": bl.machine_info(b.build),
              "params": {"collections": a.collections, "replicas": a.replicas,
                         "schedule": f"every {a.every}", "job_ms": a.job_ms,
                         "warmup_s": a.warmup, "window_s": a.window, "lease_ttl_s": a.ttl}}
    with bl.Scratch(a.keep, "coordination") as work:
        etcd = Etcd(work)
        sim = bl.Sim(b.sim, work)
        daemons: list[bl.Daemon] = []
        try:
            fleet.load_sims([sim], 100, a.job_ms - 100)
            base = fleet.config_yaml([sim.url])
            # 1. One daemon, no coordination.
            (work / "single.yaml").write_text(base)
            d = bl.Daemon(b.daemon, work / "single.yaml", work, name="single")
            daemons.append(d)
            d.wait_listening(60)
            bl.wait_until(lambda: d.get("/readyz")[0] == 200, 60, what="/readyz 200")
            time.sleep(a.warmup)
            result["single"] = window(sim, a.window)
            d.stop()
            daemons.clear()
            # 2. N replicas through etcd.
            for i in range(a.replicas):
                text = base + (f"coordination:\n  replica_id: r{i}\n  etcd:\n"
                               f"    endpoints: [{', '.join(etcd.client)}]\n"
                               f"    lease_ttl: {a.ttl}s\n")
                (work / f"r{i}.yaml").write_text(text)
                r = bl.Daemon(b.daemon, work / f"r{i}.yaml", work, name=f"r{i}")
                daemons.append(r)
                r.wait_listening(60)
            t0 = time.monotonic()
            bl.wait_until(lambda: all(members(r) == a.replicas for r in daemons) and
                          sum(owned(r) for r in daemons) == a.collections, 120, step=0.1,
                          what="the replicas owning every collection")
            result["settle_s"] = round(time.monotonic() - t0, 2)
            result["owned"] = [owned(r) for r in daemons]
            overlap0 = sim.get("stats")
            time.sleep(a.warmup)
            result["replicas"] = window(sim, a.window)
            result["ratio"] = round(result["replicas"]["total"] / result["single"]["total"], 3)
            # 3. kill -9 of one replica.
            victim = daemons.pop()
            held = owned(victim)
            per0 = sim.get("stats")["per_collection"]
            os.kill(victim.pid, signal.SIGKILL)
            killed = time.monotonic()
            victim.proc.wait()
            bl.wait_until(lambda: sum(owned(r) for r in daemons) == a.collections, 60, step=0.05,
                          what="the survivors owning every collection")
            result["kill9"] = {"collections_moved": held,
                               "takeover_s": round(time.monotonic() - killed, 2),
                               "target_s": a.ttl + 3}
            after = window(sim, a.window)
            result["kill9"]["requests_after"] = after
            stats = sim.get("stats")
            result["overlapping_triggers"] = (stats["overlapping_triggers"]
                                              - overlap0["overlapping_triggers"])
            result["informed_overlapping_triggers"] = stats["informed_overlapping_triggers"]
            again = {k for k, v in stats["per_collection"].items()
                     if v["triggers"] > per0.get(k, {"triggers": 0})["triggers"]}
            result["kill9"]["collections_triggered_after"] = len(again)
        finally:
            for d in daemons:
                d.stop()
            sim.stop()
            etcd.stop()
    result["pass"] = {"traffic_within_1_1x": result["ratio"] <= 1.1,
                      "takeover_within_ttl_plus_3s":
                          result["kill9"]["takeover_s"] <= result["kill9"]["target_s"],
                      "no_informed_overlap": result["informed_overlapping_triggers"] == 0,
                      "all_driven_after_kill":
                          result["kill9"]["collections_triggered_after"] == a.collections}
    bl.write_result(a.out, result)
    missed = [k for k, ok in result["pass"].items() if not ok]
    if missed:
        raise SystemExit(f"bench: targets missed: {', '.join(missed)}")


if __name__ == "__main__":
    main()
