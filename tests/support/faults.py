"""Fault injection shared by the worker tests and `benchmarks/worker_faults.py`.

`kill_scenario` queues jobs for the stand-in evaluator, then repeatedly starts a
`podium worker` process and kills it with SIGKILL in the middle of a job, and finally lets
one worker drain the queue. `drain_scenario` runs several workers at once. Both check the
outcome from the database, the result folders and the evaluator's start/end events:
every job finished exactly once with exactly one result, nothing lost, nothing duplicated,
no evaluation left running.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from podium.platform.config import Settings
from podium.platform.models import Job, Result
from support.db import Db, enqueue, spawn_worker, user, write_settings_file
from support.models import make_fake_eval


def read_events(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped by init counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_for(predicate, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


@dataclass
class Report:
    jobs: int
    kills: int = 0
    workers: int = 0
    problems: list[str] = field(default_factory=list)
    orphans: int = 0
    reclaim_seconds: list[float] = field(default_factory=list)
    attempts: Counter = field(default_factory=Counter)
    runs_per_worker: Counter = field(default_factory=Counter)
    wall_seconds: float = 0.0


class Scenario:
    """A database, a home folder and N queued jobs whose evaluations log start/end events."""

    def __init__(self, db: Db, home: Path, settings: Settings, jobs: int, run_seconds: float):
        self.db, self.home, self.settings = db, home, settings
        self.events = home / "events.jsonl"
        self.config = write_settings_file(home / "platform.yaml", settings)
        alice = user(db)
        self.job_ids = []
        for i in range(jobs):
            folder = home / "models" / "acme" / f"steady-{i}"
            folder.mkdir(parents=True)
            (folder / "model.safetensors").write_bytes(b"\x02\0\0\0\0\0\0\0{}")  # empty, valid
            make_fake_eval(folder, "ok", run_seconds)
            self.job_ids.append(enqueue(db, folder, f"acme/steady-{i}", alice, settings).job_id)
        self.report = Report(jobs=jobs)
        self.killed: list[dict] = []  # start events of the runs whose worker was killed

    def spawn(self, *args: str):
        self.report.workers += 1
        return spawn_worker(self.db, self.home, self.config, self.home / "workers.log", *args,
                            env={"FAKE_EVAL_EVENTS": str(self.events)})

    def starts(self) -> list[dict]:
        return [e for e in read_events(self.events) if e["event"] == "start"]

    def kill_mid_job(self, rng: random.Random, timeout: float = 60) -> None:
        """Start a worker, wait until it runs a job, SIGKILL the worker, check no orphan is left.

        A job is killed at most twice: its third attempt is its last (infrastructure failures get
        3 attempts), and a job failed by three kills would be the retry bound working, not a loss.
        """
        seen = len(self.starts())
        proc = self.spawn()
        while True:
            if not wait_for(lambda seen=seen: len(self.starts()) > seen, timeout):
                proc.kill()
                self.report.problems.append("no job started within the timeout")
                return
            started = self.starts()[seen]
            if sum(k["job"] == started["job"] for k in self.killed) < 2:
                break
            seen += 1  # let this one finish; kill during the worker's next job
        time.sleep(rng.uniform(0.1, 0.6))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        self.report.kills += 1
        if not wait_for(lambda: not alive(started["pid"]), 5):
            self.report.orphans += 1
            os.kill(started["pid"], signal.SIGKILL)
        started["killed_at"] = time.time()
        self.killed.append(started)

    def run_kills(self, kills: int, seed: int = 0) -> Report:
        """`kills` workers SIGKILLed mid-job, then one worker drains the queue."""
        rng, t0 = random.Random(seed), time.monotonic()
        for _ in range(kills):
            self.kill_mid_job(rng)
        self._drain(1)
        events = read_events(self.events)
        for killed in self.killed:
            later = [e["t"] for e in events if e["event"] == "start" and e["job"] == killed["job"]
                     and int(e["attempt"]) > int(killed["attempt"])]
            if later:
                self.report.reclaim_seconds.append(min(later) - killed["killed_at"])
        self.report.wall_seconds = time.monotonic() - t0
        return self.check()

    def run_drain(self, workers: int) -> Report:
        """`workers` workers started together drain the queue."""
        t0 = time.monotonic()
        self._drain(workers)
        self.report.wall_seconds = time.monotonic() - t0
        return self.check()

    def _drain(self, workers: int, timeout: float = 240) -> None:
        procs = [self.spawn("--until-empty") for _ in range(workers)]
        deadline = time.monotonic() + timeout
        for proc in procs:
            try:
                proc.wait(timeout=max(1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                self.report.problems.append(f"worker {proc.pid} did not finish within {timeout}s")

    def check(self) -> Report:
        """Every job finished exactly once, with one result of its current attempt, one folder."""
        with self.db.factory() as session:
            jobs = {j.id: j for j in session.scalars(select(Job).where(Job.id.in_(self.job_ids)))}
            results = defaultdict(list)
            for r in session.scalars(select(Result)):
                results[r.job_id].append(r)
        problems = self.report.problems
        for job_id in self.job_ids:
            job, rows = jobs[job_id], results.get(job_id, [])
            self.report.attempts[job.attempt] += 1
            if job.state != "finished":
                problems.append(f"job {job_id} ended {job.state} ({job.error_class}: {job.error_message})")
            if len(rows) != 1 or rows[0].attempt != job.attempt:
                problems.append(f"job {job_id} has results {[(r.id, r.attempt) for r in rows]} (attempt {job.attempt})")
            folders = sorted(p.name for p in (self.home / "results" / f"job-{job_id}").glob("attempt-*"))
            if folders != [f"attempt-{job.attempt}"]:
                problems.append(f"job {job_id} has result folders {folders}")
        events = read_events(self.events)
        for e in events:
            if e["event"] == "end":
                self.report.runs_per_worker[e.get("worker")] += 1
        self._check_no_overlap(events)
        return self.report

    def _check_no_overlap(self, events: list[dict]) -> None:
        """No two runs of one job overlap in time (a killed run ends when it was killed)."""
        spans = defaultdict(list)
        ends = {(e["job"], e["attempt"]): e["t"] for e in events if e["event"] == "end"}
        killed = {(k["job"], k["attempt"]): k["killed_at"] for k in self.killed}
        for e in events:
            if e["event"] == "start":
                key = (e["job"], e["attempt"])
                spans[e["job"]].append((e["t"], ends.get(key) or killed.get(key) or float("inf"), e["attempt"]))
        for job, runs in spans.items():
            runs.sort()
            if len({a for _, _, a in runs}) != len(runs):
                self.report.problems.append(f"job {job} ran twice under one attempt number: {runs}")
            for (_, e1, _), (s2, _, _) in zip(runs, runs[1:]):
                if s2 < e1:
                    self.report.problems.append(f"job {job} ran twice at the same time: {runs}")
