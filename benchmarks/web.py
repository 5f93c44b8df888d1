"""Web benchmark: API latency on a 10,000-entry board, and the board page's time to interactive.

A fresh SQLite store under a temporary PODIUM_HOME (or, with `--db`, a fresh schema of that
PostgreSQL database, dropped afterwards) gets N synthetic finished entries on the openllm-v2
board (workshop.synthetic). The real app is started as `podium serve --no-worker` (uvicorn on
127.0.0.1; `--replicas` of them over the one store), and then:

  * API latency: a mix of filtered, sorted, paged /api/boards/openllm-v2 queries (search with
    `;` and `@field:`, a regex, type/precision/params filters, presets, hide toggles, sort by
    tasks and metadata, raw scores, dynamic rank, pins, deep pages), each sent `--rounds` times
    in a shuffled order over one keep-alive connection; p50/p95/p99 per query and overall,
    measured at the client (so they include HTTP and JSON encoding). Targets: p95 < 50 ms.
  * the first query (snapshot build from the store) and a CSV export of the whole board;
  * time to interactive of the board page in headless Chromium: navigation start to the
    `board-ready` performance mark board.js sets once the table is rendered and wired, over
    `--tti-runs` fresh browser contexts (cold cache each). Target: < 1 s.

  * with several replicas: how long a new result (a finished entry written as the worker
    writes it) and a flag take to show on every replica's board, each replica updating its
    snapshot from the change log (PostgreSQL LISTEN/NOTIFY, SQLite polling) rather than
    rebuilding it; and each replica's memory (resident set size, now and at its peak).

    python benchmarks/web.py                          # the recorded run
    python benchmarks/web.py --rows 2000 --rounds 5   # a quick look
    python benchmarks/web.py --rows 100000 --replicas 2 --tti-runs 0 \
        --db postgresql://postgres@127.0.0.1:5432/test   # the replicas run
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
import uuid
from contextlib import contextmanager
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


@contextmanager
def store(home: Path, db: str | None):
    """The benchmark's database URL: SQLite under `home`, or a fresh schema of the PostgreSQL `db`."""
    if db is None:
        yield f"sqlite:///{home / 'podium.db'}"
        return
    from sqlalchemy import text

    from podium.platform.db import make_engine

    url = db.replace("postgresql://", "postgresql+psycopg://", 1) if db.startswith("postgresql://") else db
    schema = f"podium_bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url + ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def start_server(home: Path, port: int, db_url: str) -> subprocess.Popen:
    env = {**os.environ, "PODIUM_HOME": str(home), "PODIUM_SECRET_KEY": "benchmark"}
    return subprocess.Popen([sys.executable, "-m", "podium.cli.main", "serve", "--no-worker", "--port", str(port),
                             "--db", db_url], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def memory_mib(pid: int) -> tuple[float, float]:
    """(resident now, resident at its peak) of a process, MiB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def propagation(db_url: str, bases: list[str], changes: int) -> dict[str, list[float]]:
    """Seconds from a write's commit to its showing on each replica's board: a new finished entry
    (as the worker publishes a result) and a flag on an entry, `changes` of each."""
    import httpx

    from podium.eval.suites import SUITES
    from podium.platform.db import make_engine, session_factory, transaction
    from podium.platform.models import Flag, Model, Submission
    from workshop.synthetic import add_entries

    engine = make_engine(db_url)
    factory = session_factory(engine)
    seen: dict[str, list[float]] = {"new result": [], "flag": []}
    clients = [httpx.Client(base_url=base, timeout=60) for base in bases]

    def wait(what: str, entry: int, flagged: bool) -> None:
        committed = time.perf_counter()
        for client in clients:
            while not any(r["id"] == entry and (r["flag_reason"] or not flagged) for r in client.get(
                    "/api/boards/openllm-v2", params={"pins": str(entry)}).json()["pinned"]):
                time.sleep(0.01)
            seen[what].append(time.perf_counter() - committed)

    for n in range(changes):
        with transaction(factory) as session:
            entry, = add_entries(session, SUITES["openllm-v2"], 1, seed=900_000 + n)
            repo = session.get(Model, session.get(Submission, entry).model_id).repo_id
        wait("new result", entry, False)
        with transaction(factory) as session:
            session.add(Flag(repo_id=repo, reason="benchmark flag"))
        wait("flag", entry, True)
    for client in clients:
        client.close()
    engine.dispose()
    return seen


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


def api_latency(base: str, rounds: int) -> tuple[dict[str, list[float]], float, float, dict[str, int]]:
    """Timings per query, the first request's (build) and the CSV export's seconds, and per query the
    answers refused with 422 (a regex scan over its time budget, which a loaded host can exceed)."""
    import httpx

    def sent(client, params):
        response = client.get("/api/boards/openllm-v2", params=params)
        if response.status_code != 422:
            response.raise_for_status()
        return response.status_code == 422

    with httpx.Client(base_url=base, timeout=60) as client:
        started = time.perf_counter()
        first = client.get("/api/boards/openllm-v2", timeout=900)  # builds the snapshot: minutes on a busy host
        first.raise_for_status()
        build = time.perf_counter() - started
        print(f"{base}: board built in {build:.1f} s", file=sys.stderr, flush=True)
        for params in QUERIES.values():  # each distinct query once: sort orders and search terms get cached
            sent(client, params)
        plan = [name for name in QUERIES for _ in range(rounds)]
        random.Random(0).shuffle(plan)
        timings: dict[str, list[float]] = {name: [] for name in QUERIES}
        refused = dict.fromkeys(QUERIES, 0)
        for name in plan:
            started = time.perf_counter()
            refused[name] += sent(client, QUERIES[name])
            timings[name].append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        client.get("/api/boards/openllm-v2/export.csv").raise_for_status()
        csv_seconds = time.perf_counter() - started
    return timings, build, csv_seconds, refused


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
    parser.add_argument("--rounds", type=int, default=30, help="times each query is sent (to each replica)")
    parser.add_argument("--tti-runs", type=int, default=10, help="0: skip the browser")
    parser.add_argument("--replicas", type=int, default=1, help="`podium serve` processes over the one store")
    parser.add_argument("--changes", type=int, default=5, help="new results (and flags) whose spread is timed")
    parser.add_argument("--db", help="a PostgreSQL URL (a fresh schema is made in it); default: SQLite")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="podium-web-bench-") as tmp, store(Path(tmp), args.db) as db_url:
        home = Path(tmp)
        loaded = load_rows(db_url, args.rows)
        print(f"{args.rows} entries loaded in {loaded:.1f} s", file=sys.stderr, flush=True)
        ports = [free_port() for _ in range(args.replicas)]
        servers = [start_server(home, port, db_url) for port in ports]
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        try:
            for base in bases:
                wait_up(base)
            measured = [api_latency(base, args.rounds) for base in bases]
            spread = propagation(db_url, bases, args.changes) if args.replicas > 1 else {}
            tti = (time_to_interactive(bases[0], args.tti_runs)
                   if args.tti_runs and Path("/usr/bin/chromium").exists() else [])
            memory = [memory_mib(server.pid) for server in servers]
        finally:
            for server in servers:
                server.send_signal(signal.SIGINT)
            for server in servers:
                try:
                    server.wait(timeout=60)
                except subprocess.TimeoutExpired:  # still building a board: nothing of it is needed any more
                    server.kill()
                    server.wait()

    timings = {name: [t for m in measured for t in m[0][name]] for name in QUERIES}
    everything = [t for values in timings.values() for t in values]
    backend = "PostgreSQL" if args.db else "SQLite"
    print(f"# Web benchmark: {args.rows} entries, {args.replicas} replica(s), {backend}, {time.strftime('%Y-%m-%d')}, "
          f"{platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}\n")
    print(f"- loading {args.rows} synthetic entries into {backend}: {loaded:.1f} s")
    for n, (_, build, csv_seconds, _) in enumerate(measured, 1):
        print(f"- replica {n}: first board request (snapshot built from the store) {build * 1000:.0f} ms, "
              f"CSV export of the whole board {csv_seconds * 1000:.0f} ms, memory {memory[n - 1][0]:.0f} MiB "
              f"resident ({memory[n - 1][1]:.0f} MiB peak)")
    for what, values in spread.items():
        print(f"- {what} visible on all {args.replicas} replicas' boards after: median "
              f"{statistics.median(values) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms "
              f"({args.changes} writes x {args.replicas} replicas, the later replicas counted from the same commit)")
    print("\n| query | p50 ms | p95 ms | p99 ms |\n| --- | ---: | ---: | ---: |")
    refused = {name: sum(m[3][name] for m in measured) for name in QUERIES}
    for name, values in timings.items():
        p50, p95, p99 = (percentile(values, q) for q in (50, 95, 99))
        note = f" ({refused[name]} of {len(values)} refused: 422, over the scan budget)" if refused[name] else ""
        print(f"| {name}{note} | {p50:.1f} | {p95:.1f} | {p99:.1f} |")
    print(f"| **all {len(everything)} requests** | **{percentile(everything, 50):.1f}** | "
          f"**{percentile(everything, 95):.1f}** | **{percentile(everything, 99):.1f}** |")
    answered = [t for name, values in timings.items() if not refused[name] for t in values]
    if len(answered) < len(everything):
        print(f"| all {len(answered)} requests of the queries never refused | {percentile(answered, 50):.1f} | "
              f"{percentile(answered, 95):.1f} | {percentile(answered, 99):.1f} |")
    print()
    if tti:
        print(f"Time to interactive of /board/openllm-v2 (headless Chromium, {len(tti)} cold contexts): "
              f"median {statistics.median(tti):.0f} ms, p95 {percentile(tti, 95):.0f} ms, max {max(tti):.0f} ms")
    else:
        print("Time to interactive: skipped (--tti-runs 0 or no /usr/bin/chromium)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
