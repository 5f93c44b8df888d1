"""The harness of `benchmarks/scale_out.py`: queue jobs, run dispatchers, watch Ray and the
database, check the outcome, and a throwaway PostgreSQL server for the outage promise (P6)."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update

from podium.platform.config import Settings
from podium.platform.db import make_engine, session_factory
from podium.platform.executors.ray_cluster import RayCluster
from podium.platform.migrate import ensure_schema
from podium.platform.models import Job, Result
from podium.platform.reconcile import parse_name
from support.db import FAKE_EVAL, REPO_ROOT, Db, enqueue, fast_settings, user, write_settings_file
from support.models import copy_model, make_corrupt, make_fake_eval
from support.ray_cluster import LocalRay

TERMINAL = ("finished", "failed", "cancelled")


class Bench:
    """One promise run: its database, shared PODIUM_HOME, settings file and Ray job prefix."""

    @staticmethod
    def prepare_environment(args, tmp: Path) -> None:
        """What the Ray nodes inherit, set before the cluster starts: this checkout first on the
        path, the model mirror (demo models built into it for the real evaluator)."""
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
        os.environ["PODIUM_MODELS_ROOT"] = str(tmp / "models")
        (tmp / "models").mkdir(parents=True, exist_ok=True)
        if args.evaluator == "real":
            from podium import paths
            from podium.engine.demo import build_demo_models

            Bench.demo = build_demo_models(tmp / "models", data=paths.data_dir())["podium-demo/gpt2-tiny"]

    def __init__(self, args, ray: LocalRay, db: Db, folder: Path, name: str, postgres=None):
        self.args, self.ray, self.db, self.postgres = args, ray, db, postgres
        self.run_seconds = args.run_seconds
        self.home, self.folder = folder / "home", folder
        self.home.mkdir()
        self.prefix = f"{name.lower()}{secrets.token_hex(3)}"
        self.cluster = RayCluster(ray.dashboard)
        self.models = Path(os.environ["PODIUM_MODELS_ROOT"]) / f"bench-{self.prefix}"
        self.actor = user(db, "bench", "operator")
        self.count = 0
        self.configure()

    def configure(self, **overrides) -> None:
        values = dict(heartbeat_seconds=1.0, poll_seconds=0.5, lease_seconds=30.0, ray_lease_seconds=300.0,
                      ray_job_prefix=self.prefix, time_limit_seconds=900.0)
        if self.args.evaluator == "real":
            from podium import paths

            values.update(eval_command=[sys.executable, "-m", "podium.cli.main", "eval"], eval_limit=1,
                          eval_extra_args=["--tasks", "arc_challenge", "--data-dir", str(paths.data_dir())])
        self.settings: Settings = fast_settings(**{**values, **overrides})
        write_settings_file(self.folder / "platform.yaml", self.settings)

    def queue_jobs(self, n: int, seconds: float = 3.0, bad: bool = False) -> list[int]:
        ids = []
        for _ in range(n):
            self.count += 1
            repo_id = f"bench-{self.prefix}/m{self.count}"
            folder = self.models / f"m{self.count}"
            if self.args.evaluator == "real":
                copy_model(Bench.demo, self.models.parent, repo_id)
            else:
                folder.mkdir(parents=True)
                (folder / "model.safetensors").write_bytes(b"\x02\0\0\0\0\0\0\0{}")  # empty, valid
                make_fake_eval(folder, "ok", seconds)
            if bad:
                make_corrupt(folder) if self.args.evaluator == "real" else \
                    (folder / "model.safetensors").write_bytes(b"\xff" * 16)
            ids.append(enqueue(self.db, folder, repo_id, self.actor, self.settings).job_id)
        return ids

    def set_gpus(self, gpus: dict[int, int]) -> None:
        with self.db.factory() as s, s.begin():
            for job_id, count in gpus.items():
                s.execute(update(Job).where(Job.id == job_id).values(gpus=count))

    def dispatcher(self) -> subprocess.Popen:
        command = [sys.executable, "-m", "podium.cli.main", "worker", "--db", self.db.url, "--config",
                   str(self.folder / "platform.yaml"), "--executor", "ray", "--ray-address", self.ray.dashboard]
        if self.args.evaluator != "real":
            command += ["--eval-command", f"{sys.executable} {FAKE_EVAL}"]
        with open(self.folder / "dispatcher.log", "ab") as log:
            return subprocess.Popen(command, cwd=REPO_ROOT, env={**os.environ, "PODIUM_HOME": str(self.home)},
                                    stdout=log, stderr=subprocess.STDOUT)

    def stop(self, proc: subprocess.Popen) -> dict:
        proc.terminate()
        proc.wait(timeout=60)
        left = [n for n, j in self.ray_jobs().items() if j.active]
        requeues = [line for line in self.log_text().splitlines() if line.endswith("-> pending")]
        if self.args.logs:
            self.args.logs.mkdir(parents=True, exist_ok=True)
            shutil.copy(self.folder / "dispatcher.log", self.args.logs / f"{self.prefix}-{self.db.backend}.log")
        return {"ray_jobs_left_running": len(left), "requeues_logged": len(requeues),
                "requeue_reasons": sorted({line.split(": ", 1)[-1][:160] for line in requeues})[:4]} | (
            {"problems": [f"Ray jobs left running: {left}"]} if left else {})

    def log_text(self) -> str:
        return (self.folder / "dispatcher.log").read_text(errors="replace")

    def ray_jobs(self) -> dict:
        return self.cluster.jobs(f"{self.prefix}-job-")

    def ray_job_count(self, job_id: int) -> int:
        return sum(1 for n in self.ray_jobs() if (parse_name(self.prefix, n) or (0,))[0] == job_id)

    def row(self, job_id: int) -> tuple[str, int]:
        with self.db.factory() as s:
            return tuple(s.execute(select(Job.state, Job.attempt).where(Job.id == job_id)).one())

    def error_class(self, job_id: int) -> str | None:
        with self.db.factory() as s:
            return s.scalar(select(Job.error_class).where(Job.id == job_id))

    def running_on_nodes(self) -> dict[str, list[tuple[int, int]]]:
        """Live node id -> (job id, attempt) of every active Ray job there, all of them running the table's
        current attempt; empty while any job is still being placed or started (it could be on any node)."""
        live = {n.node_id for n in self.ray.nodes()}
        found: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for name, j in self.ray_jobs().items():
            parsed = parse_name(self.prefix, name)
            if not j.active or parsed is None:
                continue
            if j.status != "RUNNING" or j.node_id is None or self.row(parsed[0]) != ("running", parsed[1]):
                return {}
            if j.node_id in live:
                found[j.node_id].append(parsed)
        return found

    def victim(self, wanted, timeout: float) -> tuple[str, list[tuple[int, int]]] | None:
        """A live node running at least one job, every one of them `wanted` (job id -> bool)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for node_id, running in self.running_on_nodes().items():
                if all(wanted(job_id) for job_id, _ in running):
                    return node_id, running
            time.sleep(0.3)
        return None

    @staticmethod
    def wait(predicate, timeout: float, interval: float = 0.5) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(interval)
        return bool(predicate())

    def wait_ended(self, jobs: list[int], timeout: float) -> bool:
        return self.wait(lambda: all(self.row(j)[0] in TERMINAL for j in jobs), timeout)

    def check_finished(self, jobs: list[int]) -> dict:
        """Every job finished with exactly one result, of its current attempt, and one result folder."""
        problems = []
        with self.db.factory() as s:
            for job_id in jobs:
                job = s.get(Job, job_id)
                results = list(s.scalars(select(Result).where(Result.job_id == job_id)))
                folders = sorted(p.name for p in (self.home / "results" / f"job-{job_id}").glob("attempt-*"))
                if job.state != "finished":
                    problems.append(f"job {job_id} is {job.state} ({job.error_class}: {job.error_message})")
                elif len(results) != 1 or results[0].attempt != job.attempt or folders != [f"attempt-{job.attempt}"]:
                    problems.append(f"job {job_id}: results {[r.attempt for r in results]}, folders {folders}")
            states = [s.get(Job, j).state for j in jobs]
        return {"finished": states.count("finished"), "stuck": sum(st in ("pending", "running") for st in states),
                "lost": sum(st in ("failed", "cancelled") for st in states), "problems": problems}

    def sample_placement(self, done, timeout: float) -> dict:
        """Peak GPUs of running jobs per node, sampled from Ray's job list every 0.25 s until `done`."""
        peak: dict[str, float] = defaultdict(float)
        over = samples = 0
        deadline = time.monotonic() + timeout
        while not done() and time.monotonic() < deadline:
            used: dict[str, float] = defaultdict(float)
            for j in self.ray_jobs().values():
                if j.status == "RUNNING" and j.node_id:
                    used[j.node_id] += j.gpus
            samples += 1
            for node_id, gpus in used.items():
                peak[node_id] = max(peak[node_id], gpus)
                over += gpus > self.ray.gpus_of.get(node_id, 0)
            time.sleep(0.25)
        return {"samples": samples, "oversubscribed_samples": over,
                "peak_vs_capacity": sorted((peak[n], self.ray.gpus_of[n]) for n in peak)}

    @staticmethod
    def spread(values: list[float]) -> dict | None:
        if not values:
            return None
        return {"min": min(values), "median": round(statistics.median(values), 2), "max": max(values)}


@dataclass
class ThrowawayPostgres:
    data: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", "pg_ctl", "-D", str(self.data), "-w", *args],
                       check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self._ctl("-o", f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1",
                  "-l", str(self.data / "server.log"), "start")

    def stop(self) -> None:
        self._ctl("-m", "fast", "stop")

    def db(self) -> Db:
        engine = make_engine(self.url)
        ensure_schema(engine)
        return Db(self.url, engine, session_factory(engine))


@contextlib.contextmanager
def throwaway_postgres(folder: Path):
    """A PostgreSQL server of its own on another port (never the shared one), or why there is none."""
    if not (shutil.which("initdb") and shutil.which("pg_ctl") and shutil.which("runuser")):
        yield "initdb, pg_ctl or runuser is not installed"
        return
    root = Path(tempfile.mkdtemp(prefix="podium-pg-"))
    root.chmod(0o777)
    data = root / "data"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThrowawayPostgres(data, port)
    try:
        made = subprocess.run(["runuser", "-u", "postgres", "--", "initdb", "-D", str(data), "-A", "trust",
                               "-U", "postgres"], capture_output=True, text=True, timeout=300)
        if made.returncode != 0:
            yield f"initdb failed: {made.stderr.strip()[-300:]}"
            return
        server.start()
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            server.stop()
        shutil.rmtree(root, ignore_errors=True)

