"""Fuzzing the JSON API through its own OpenAPI document with schemathesis, against a live server.

A fresh PODIUM_HOME gets a SQLite store with synthetic finished entries (openllm-v2 and ko-h5,
so boards, entries, comparisons and queue answer with data), a user with an API token and an
operator. `podium serve --no-worker` starts on 127.0.0.1 (a free port, the Hub switched off),
and schemathesis runs twice from /openapi.json: as an anonymous visitor and signed in (the
user's bearer token). Every response is checked: no 5xx (`not_a_server_error`), status,
content type, headers and body as documented (`status_code_conformance`,
`content_type_conformance`, `response_headers_conformance`, `response_schema_conformance`),
and bad input refused (`negative_data_rejection`). Requests are counted from schemathesis's HAR
report. Bounded by `--max-examples` per operation and phase (and `--timeout` per run); with
`--max-time`, schemathesis keeps fuzzing until that budget is spent. Loopback only.
The signed-in run skips DELETE /api/tokens/{token_id}, which would revoke its own token
(the anonymous run covers that route).

    python benchmarks/fuzz_api.py                    # the recorded run (>= 2,000 requests)
    python benchmarks/fuzz_api.py --max-examples 10  # a quick look

Exit status 0 only when both runs found nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance", "response_headers_conformance",
          "response_schema_conformance", "negative_data_rejection")
PASSWORD = "fuzzing password 1"
PHASES = "examples,coverage,fuzzing"
REVOKE_OWN_TOKEN = "revoke_token_api_tokens__token_id__delete"


@dataclass(frozen=True)
class RunFigures:
    who: str
    requests: int
    server_errors: int
    failures: int
    seconds: float
    exit_code: int
    statuses: dict[str, int]
    report: str

    def line(self) -> str:
        return (f"{self.who}: {self.requests} requests in {self.seconds:.0f} s, {self.server_errors} x 5xx, "
                f"{self.failures} check failures (schemathesis exit {self.exit_code}); statuses {self.statuses}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed_store(db_url: str, entries: int) -> str:
    """Synthetic entries, a user with an API token and an operator; returns the user's token."""
    from podium.eval.suites import SUITES
    from podium.platform.db import make_engine, session_factory, transaction
    from podium.platform.identity import Actor
    from podium.platform.migrate import ensure_schema
    from podium.platform.models import User
    from podium.web.auth import tokens
    from podium.web.auth.passwords import hash_password
    from workshop.synthetic import add_entries

    engine = make_engine(db_url)
    ensure_schema(engine)
    factory = session_factory(engine)
    with transaction(factory) as session:
        add_entries(session, SUITES["openllm-v2"], entries, seed=7)
        add_entries(session, SUITES["ko-h5"], max(2, entries // 10), seed=8)
        for name, role in (("fuzzer", "user"), ("fuzz-operator", "operator")):
            session.add(User(username=name, password_hash=hash_password(PASSWORD), role=role))
    with transaction(factory) as session:
        user = session.query(User).filter_by(username="fuzzer").one()
        _, token = tokens.create_token(session, Actor.of(user), "fuzzing")
    engine.dispose()
    return token


def start_server(home: Path, port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "PODIUM_HOME": str(home), "PODIUM_MODELS_ROOT": str(home / "models"),
           "PODIUM_SECRET_KEY": "fuzzing", "HF_HUB_OFFLINE": "1", "PODIUM_DATA_DIR": "none"}
    return subprocess.Popen([sys.executable, "-m", "podium.cli.main", "serve", "--no-worker", "--host", "127.0.0.1",
                             "--port", str(port)], env=env, cwd=home, stdout=open(log, "w"), stderr=subprocess.STDOUT)


def wait_up(base: str, server: subprocess.Popen, timeout: float = 90) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"podium serve exited with {server.returncode}")
        try:
            if httpx.get(base + "/openapi.json", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("podium serve did not answer in time")


def fuzz(base: str, who: str, out: Path, *, token: str | None, max_examples: int, max_time: int | None, seed: int,
         phases: str, timeout: float) -> RunFigures:
    har = out / f"{who}.har"
    command = [sys.executable, "-m", "schemathesis.cli", "run", f"{base}/openapi.json", "--url", base,
               "--checks", ",".join(CHECKS), "--max-examples", str(max_examples),
               "--seed", str(seed), "--workers", "1", "--request-timeout", "30", "--continue-on-failure",
               "--phases", phases, "--suppress-health-check", "all",
               "--report-har-path", str(har), "--output-truncate", "true", "--report", "har,json",
               "--report-json-path", str(out / f"{who}.json")]
    if max_time:  # schemathesis then repeats fuzzing until the budget is spent
        command += ["--max-time", str(max_time)]
    if token:
        command += ["-H", f"Authorization: Bearer {token}", "--exclude-operation-id", REVOKE_OWN_TOKEN]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, cwd=out, timeout=timeout)
    seconds = time.monotonic() - started
    (out / f"{who}.log").write_text(done.stdout + done.stderr)
    if not har.exists():
        raise SystemExit(f"schemathesis wrote no report (exit {done.returncode}):\n"
                         f"{done.stdout[-3000:]}{done.stderr[-3000:]}")
    entries = json.loads(har.read_text())["log"]["entries"]
    report = json.loads((out / f"{who}.json").read_text())
    statuses: dict[str, int] = {}
    for entry in entries:
        key = str(entry["response"]["status"])
        statuses[key] = statuses.get(key, 0) + 1
    server_errors = sum(n for status, n in statuses.items() if status.startswith("5"))
    failures = sum(f["count"] for f in report["failures"]) + len(report["errors"])
    return RunFigures(who, len(entries), server_errors, failures, seconds, done.returncode,
                      dict(sorted(statuses.items())), done.stdout[-6000:])


def run_fuzz(home: Path, *, max_examples: int, entries: int, seed: int, phases: str = PHASES,
             max_time: int | None = None, timeout: float = 1200) -> list[RunFigures]:
    """Seed a store in `home`, serve it on a loopback port, fuzz it anonymously and signed in."""
    token = seed_store(f"sqlite:///{home / 'podium.db'}", entries)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(home, port, home / "serve.log")
    try:
        wait_up(base, server)
        return [fuzz(base, who, home, token=tok, max_examples=max_examples, max_time=max_time, seed=seed, phases=phases,
                     timeout=timeout) for who, tok in (("anonymous", None), ("signed-in", token))]
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-examples", type=int, default=50, help="generated cases per operation and phase")
    parser.add_argument("--max-time", type=int, default=None,
                        help="seconds per run to keep fuzzing for (default: stop after --max-examples)")
    parser.add_argument("--timeout", type=float, default=1200, help="hard limit per run, in seconds")
    parser.add_argument("--entries", type=int, default=200, help="synthetic openllm-v2 entries")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--phases", default=PHASES, help="schemathesis phases (examples, coverage, fuzzing)")
    parser.add_argument("--keep", action="store_true", help="keep the home folder with the reports and server log")
    args = parser.parse_args(argv)

    home = Path(tempfile.mkdtemp(prefix="podium-fuzz-"))
    runs = run_fuzz(home, max_examples=args.max_examples, entries=args.entries, seed=args.seed, phases=args.phases,
                    max_time=args.max_time, timeout=args.timeout)
    for run in runs:
        if run.failures or run.server_errors or run.exit_code:
            print(run.report)
        print(run.line())
    total = sum(r.requests for r in runs)
    print(f"total: {total} requests, {sum(r.server_errors for r in runs)} x 5xx, "
          f"{sum(r.failures for r in runs)} check failures; reports and server log in {home}"
          + ("" if args.keep else " (removed)"))
    if not args.keep:
        import shutil

        shutil.rmtree(home, ignore_errors=True)
    return 0 if all(r.exit_code == 0 and not r.server_errors and not r.failures for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
