#!/usr/bin/env python3
"""bench/RESULTS.md "Coordination at scale": how long claims take with many collections.

A real 3-member etcd cluster (Debian's etcd-server) and the simulator, one cluster of
--collections collections on an idle schedule (`every 1h`: no trigger traffic), lease TTL --ttl.

1. One replica: the time from its start until it owns every collection (its first claims), and
   the transactions etcd handled for them (grpc_server_handled_total for Txn, every member).
2. Two more replicas: the time until the three see each other and own every collection between
   them (about two thirds released by the first and claimed by the others), and the Txns.
3. A graceful stop (SIGTERM) of one replica: the time until the other two own every collection.
"""

from __future__ import annotations

import re
import time

import benchlib as bl
from coordination import Etcd, members, owned


def txns(etcd: Etcd) -> int:
    total = 0
    for url in etcd.client:
        _, body = bl.http("GET", url, "/metrics", timeout=5)
        for line in body.decode().splitlines():
            if line.startswith("grpc_server_handled_total{") and 'grpc_method="Txn"' in line:
                total += int(float(re.split(r"\s+", line)[-1]))
    return total


def main() -> None:
    p = bl.parser(__doc__)
    p.add_argument("--collections", type=int, default=10000)
    p.add_argument("--ttl", type=int, default=10)
    a = p.parse_args()
    b = bl.Binaries.find(a.build)
    fleet = bl.Fleet(clusters=1, per_cluster=a.collections, schedule="every 1h",
                     jitter="0s", jitter_mode="fixed")
    result = {"bench": "coordination_claims", "machine": bl.machine_info(b.build),
              "params": {"collections": a.collections, "lease_ttl_s": a.ttl}}
    with bl.Scratch(a.keep, "coordination_claims") as work:
        etcd = Etcd(work)
        sim = bl.Sim(b.sim, work)
        daemons: list[bl.Daemon] = []
        try:
            fleet.load_sims([sim], 100, 900)
            base = fleet.config_yaml([sim.url])

            def start(i: int) -> bl.Daemon:
                text = base + (f"coordination:\n  replica_id: r{i}\n  etcd:\n"
                               f"    endpoints: [{', '.join(etcd.client)}]\n"
                               f"    lease_ttl: {a.ttl}s\n")
                (work / f"r{i}.yaml").write_text(text)
                d = bl.Daemon(b.daemon, work / f"r{i}.yaml", work, name=f"r{i}")
                daemons.append(d)
                return d

            def settled(n: int) -> bool:
                return (all(members(r) == n for r in daemons)
                        and sum(owned(r) for r in daemons) == a.collections)

            txn0 = txns(etcd)
            t0 = time.monotonic()
            start(0).wait_listening(60)
            bl.wait_until(lambda: settled(1), 600, step=0.05, what="one replica owning all")
            result["first_claims"] = {"seconds": round(time.monotonic() - t0, 2),
                                      "txns": txns(etcd) - txn0}
            txn0 = txns(etcd)
            t0 = time.monotonic()
            start(1).wait_listening(60)
            start(2).wait_listening(60)
            bl.wait_until(lambda: settled(3), 600, step=0.05, what="three replicas owning all")
            result["scale_1_to_3"] = {"seconds": round(time.monotonic() - t0, 2),
                                      "txns": txns(etcd) - txn0,
                                      "owned": [owned(r) for r in daemons]}
            leaving = daemons.pop()
            t0 = time.monotonic()
            leaving.stop()
            bl.wait_until(lambda: settled(2), 600, step=0.05, what="two replicas owning all")
            result["graceful_stop"] = {"seconds": round(time.monotonic() - t0, 2),
                                       "owned": [owned(r) for r in daemons]}
        finally:
            for d in daemons:
                d.stop()
            sim.stop()
            etcd.stop()
    bl.write_result(a.out, result)


if __name__ == "__main__":
    main()
