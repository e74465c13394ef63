#!/usr/bin/env python3
"""Starts milvus-refresh-sim on 127.0.0.1:0, runs the contract checker against it, stops it.

Usage: run_sim_contract.py --sim BINARY --checker CHECKER.py [--tls --cert-script SCRIPT]

CHECKER is any checker taking the base URL as argv[1] that exits 0 and prints "... 0 failed"
on success (check_sim.py, check_servability.py).

The port is read from the simulator's single stdout line "listening on http[s]://HOST:PORT".
With --tls, throw-away certificates are generated (gen_test_certs.sh), the simulator serves
HTTPS, a direct TLS request is verified against the test CA (and refused without it), and the
checker runs over HTTPS with SSL_CERT_FILE pointing at the test CA. The simulator is always
stopped: SIGTERM (it must exit 0), then SIGKILL if it lingers.
"""
import argparse
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading


def read_first_line(proc, timeout):
    box = []
    reader = threading.Thread(target=lambda: box.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return box[0].decode().strip() if box else None


def tls_probe(host, port, cafile):
    """A raw HTTPS request verified against the test CA; and one that must fail without it."""
    ctx = ssl.create_default_context(cafile=cafile)
    with socket.create_connection((host, port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(b"GET /_sim/stats HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                chunk = tls.recv(65536)
                if not chunk:
                    break
                data += chunk
    if not data.startswith(b"HTTP/1.1 200"):
        raise AssertionError("TLS request answered %r" % data[:80])
    untrusted = ssl.create_default_context()
    try:
        with socket.create_connection((host, port), timeout=10) as raw:
            with untrusted.wrap_socket(raw, server_hostname="localhost"):
                pass
    except ssl.SSLCertVerificationError:
        return
    raise AssertionError("a client without the test CA accepted the certificate")


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return "did not exit within 10 s of SIGTERM"
    if proc.returncode != 0:
        return "exited with %s after SIGTERM" % proc.returncode
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sim", required=True)
    ap.add_argument("--checker", required=True)
    ap.add_argument("--tls", action="store_true")
    ap.add_argument("--cert-script")
    args = ap.parse_args()

    workdir = tempfile.mkdtemp(prefix="refreshd-contract-")
    env = dict(os.environ)
    cmd = [args.sim, "--listen", "127.0.0.1:0"]
    if args.tls:
        subprocess.run(["bash", args.cert_script, workdir], check=True, timeout=60)
        cmd += ["--tls-cert", os.path.join(workdir, "server.pem"),
                "--tls-key", os.path.join(workdir, "server.key")]
        env["SSL_CERT_FILE"] = os.path.join(workdir, "ca.pem")
    stderr_path = os.path.join(workdir, "sim.stderr")
    failures = []
    with open(stderr_path, "wb") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err)
        try:
            line = read_first_line(proc, 20)
            print("simulator:", line)
            want = "https://" if args.tls else "http://"
            if not line or not line.startswith("listening on " + want):
                failures.append("unexpected first stdout line: %r" % line)
            else:
                url = line[len("listening on "):]
                port = int(url.rsplit(":", 1)[1])
                if args.tls:
                    tls_probe("127.0.0.1", port, env["SSL_CERT_FILE"])
                    print("PASS tls probe")
                result = subprocess.run([sys.executable, args.checker, url], env=env,
                                        capture_output=True, text=True, timeout=300)
                sys.stdout.write(result.stdout)
                sys.stdout.write(result.stderr)
                if result.returncode != 0 or "0 failed" not in result.stdout:
                    failures.append("contract checker failed")
        except Exception as e:  # noqa: BLE001 - report, then always stop the simulator
            failures.append("%s: %s" % (type(e).__name__, e))
        finally:
            problem = stop(proc)
            if problem:
                failures.append("simulator " + problem)
    if failures:
        with open(stderr_path, "rb") as err:
            sys.stdout.write("--- simulator stderr ---\n" + err.read().decode(errors="replace")[-4000:])
        for f in failures:
            print("FAIL", f)
    shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
