"""Web benchmark: API latency on a 10,000-entry board, and the board page's time to interactive.

A fresh SQLite store under a temporary PODIUM_HOME gets N synthetic finished entries on the
openllm-v2 board (workshop.synthetic). The real app is started as `podium serve --no-worker`
(uvicorn on 127.0.0.1), and then:

  * API latency: a mix of filtered, sorted, paged /api/boards/openllm-v2 queries (search with
    `;` and `@field:`, a regex, type/precision/params filters, presets, hide toggles, sort by
    tasks and metadata, raw scores, dynamic rank, pins, deep pages), each sent `--rounds` times
    in a shuffled order over one keep-alive connection; p50/p95/p99 per query and overall,
    measured at the client (so they include HTTP and JSON encoding). Targets: p95 < 50 ms.
  * the first query (snapshot build from the store) and a CSV export of the whole board;
  * time to interactive of the board page in headless Chromium: navigation start to the
    `board-ready` performance mark board.js sets once the table is rendered and wired, over
    `--tti-runs` fresh browser contexts (cold cache each). Target: < 1 s.

    python benchmarks/web.py                          # the recorded run
    python benchmarks/web.py --rows 2000 --rounds 5   # a quick look
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

QUERIES = {
    "default (average, page 1)": {},
    "search `;` alternatives": {"q": "llama; qwen"},
    "search @license: + word": {"q": "@license:apache-2.0 mistral"},
    "search regex": {"q": "^meta-llama/.*-7\\.2b"},
    "type + precision + params": {"type": "chat,fine-tuned", "precision": "bfloat16", "params_min": "3",
                                  "params_max": "14"},
    "preset official + hide 4": {"preset": "official", "hide": "merged,moe,flagged,unavailable"},
    "sort by task, raw scores": {"sort": "bbh", "order": "asc", "scores": "raw"},
    "sort by params, dynamic rank": {"sort": "params", "type": "pretrained", "rank": "dynamic"},
    "pins + filter + page 3": {"pins": "17,4242,9001", "precision": "float16", "page": "3"},
    "deep page, 200 rows": {"page": "40", "per_page": "200"},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_rows(db_url: str, rows: int) -> float:
    from podium.eval.suites import SUITES
    from podium.platform.db import make_engine, session_factory, transaction
    from podium.platform.migrate import ensure_schema
    from workshop.synthetic import add_entries

    engine = make_engine(db_url)
    ensure_schema(engine)
    started = time.perf_counter()
    with transaction(session_factory(engine)) as session:
        add_entries(session, SUITES["openllm-v2"], rows, seed=2026)
    engine.dispose()
    return time.perf_counter() - started


def start_server(home: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "PODIUM_HOME": str(home), "PODIUM_SECRET_KEY": "benchmark"}
    return subprocess.Popen([sys.executable, "-m", "podium.cli.main", "serve", "--no-worker", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_up(base: str, timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(base + "/api/boards", timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def api_latency(base: str, rounds: int) -> tuple[dict[str, list[float]], float, float]:
    import httpx

    with httpx.Client(base_url=base, timeout=60) as client:
        started = time.perf_counter()
        first = client.get("/api/boards/openllm-v2")
        first.raise_for_status()
        build = time.perf_counter() - started
        for params in QUERIES.values():  # each distinct query once: sort orders and search terms get cached
            client.get("/api/boards/openllm-v2", params=params).raise_for_status()
        plan = [name for name in QUERIES for _ in range(rounds)]
        random.Random(0).shuffle(plan)
        timings: dict[str, list[float]] = {name: [] for name in QUERIES}
        for name in plan:
            started = time.perf_counter()
            response = client.get("/api/boards/openllm-v2", params=QUERIES[name])
            timings[name].append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
        started = time.perf_counter()
        client.get("/api/boards/openllm-v2/export.csv").raise_for_status()
        csv_seconds = time.perf_counter() - started
    return timings, build, csv_seconds


def time_to_interactive(base: str, runs: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    marks = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        for _ in range(runs + 1):  # the first run warms the server's page path and is dropped
            context = browser.new_context()
            page = context.new_page()
            page.goto(base + "/board/openllm-v2")
            page.wait_for_selector("body[data-ready='1']")
            marks.append(page.evaluate("performance.getEntriesByName('board-ready')[0].startTime"))
            context.close()
        browser.close()
    return marks[1:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=30, help="times each query is sent")
    parser.add_argument("--tti-runs", type=int, default=10)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="podium-web-bench-") as tmp:
        home = Path(tmp)
        loaded = load_rows(f"sqlite:///{home / 'podium.db'}", args.rows)
        port = free_port()
        server = start_server(home, port)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_up(base)
            timings, build, csv_seconds = api_latency(base, args.rounds)
            tti = time_to_interactive(base, args.tti_runs) if Path("/usr/bin/chromium").exists() else []
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)

    everything = [t for values in timings.values() for t in values]
    print(f"# Web benchmark: {args.rows} entries, {time.strftime('%Y-%m-%d')}, {platform.node()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}\n")
    print(f"- loading {args.rows} synthetic entries into SQLite: {loaded:.1f} s")
    print(f"- first board request (snapshot built from the store): {build * 1000:.0f} ms")
    print(f"- CSV export of the whole board: {csv_seconds * 1000:.0f} ms\n")
    print("| query | p50 ms | p95 ms | p99 ms |\n| --- | ---: | ---: | ---: |")
    for name, values in timings.items():
        p50, p95, p99 = (percentile(values, q) for q in (50, 95, 99))
        print(f"| {name} | {p50:.1f} | {p95:.1f} | {p99:.1f} |")
    print(f"| **all {len(everything)} requests** | **{percentile(everything, 50):.1f}** | "
          f"**{percentile(everything, 95):.1f}** | **{percentile(everything, 99):.1f}** |\n")
    if tti:
        print(f"Time to interactive of /board/openllm-v2 (headless Chromium, {len(tti)} cold contexts): "
              f"median {statistics.median(tti):.0f} ms, p95 {percentile(tti, 95):.0f} ms, max {max(tti):.0f} ms")
    else:
        print("Time to interactive: skipped (no /usr/bin/chromium)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
