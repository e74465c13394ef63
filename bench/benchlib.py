"""Shared pieces of the benchmark drivers (Python 3 standard library only).

The drivers run the real programs: milvus-refresh-sim (one or more processes) and
milvus-refreshd, over loopback sockets, and read the daemon's own numbers from /proc.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import calendar
import time
from http.client import HTTPConnection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BUILD = ROOT / "build" / "ci"
TOKEN = "bench-token"
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


# ---- command line -------------------------------------------------------------------------


def parser(doc: str | None) -> argparse.ArgumentParser:
    """A driver's command line: its docstring as the help text, and the common options."""
    p = argparse.ArgumentParser(description=doc,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(p)
    return p


def add_common_args(p) -> None:
    p.add_argument("--build", default=os.environ.get("REFRESHD_BENCH_BUILD", str(DEFAULT_BUILD)),
                   help="CMake build tree holding daemon/milvus-refreshd and "
                        "sim/milvus-refresh-sim (default: build/ci)")
    p.add_argument("--out", default=None,
                   help="write the result as JSON to this file (default: print only)")
    p.add_argument("--keep", action="store_true", help="keep the scratch directory")


@dataclass
class Binaries:
    daemon: Path
    sim: Path
    build: Path

    @staticmethod
    def find(build: str) -> "Binaries":
        b = Path(build).resolve()
        d, s = b / "daemon" / "milvus-refreshd", b / "sim" / "milvus-refresh-sim"
        for x in (d, s):
            if not x.is_file():
                sys.exit(f"bench: {x} is missing; build it first:\n"
                         f"  cmake --preset ci && cmake --build build/ci --target "
                         f"milvus-refreshd milvus-refresh-sim")
        return Binaries(d, s, b)


def write_result(path: str | None, result: dict) -> None:
    text = json.dumps(result, indent=2, sort_keys=False)
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(text + "\n")
    print(text)


# ---- the machine --------------------------------------------------------------------------


def machine_info(build: Path) -> dict:
    cpu = "unknown"
    info: dict[str, str] = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            k, _, v = line.partition(":")
            if not line.strip():
                break  # the first processor is enough
            info[k.strip()] = v.strip()
        cpu = (f"{info.get('model name', '?')} (family {info.get('cpu family', '?')} model "
               f"{info.get('model', '?')}, {float(info.get('cpu MHz', 0)):.0f} MHz"
               f"{', virtual machine' if ' hypervisor' in info.get('flags', '') else ''})")
    except (OSError, ValueError):
        pass
    mem_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
    build_type, flags = "unknown", ""
    cache = build / "CMakeCache.txt"
    if cache.is_file():
        text = cache.read_text()
        m = re.search(r"^CMAKE_BUILD_TYPE:\w+=(.*)$", text, re.M)
        build_type = m.group(1) if m else build_type
        m = re.search(r"^CMAKE_CXX_FLAGS_RELWITHDEBINFO:\w+=(.*)$", text, re.M)
        flags = m.group(1) if m and build_type == "RelWithDebInfo" else ""
    rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True).stdout.strip()
    cxx = subprocess.run(["c++", "--version"], capture_output=True, text=True).stdout
    daemon = build / "daemon" / "milvus-refreshd"
    version = subprocess.run([str(daemon), "version"], capture_output=True,
                             text=True).stdout.strip() if daemon.is_file() else "unknown"
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "build_type": build_type,
        "build_flags": flags,
        "compiler": cxx.splitlines()[0] if cxx else "unknown",
        "daemon_version": version,
        "git_head_at_run": rev,
        "loadavg_at_start": Path("/proc/loadavg").read_text().split()[:3],
    }


def loadavg() -> list[str]:
    return Path("/proc/loadavg").read_text().split()[:3]


# ---- /proc ---------------------------------------------------------------------------------


@dataclass
class ProcSample:
    t: float            # time.monotonic()
    cpu_ticks: int      # utime + stime of the whole process (all threads)
    rss_kib: int        # VmRSS
    hwm_kib: int        # VmHWM (peak RSS)
    threads: int
    vol_cs: int         # voluntary context switches, summed over the threads
    invol_cs: int       # involuntary context switches, summed over the threads
    rss_anon_kib: int = 0   # RssAnon: heap, stacks (the part that grows with collections)
    rss_file_kib: int = 0   # RssFile: code and libraries mapped from files


def _status_fields(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        k, _, v = line.partition(":")
        out[k] = v.strip()
    return out


def sample(pid: int) -> ProcSample:
    t = time.monotonic()
    stat = Path(f"/proc/{pid}/stat").read_text()
    # Fields after the command name (which may contain spaces) start at ")".
    rest = stat[stat.rindex(")") + 2:].split()
    utime, stime = int(rest[11]), int(rest[12])
    st = _status_fields(Path(f"/proc/{pid}/status").read_text())
    vol = invol = 0
    task_dir = Path(f"/proc/{pid}/task")
    for task in task_dir.iterdir():
        try:
            ts = _status_fields((task / "status").read_text())
        except OSError:
            continue
        vol += int(ts.get("voluntary_ctxt_switches", "0"))
        invol += int(ts.get("nonvoluntary_ctxt_switches", "0"))
    return ProcSample(t=t, cpu_ticks=utime + stime,
                      rss_kib=int(st["VmRSS"].split()[0]), hwm_kib=int(st["VmHWM"].split()[0]),
                      threads=int(st["Threads"]), vol_cs=vol, invol_cs=invol,
                      rss_anon_kib=int(st.get("RssAnon", "0 kB").split()[0]),
                      rss_file_kib=int(st.get("RssFile", "0 kB").split()[0]))


def cpu_percent(a: ProcSample, b: ProcSample) -> float:
    return 100.0 * (b.cpu_ticks - a.cpu_ticks) / CLK_TCK / (b.t - a.t)


# ---- statistics ----------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    v = sorted(values)
    k = max(0, math.ceil(p / 100.0 * len(v)) - 1)
    return v[k]


def summary(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    return {"n": len(values), "min": min(values), "p50": percentile(values, 50),
            "p90": percentile(values, 90), "p99": percentile(values, 99),
            "p999": percentile(values, 99.9), "max": max(values),
            "mean": sum(values) / len(values)}


# ---- HTTP ----------------------------------------------------------------------------------


def http(method: str, url: str, path: str, body: object | None = None,
         timeout: float = 30.0, headers: dict | None = None) -> tuple[int, bytes]:
    m = re.match(r"http://([^:/]+):(\d+)", url)
    if not m:
        raise ValueError(url)
    conn = HTTPConnection(m.group(1), int(m.group(2)), timeout=timeout)
    try:
        data = None if body is None else json.dumps(body).encode()
        h = {"Content-Type": "application/json"} if data is not None else {}
        h.update(headers or {})
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def wait_until(pred: Callable[[], object], timeout: float, step: float = 0.005,
               what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise TimeoutError(f"bench: timed out after {timeout} s waiting for {what}")
        time.sleep(step)


# ---- the simulator -------------------------------------------------------------------------


class Sim:
    """One milvus-refresh-sim process on a free loopback port."""

    def __init__(self, binary: Path, workdir: Path, name: str = "sim", log_level: str = "warn"):
        self.err_path = workdir / f"{name}.err"
        self.err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(
            [str(binary), "--listen", "127.0.0.1:0", "--auth-token", TOKEN,
             "--log-level", log_level],
            stdout=subprocess.PIPE, stderr=self.err)
        line = self.proc.stdout.readline().decode()
        if "listening on " not in line:
            raise RuntimeError(f"bench: simulator did not start: {self.err_path.read_text()}")
        self.url = line.split("listening on ", 1)[1].strip()

    def control(self, path: str, body: object) -> dict:
        status, data = http("POST", self.url, "/_sim/" + path, body, timeout=120)
        if status != 200:
            raise RuntimeError(f"bench: /_sim/{path} answered {status}: {data[:300]!r}")
        return json.loads(data) if data else {}

    def get(self, path: str) -> dict:
        status, data = http("GET", self.url, "/_sim/" + path, timeout=120)
        if status != 200:
            raise RuntimeError(f"bench: /_sim/{path} answered {status}")
        return json.loads(data)

    def list_jobs(self, collection: str, database: str = "default") -> list[dict]:
        """The refresh jobs of a collection, through the job API itself (newest first)."""
        status, data = http("POST", self.url, "/v2/vectordb/jobs/external_collection/list",
                            {"dbName": database, "collectionName": collection},
                            headers={"Authorization": f"Bearer {TOKEN}"})
        doc = json.loads(data)
        if status != 200 or doc.get("code") != 0:
            raise RuntimeError(f"bench: list {collection} answered {status}: {data[:300]!r}")
        return doc["data"]["records"]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()


def sim_collection(name: str, pending_ms: int, running_ms: int, database: str = "default") -> dict:
    return {"database": database, "name": name, "source": f"s3://bench/{name}/",
            "spec": "{\"format\":\"parquet\"}",
            "job": {"pending_ms": pending_ms, "running_ms": running_ms}}


# ---- the daemon ----------------------------------------------------------------------------


@dataclass
class Fleet:
    """N clusters of M collections; cluster k talks to simulator k % len(sims)."""
    clusters: int
    per_cluster: int
    schedule: str
    jitter: str = "0s"
    jitter_mode: str = "fixed"
    catch_up: bool = False
    poll: str = "{initial: 2s, max: 60s}"
    rate_limit: str = "0"
    max_running_jobs: int = 8
    log_level: str = "info"
    extra_defaults: dict = field(default_factory=dict)

    @staticmethod
    def cluster_name(k: int) -> str:
        return f"c{k:02d}"

    @staticmethod
    def collection_name(k: int, i: int) -> str:
        return f"ext_c{k:02d}_{i:05d}"

    def names(self) -> Iterable[tuple[str, str]]:
        for k in range(self.clusters):
            for i in range(self.per_cluster):
                yield self.cluster_name(k), self.collection_name(k, i)

    def config_yaml(self, sim_urls: list[str]) -> str:
        out = ["version: 1", "listen: 127.0.0.1:0",
               f"log: {{format: json, level: {self.log_level}}}", "defaults:",
               f"  schedule: \"{self.schedule}\"", f"  jitter: {self.jitter}",
               f"  jitter_mode: {self.jitter_mode}",
               f"  catch_up: {'true' if self.catch_up else 'false'}",
               f"  poll: {self.poll}"]
        for k, v in self.extra_defaults.items():
            out.append(f"  {k}: {v}")
        out.append("clusters:")
        for k in range(self.clusters):
            out += [f"  - name: {self.cluster_name(k)}",
                    f"    endpoint: {sim_urls[k % len(sim_urls)]}",
                    "    token_env: BENCH_TOKEN",
                    f"    rate_limit: {self.rate_limit}",
                    f"    max_running_jobs: {self.max_running_jobs}",
                    "    collections:"]
            out += [f"      - name: {self.collection_name(k, i)}"
                    for i in range(self.per_cluster)]
        return "\n".join(out) + "\n"

    def load_sims(self, sims: list[Sim], pending_ms: int, running_ms: int) -> None:
        per_sim: list[list[dict]] = [[] for _ in sims]
        for k in range(self.clusters):
            per_sim[k % len(sims)] += [
                sim_collection(self.collection_name(k, i), pending_ms, running_ms)
                for i in range(self.per_cluster)]
        for s, cols in zip(sims, per_sim):
            if cols:
                s.control("collections", cols)


def heap_in_use(d: "Daemon") -> int | None:
    """Bytes of heap in use in the daemon (glibc's malloc_stats(), called through gdb, writes
    them to its stderr: the log file), or None without gdb. Pauses the daemon for ~1 s."""
    if shutil.which("gdb") is None:
        return None
    before = d.log_path.stat().st_size
    subprocess.run(["gdb", "-p", str(d.pid), "-batch", "-ex", "call (void)malloc_stats()"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60, check=False)
    with open(d.log_path, "rb") as f:
        f.seek(before)
        text = f.read().decode(errors="replace")
    # The last "in use bytes" is the total over every arena (incl. mmap).
    found = re.findall(r"in use bytes\s*=\s*(\d+)", text)
    return int(found[-1]) if found else None


class Daemon:
    """milvus-refreshd run with JSON logs on stderr, redirected to a file."""

    def __init__(self, binary: Path, config: Path, workdir: Path, name: str = "daemon",
                 extra_env: dict[str, str] | None = None):
        self.log_path = workdir / f"{name}.log"
        self.log = open(self.log_path, "wb")
        env = dict(os.environ, BENCH_TOKEN=TOKEN, **(extra_env or {}))
        env.pop("NOTIFY_SOCKET", None)
        env.pop("JOURNAL_STREAM", None)
        self.t_spawn_wall = time.time()
        self.t_spawn = time.monotonic()
        self.proc = subprocess.Popen([str(binary), "run", "-c", str(config), "--log-format",
                                      "json"], stdout=subprocess.DEVNULL, stderr=self.log,
                                     env=env)
        self.pid = self.proc.pid
        self.url: str | None = None
        self._offset = 0

    def lines(self) -> list[dict]:
        """Every JSON log line so far (re-reads the file)."""
        out = []
        with open(self.log_path, "rb") as f:
            for raw in f:
                try:
                    out.append(json.loads(raw))
                except ValueError:
                    pass
        return out

    def new_lines(self) -> list[dict]:
        """JSON log lines written since the previous call (complete lines only)."""
        out = []
        with open(self.log_path, "rb") as f:
            f.seek(self._offset)
            data = f.read()
        end = data.rfind(b"\n") + 1
        self._offset += end
        for raw in data[:end].splitlines():
            try:
                out.append(json.loads(raw))
            except ValueError:
                pass
        return out

    def wait_listening(self, timeout: float = 30) -> str:
        def find():
            if self.proc.poll() is not None:
                raise RuntimeError(f"bench: daemon exited {self.proc.returncode}: "
                                   f"{self.log_path.read_text()[-2000:]}")
            with open(self.log_path, "rb") as f:
                m = re.search(rb"listening on (http://[0-9.:]+)", f.read())
            return m.group(1).decode() if m else None
        self.url = wait_until(find, timeout, what="the daemon's listening line")
        return self.url

    def get(self, path: str, timeout: float = 30,
            headers: dict | None = None) -> tuple[int, bytes]:
        assert self.url
        return http("GET", self.url, path, timeout=timeout, headers=headers)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


def start_ready(b: "Binaries", work: Path, fleet: Fleet, sim: Sim, tag: str) -> Daemon:
    """Loads `fleet` into `sim` (100 ms pending, 100 ms running jobs), writes its config, starts
    the daemon on it and waits for /readyz 200. The caller stops both."""
    fleet.load_sims([sim], 100, 100)
    cfg = work / f"config{tag}.yaml"
    cfg.write_text(fleet.config_yaml([sim.url]))
    d = Daemon(b.daemon, cfg, work, name=f"daemon{tag}")
    try:
        d.wait_listening(60)
        wait_until(lambda: d.get("/readyz")[0] == 200, 120, what="/readyz 200")
    except BaseException:
        d.stop()
        raise
    return d


def log_time(line: dict) -> float:
    """The `time` of a JSON log line (UTC, ms) as Unix seconds."""
    t = line["time"]
    # 2026-11-22T10:15:00.123Z
    base = time.strptime(t[:19], "%Y-%m-%dT%H:%M:%S")
    return calendar.timegm(base) + int(t[20:23]) / 1000.0


class Scratch:
    def __init__(self, keep: bool, prefix: str):
        self.keep = keep
        self.path = Path(tempfile.mkdtemp(prefix=f"refreshd-bench-{prefix}-"))

    def __enter__(self) -> Path:
        return self.path

    def __exit__(self, *exc) -> None:
        if self.keep:
            print(f"bench: kept {self.path}", file=sys.stderr)
        else:
            shutil.rmtree(self.path, ignore_errors=True)


# ---- fixed jitter (same as schedule::fixed_jitter) ----------------------------------------

_MASK = (1 << 64) - 1


def _fnv1a(h: int, data: bytes) -> int:
    for c in data:
        h ^= c
        h = (h * 0x100000001B3) & _MASK
    return h


def collection_hash(cluster: str, database: str, name: str) -> int:
    h = _fnv1a(0xCBF29CE484222325, cluster.encode())
    h = _fnv1a(h, b"/")
    h = _fnv1a(h, database.encode())
    h = _fnv1a(h, b"/")
    h = _fnv1a(h, name.encode())
    z = h
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def fixed_jitter_ms(cluster: str, database: str, name: str, jitter_ms: int) -> int:
    if jitter_ms <= 0:
        return 0
    return collection_hash(cluster, database, name) % (jitter_ms + 1)
