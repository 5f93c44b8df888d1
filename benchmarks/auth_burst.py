"""Auth burst benchmark: a flood of sign-in (and sign-up) attempts against a real `podium serve`.

Starts `podium serve --no-worker` on 127.0.0.1 (loopback only) with a fresh PODIUM_HOME, creates
one account, lets the server settle and reads its idle RSS. Then, for each burst, `--attempts`
requests are sent evenly over `--seconds` from `--threads` client threads: sign-in with a wrong
password for the one account (`signin`), or new accounts (`signup`). Meanwhile a probe thread
reads /api/queue every 100 ms (what other visitors feel) and a sampler reads the server's RSS
every 50 ms. Reported per burst: answers by status, the peak RSS over idle, the RSS after the
burst, and the probe's median and worst latency. Targets: 429s appear, and the peak stays under
idle + 200 MB.

    python benchmarks/auth_burst.py                  # 1,000 attempts in 10 s, sign-in then sign-up
    python benchmarks/auth_burst.py --repo /tmp/old  # the same against another checkout (a baseline)
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def start_server(repo: Path, home: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PODIUM_HOME": str(home), "PYTHONPATH": str(repo), "PODIUM_SECRET_KEY": "burst-secret"}
    env.pop("PODIUM_PLATFORM_CONFIG", None)
    env.pop("PODIUM_DB_URL", None)
    log = open(home / "serve.log", "w")
    process = subprocess.Popen([sys.executable, "-m", "podium.cli.main", "serve", "--no-worker", "--host", "127.0.0.1",
                                "--port", str(port)], cwd=repo, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"podium serve exited:\n{(home / 'serve.log').read_text()[-3000:]}")
        try:
            if httpx.get(base + "/api/boards", timeout=2).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    process.kill()
    raise RuntimeError("podium serve did not answer within 120 s")


def burst(base: str, pid: int, kind: str, attempts: int, seconds: float, threads: int) -> dict:
    statuses: collections.Counter = collections.Counter()
    probe_ms: list[float] = []
    peak = [rss_mb(pid)]
    done = threading.Event()
    start = time.monotonic()
    lock = threading.Lock()

    def sampler():
        while not done.is_set():
            peak.append(rss_mb(pid))
            time.sleep(0.05)

    def probe():
        with httpx.Client(timeout=60) as client:
            while not done.is_set():
                t0 = time.perf_counter()
                client.get(base + "/api/queue")
                probe_ms.append((time.perf_counter() - t0) * 1000)
                time.sleep(0.1)

    def attacker(index: int):
        with httpx.Client(timeout=120) as client:
            for i in range(index, attempts, threads):
                wait = start + i * seconds / attempts - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                if kind == "signin":
                    body, path = {"username": "victim", "password": f"wrong guess {i}"}, "/api/auth/login"
                else:
                    body, path = {"username": f"bot{i:05d}", "password": PASSWORD}, "/api/auth/signup"
                try:
                    status = client.post(base + path, json=body).status_code
                except httpx.HTTPError as err:
                    status = type(err).__name__
                with lock:
                    statuses[status] += 1

    helpers = [threading.Thread(target=sampler), threading.Thread(target=probe)]
    workers = [threading.Thread(target=attacker, args=(n,)) for n in range(threads)]
    for t in helpers + workers:
        t.start()
    for t in workers:
        t.join()
    elapsed = time.monotonic() - start
    done.set()
    for t in helpers:
        t.join()
    time.sleep(1.0)
    return {"kind": kind, "attempts": attempts, "elapsed_s": round(elapsed, 2),
            "statuses": {str(k): v for k, v in sorted(statuses.items(), key=lambda kv: str(kv[0]))},
            "peak_rss_mb": round(max(peak), 1), "rss_after_mb": round(rss_mb(pid), 1),
            "probe_median_ms": round(statistics.median(probe_ms), 1) if probe_ms else None,
            "probe_max_ms": round(max(probe_ms), 1) if probe_ms else None}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=REPO, help="the checkout whose `podium serve` is measured")
    parser.add_argument("--attempts", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--kinds", default="signin,signup")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if args.attempts > 5000 or args.seconds > 120:
        parser.error("keep the burst bounded: at most 5,000 attempts over at most 120 s")

    with tempfile.TemporaryDirectory(prefix="podium-burst-") as tmp:
        process, base = start_server(args.repo.resolve(), Path(tmp))
        try:
            created = httpx.post(base + "/api/auth/signup", json={"username": "victim", "password": PASSWORD})
            assert created.status_code == 201, created.text
            for _ in range(20):
                httpx.get(base + "/api/queue")
            time.sleep(2.0)
            idle = rss_mb(process.pid)
            report = {"repo": str(args.repo), "idle_rss_mb": round(idle, 1), "bursts": []}
            print(f"podium serve idle RSS: {idle:.1f} MB")
            for kind in args.kinds.split(","):
                result = burst(base, process.pid, kind, args.attempts, args.seconds, args.threads)
                result["peak_over_idle_mb"] = round(result["peak_rss_mb"] - idle, 1)
                report["bursts"].append(result)
                print(f"{kind}: {result['attempts']} attempts in {result['elapsed_s']} s -> {result['statuses']}; "
                      f"peak RSS {result['peak_rss_mb']} MB (idle + {result['peak_over_idle_mb']} MB), "
                      f"after {result['rss_after_mb']} MB; /api/queue meanwhile median {result['probe_median_ms']} ms, "
                      f"worst {result['probe_max_ms']} ms")
        finally:
            process.terminate()
            process.wait(timeout=30)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
