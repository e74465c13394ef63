#!/usr/bin/env python3
"""The vendor docs' refresh loop, as a user would write it from them (the peer of vendor.py).

One thread per collection, each with its own keep-alive connection: trigger a refresh, then
describe the job every 2 s until it ends; then wait until stopped. Python's standard library
only (http.client, threading), the usual tool for such a script.

usage: vendor_loop.py URL TOKEN NAMES_FILE   (one collection name per line, database default)
Prints "done N" on stdout once every job ended (N completed), then runs until SIGTERM.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from http.client import HTTPConnection
from urllib.parse import urlparse

TERMINAL = ("RefreshCompleted", "RefreshFailed", "Completed", "Failed")


def post(conn: HTTPConnection, token: str, path: str, body: dict) -> dict:
    conn.request("POST", path, body=json.dumps(body),
                 headers={"Content-Type": "application/json",
                          "Authorization": f"Bearer {token}"})
    return json.loads(conn.getresponse().read())


def refresh_and_wait(url: str, token: str, name: str, results: list, lock: threading.Lock,
                     stop: threading.Event) -> None:
    u = urlparse(url)
    conn = HTTPConnection(u.hostname, u.port, timeout=30)
    r = post(conn, token, "/v2/vectordb/jobs/external_collection/refresh",
             {"dbName": "default", "collectionName": name})
    job_id = r["data"]["jobId"]
    state = ""
    while not stop.is_set():
        d = post(conn, token, "/v2/vectordb/jobs/external_collection/describe", {"jobId": job_id})
        state = d.get("data", {}).get("state", "")
        if state in TERMINAL:
            break
        time.sleep(2)
    with lock:
        results.append(state)


def main() -> None:
    url, token, names_file = sys.argv[1:4]
    names = [n for n in open(names_file).read().split() if n]
    results: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threads = [threading.Thread(target=refresh_and_wait,
                                args=(url, token, n, results, lock, stop), daemon=True)
               for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"done {sum(1 for s in results if 'Completed' in s)}", flush=True)
    stop.wait()


if __name__ == "__main__":
    main()
