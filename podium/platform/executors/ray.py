"""The Ray executor: each claimed attempt runs as a Ray job on a cluster of GPU hosts.

Why the Jobs API rather than Ray tasks: a Ray job keeps running when the process that submitted
it goes away, so a dispatcher can die and a restarted one adopts its jobs (a task dies with its
driver); its entrypoint is a shell command, so it is exactly the `podium eval` line the local
executor runs (`worker.eval_command`), with the same exit statuses, error.json and log; and
Ray places it by the resources it asks for: the job's GPU count (`entrypoint_num_gpus`) and the
capability markers of `ray_cluster`. The job's stdout is its log: the dispatcher copies it into
the job's log (the queue page shows its tail while it runs).

Results: the evaluator writes into `<PODIUM_HOME>/runs/job-<id>/attempt-<n>/out`, so PODIUM_HOME
must be one shared folder (NFS or similar) mounted at the same path on every Ray node and every
dispatcher. The dispatcher that records the attempt publishes that folder as it does for a local
run, only with the attempt number still holding the job, so a stale attempt can never publish.
"""

from __future__ import annotations

import secrets
import shlex
import shutil
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from podium.platform import fleet, queue
from podium.platform import provenance as base_check
from podium.platform.capacity import Capabilities
from podium.platform.config import Settings
from podium.platform.db import transaction, utcnow
from podium.platform.executors import Ended
from podium.platform.executors.ray_cluster import RayCluster, RayJob, RayNode, job_resources
from podium.platform.models import Job
from podium.platform.queue import Claim
from podium.platform.reconcile import Attempt, Decision, decide, job_name, parse_name
from podium.platform.result_files import read_json
from podium.platform.supervisor import RunOutcome, tail
from podium.platform.vocab import QUANTIZED_PRECISIONS
from podium.platform.worker import eval_command, model_argument

STOP_RETRY_SECONDS = 30.0
CHECK_RC = "base_check.rc"  # "<exit status> <seconds>" of the provenance check, written by the entrypoint


def run_dir(home: Path, job_id: int, attempt: int) -> Path:
    return home / "runs" / f"job-{job_id}" / f"attempt-{attempt}"


def entrypoint(claim: Claim, settings: Settings, folder: Path) -> str:
    """The shell line of the Ray job: `podium eval`, then the provenance check where it applies
    (its verdict never fails the job; its exit status and time go to base_check.rc)."""
    line = shlex.join(eval_command(claim, settings, folder / "out", gpus=claim.gpus))  # the GPUs Ray reserves
    if base_check.skip_reason(claim, settings.provenance_check) is None:
        check = base_check.check_command(claim, settings.trace_command, model_argument(claim),
                                         folder / "base_check.json")
        limit = int(settings.provenance_time_limit_seconds)
        line += (f" && {{ s=$(date +%s); timeout {limit} {shlex.join(check)}; "
                 f"echo \"$? $(( $(date +%s) - s ))\" > {shlex.quote(str(folder / CHECK_RC))}; }}")
    return line


def check_verdict(claim: Claim, settings: Settings, folder: Path, log_tail: str) -> dict | None:
    """The provenance check's record after a successful Ray job (None when no check applied)."""
    if base_check.skip_reason(claim, settings.provenance_check) is not None:
        return None
    try:
        code, seconds = (int(x) for x in (folder / CHECK_RC).read_text().split())
    except (OSError, ValueError):
        code, seconds = 1, 0
    outcome = RunOutcome(code, code == 124, False, float(seconds))
    return base_check.verdict(claim, outcome, folder / "base_check.json", log_tail)


class RayExecutor:
    """Submits claimed attempts to a Ray cluster and reconciles the job table with it."""

    name = "ray"

    def __init__(self, factory: sessionmaker[Session], settings: Settings, cluster: RayCluster, *, home: Path,
                 worker_id: str, say: Callable[[str], None] = print):
        self.factory, self.settings, self.cluster = factory, settings, cluster
        self.home, self.worker_id, self.say = home, worker_id, say
        self.view: tuple[list[RayNode], dict[str, RayJob]] | None = None
        self.renewed: dict[str, float] = {}  # Ray job name -> when this dispatcher last renewed its lease
        self.published_at = float("-inf")
        self.stop_sent: dict[str, float] = {}  # Ray job name -> when this dispatcher asked Ray to stop it
        self.unsubmitted: set[str] = set()  # claimed here, not yet taken by Ray: no more claims meanwhile

    # What the cluster can run.

    def _view(self) -> tuple[list[RayNode], dict[str, RayJob]]:
        if self.view is None:
            self.view = (self.cluster.nodes(), self.cluster.jobs(f"{self.settings.ray_job_prefix}-job-"))
        return self.view

    def capabilities(self) -> Capabilities:
        usable = [n for n in self._view()[0] if n.usable]
        quant = tuple(sorted({q for n in usable for q in n.quantization if q in QUANTIZED_PRECISIONS}))
        return Capabilities("cuda", int(max((n.gpus for n in usable), default=0)), self.settings.gpu_memory_gb,
                            f"Ray cluster of {len(usable)} GPU node(s)", quant)

    def room(self) -> Capabilities | None:
        """The most GPUs free on one node (and the quantizations of nodes with a free GPU); None while
        any of Podium's Ray jobs waits to be placed, so the table's order stays the order of placement."""
        nodes, jobs = self._view()
        if self.unsubmitted or any(j.active and (j.status == "PENDING" or j.node_id is None) for j in jobs.values()):
            return None
        used: dict[str, float] = defaultdict(float)
        for j in jobs.values():
            if j.active:
                used[j.node_id] += j.gpus
        free = {n.node_id: n.gpus - used[n.node_id] for n in nodes if n.usable}
        best = max(free.values(), default=0.0)
        if best < 1:
            return None
        quant = {q for n in nodes if n.usable and free[n.node_id] >= 1 for q in n.quantization}
        return Capabilities("cuda", int(best), self.settings.gpu_memory_gb, "Ray cluster",
                            tuple(sorted(q for q in quant if q in QUANTIZED_PRECISIONS)))

    # Starting an attempt.

    def launch(self, claim: Claim, claimed_at: float) -> None:
        folder = run_dir(self.home, claim.job_id, claim.attempt)
        with transaction(self.factory) as session:
            if not queue.set_executor(session, claim, "ray", str(folder)):
                self.say(f"job {claim.job_id}: attempt {claim.attempt} no longer holds the job; not submitted")
                return
        shutil.rmtree(folder, ignore_errors=True)
        (folder / "out").mkdir(parents=True)
        self._submit(claim)

    def _submit(self, claim: Claim) -> None:
        """Submit the attempt as a Ray job (again, after a failure: the id makes it idempotent). A failed
        submission is retried by `reconcile` within `ray_submit_grace_seconds`, then the attempt is lost."""
        name = job_name(self.settings.ray_job_prefix, claim.job_id, claim.attempt)
        folder = run_dir(self.home, claim.job_id, claim.attempt)
        env = {"PODIUM_JOB_ID": str(claim.job_id), "PODIUM_JOB_ATTEMPT": str(claim.attempt),
               "PODIUM_WORKER_ID": self.worker_id}
        metadata = {"podium_job": str(claim.job_id), "podium_attempt": str(claim.attempt),
                    "podium_gpus": str(claim.gpus)}
        self.view = None  # the next look at the cluster must see this job
        try:
            fresh = self.cluster.submit(name, entrypoint(claim, self.settings, folder), gpus=claim.gpus,
                                        resources=job_resources(claim.precision, claim.precision in
                                                                QUANTIZED_PRECISIONS),
                                        env=env, metadata=metadata)
        except (RuntimeError, OSError) as err:
            self.unsubmitted.add(name)
            self.say(f"job {claim.job_id} (attempt {claim.attempt}): Ray did not take it ({err}); retrying")
            return
        self.unsubmitted.discard(name)
        self.renewed[name] = time.monotonic()
        self.say(f"job {claim.job_id} (attempt {claim.attempt}): {'submitted to' if fresh else 'already on'} Ray as "
                 f"{name}, {claim.gpus} GPU(s)")

    # Reconciling.

    def reconcile(self) -> list[Ended]:
        self.view = None
        nodes, jobs = self._view()
        prefix = self.settings.ray_job_prefix
        with self.factory() as session:
            attempts = [Attempt(*row) for row in session.execute(
                select(Job.id, Job.attempt, Job.lease_owner, Job.started_at)
                .where(Job.state == "running", Job.executor == "ray")).all()]
            named = {p[0] for p in (parse_name(prefix, n) for n, j in jobs.items() if j.active) if p}
            current = {i: (s, a, e) for i, s, a, e in session.execute(
                select(Job.id, Job.state, Job.attempt, Job.executor).where(Job.id.in_(named))).all()} if named else {}
        decisions = decide(attempts, jobs, nodes, current, prefix=prefix, me=self.worker_id, now=utcnow(),
                           now_ms=int(time.time() * 1000), submit_grace=self.settings.ray_submit_grace_seconds,
                           time_limit=self.settings.time_limit_seconds)
        owners = {(a.job_id, a.attempt): a.owner for a in attempts}
        kept = {d.name for d in decisions if d.action == "keep"}
        self.renewed = {n: t for n, t in self.renewed.items() if n in kept}  # others ended or moved on
        self.unsubmitted = {d.name for d in decisions if d.action == "submit"}
        self._publish_nodes(nodes, jobs)
        ended = []
        for d in decisions:
            if d.action == "submit":
                with self.factory() as session:
                    self._submit(queue.load_claim(session, d.job_id, d.attempt, self.worker_id))
            elif d.action == "keep":
                self._renew(d)
            elif d.action == "stop" and self._on_live_node(d):
                self._stop(d.name, d.reason)
            elif d.action == "lost":
                self._lost(d)
            else:
                result = self._end(d, owners.get((d.job_id, d.attempt)))
                if result is not None:
                    ended.append(result)
        return ended

    def _stop(self, name: str, reason: str) -> None:
        """Ask Ray to stop a job (stopping takes Ray a few seconds: asked again only after STOP_RETRY_SECONDS)."""
        now = time.monotonic()
        self.stop_sent = {n: t for n, t in self.stop_sent.items() if now - t < STOP_RETRY_SECONDS}
        if name in self.stop_sent:
            return
        self.stop_sent[name] = now
        self.say(f"Ray job {name}: stopping it. {reason}")
        self.cluster.stop(name)

    def _on_live_node(self, d: Decision) -> bool:
        """Is the Ray job's node alive? (Asking Ray for the log, or to stop the job, of a job on a dead or
        frozen node waits on that node; Ray fails such jobs itself.)"""
        node_id = d.ray_job.node_id if d.ray_job else None
        return node_id is None or any(n.node_id == node_id and n.alive for n in self._view()[0])

    def _log(self, d: Decision) -> str:
        """Copy the Ray job's log into the attempt's eval.log; returns its tail (what was copied last when
        the log cannot be read)."""
        path = run_dir(self.home, d.job_id, d.attempt) / "eval.log"
        if not self._on_live_node(d):
            return tail(path, self.settings.log_tail_lines)
        try:
            text = self.cluster.logs(d.name)
        except (RuntimeError, OSError):  # the node holding the log is gone: keep what we copied last
            return tail(path, self.settings.log_tail_lines)
        if path.parent.is_dir():
            path.write_text(text)
        return tail(path, self.settings.log_tail_lines)

    def _renew(self, d: Decision) -> None:
        last = self.renewed.get(d.name)
        if last is not None and time.monotonic() - last < self.settings.heartbeat_seconds:
            return
        if last is None:  # launched by another dispatcher, or by this one's previous process
            self.say(f"job {d.job_id} (attempt {d.attempt}): following its Ray job {d.name} ({d.ray_job.status})")
        self.renewed[d.name] = time.monotonic()
        folder = run_dir(self.home, d.job_id, d.attempt)
        log_tail = self._log(d)
        with transaction(self.factory) as session:
            claim = queue.load_claim(session, d.job_id, d.attempt, self.worker_id)
            queue.heartbeat(session, claim, self.settings, read_json(folder / "out" / "progress.json"),
                            log_tail=log_tail or None)

    def _lost(self, d: Decision) -> None:
        if d.ray_job is not None and d.ray_job.active and self._on_live_node(d):
            self._stop(d.name, d.reason)
        log_tail = self._log(d) if d.ray_job is not None else None
        with transaction(self.factory) as session:
            claim = queue.load_claim(session, d.job_id, d.attempt, self.worker_id)
            state = queue.fail(session, claim, "worker_lost", d.reason, log_tail or None, self.settings)
        self.renewed.pop(d.name, None)
        if state:
            self.say(f"job {d.job_id}: worker_lost: {d.reason} -> {state}")

    def _end(self, d: Decision, owner: str | None) -> Ended | None:
        """Take the ended attempt over (one dispatcher records it) and describe how it ended."""
        if d.action == "timed_out":
            self._stop(d.name, f"It ran past the time limit of {self.settings.time_limit_seconds:.0f} s.")
        recorder = f"{self.worker_id}/record-{secrets.token_hex(4)}"  # a new value, so a second CAS fails
        with transaction(self.factory) as session:
            if owner is None or not queue.take_over(session, d.job_id, d.attempt, owner, recorder):
                return None
            claim = queue.load_claim(session, d.job_id, d.attempt, self.worker_id)
        self.renewed.pop(d.name, None)
        folder = run_dir(self.home, d.job_id, d.attempt)
        log_tail = self._log(d)
        job = d.ray_job
        succeeded = job.status == "SUCCEEDED"
        code = 0 if succeeded else (job.exit_code if job.exit_code is not None else -15)
        wall = job.wall_seconds or (time.time() * 1000 - (job.start_ms or 0)) / 1000
        outcome = RunOutcome(code, d.action == "timed_out", False, wall)
        check = check_verdict(claim, self.settings, folder, log_tail) if succeeded else None
        return Ended(claim, outcome, folder, check)

    def _publish_nodes(self, nodes: list[RayNode], jobs: dict[str, RayJob]) -> None:
        """The cluster's nodes for the Workers page, at most once per heartbeat interval."""
        if time.monotonic() - self.published_at < self.settings.heartbeat_seconds:
            return
        self.published_at = time.monotonic()
        on_node: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for name, j in jobs.items():
            parsed = parse_name(self.settings.ray_job_prefix, name)
            if j.active and j.node_id and parsed:
                on_node[j.node_id].append((parsed[0], j.gpus))
        with transaction(self.factory) as session:
            fleet.record_nodes(session, self.cluster.address, nodes, on_node)
