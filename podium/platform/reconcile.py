"""The reconciler's decisions: the job table compared with the Ray cluster. Pure functions.

The database is the source of truth. Every Ray job Podium submits is named after the attempt
it runs (`<prefix>-job-<id>-attempt-<n>`), so any dispatcher, including one that restarted,
can pair the cluster's jobs with the table's rows without state of its own:

- an attempt this dispatcher claimed whose Ray job is not on the cluster yet (its submission
  failed, e.g. while the head restarts): submit it again, for up to `ray_submit_grace_seconds`;
- an attempt the table calls running on Ray whose Ray job runs: keep it (renew its lease);
  past the time limit: stop it (a timeout, as on a local worker);
- whose Ray job succeeded or failed with an exit status: it ended, the worker records it
  (a result only with its attempt number, the fencing token);
- whose Ray job is gone, was stopped outside Podium, failed without an exit status (its
  supervisor or node died) or sits on a dead node: lost, an infrastructure failure, retried
  up to the `worker_lost` attempts and then failed with the reason;
- a Ray job still pending or running whose attempt is no longer the table's running one
  (cancelled, requeued, superseded by a later attempt): stop it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from podium.platform.executors.ray_cluster import RayJob, RayNode

LOST_MESSAGES = ("supervisor actor died", "node has died", "node died", "actor died")


def job_name(prefix: str, job_id: int, attempt: int) -> str:
    return f"{prefix}-job-{job_id}-attempt-{attempt}"


def parse_name(prefix: str, name: str) -> tuple[int, int] | None:
    match = re.fullmatch(re.escape(prefix) + r"-job-(\d+)-attempt-(\d+)", name)
    return (int(match.group(1)), int(match.group(2))) if match else None


@dataclass(frozen=True)
class Attempt:
    """A job the table calls running on Ray."""

    job_id: int
    attempt: int
    owner: str | None
    started_at: datetime


@dataclass(frozen=True)
class Decision:
    action: str  # submit | keep | ended | timed_out | lost | stop
    job_id: int
    attempt: int
    name: str
    reason: str = ""
    ray_job: RayJob | None = None


def _lost_node(ray_job: RayJob, nodes: dict[str, RayNode]) -> str | None:
    if ray_job.node_id is None:
        return None
    node = nodes.get(ray_job.node_id)
    if node is not None and node.alive:
        return None
    where = f"{node.host} ({ray_job.node_id[:12]})" if node else ray_job.node_id[:12]
    return f"The Ray node {where} that ran this attempt was lost."


def _decide_attempt(a: Attempt, name: str, ray_job: RayJob | None, nodes: dict[str, RayNode], me: str,
                    now: datetime, now_ms: int, submit_grace: float, time_limit: float) -> Decision | None:
    def decision(action: str, reason: str = "") -> Decision:
        return Decision(action, a.job_id, a.attempt, name, reason, ray_job)

    if ray_job is None:
        if (now - a.started_at).total_seconds() < submit_grace:
            return decision("submit") if a.owner == me else None  # else its dispatcher is submitting it
        return decision("lost", f"The Ray job {name} of attempt {a.attempt} is not on the cluster (its dispatcher "
                                "could not submit it, stopped before it did, or the cluster was restarted).")
    if ray_job.active:
        lost = _lost_node(ray_job, nodes)
        if lost:
            return decision("lost", lost)
        if ray_job.status == "RUNNING" and ray_job.start_ms and (now_ms - ray_job.start_ms) / 1000 > time_limit:
            return decision("timed_out")
        return decision("keep")
    if ray_job.status == "SUCCEEDED":
        return decision("ended")
    if ray_job.status == "FAILED":
        died = ray_job.exit_code is None or any(m in ray_job.message.lower() for m in LOST_MESSAGES)
        if died:
            return decision("lost", _lost_node(ray_job, nodes)
                            or f"The Ray job of attempt {a.attempt} died with its supervisor: "
                               f"{ray_job.message.splitlines()[0] if ray_job.message else 'no message'}")
        return decision("ended")
    return decision("lost", f"The Ray job {name} was stopped outside Podium.")


def decide(attempts: list[Attempt], ray_jobs: dict[str, RayJob], nodes: list[RayNode],
           current: dict[int, tuple[str, int, str]], *, prefix: str, me: str, now: datetime, now_ms: int,
           submit_grace: float, time_limit: float) -> list[Decision]:
    """What to do about each running Ray attempt and each of Podium's active Ray jobs.
    `current`: job id -> (state, attempt, executor) for the jobs the active Ray jobs name; `me`: the
    deciding dispatcher's worker id."""
    by_id = {n.node_id: n for n in nodes}
    decisions = []
    for a in attempts:
        name = job_name(prefix, a.job_id, a.attempt)
        d = _decide_attempt(a, name, ray_jobs.get(name), by_id, me, now, now_ms, submit_grace, time_limit)
        if d is not None:
            decisions.append(d)
    for name, ray_job in ray_jobs.items():
        parsed = parse_name(prefix, name)
        if not ray_job.active or parsed is None:
            continue
        job_id, attempt = parsed
        state = current.get(job_id)
        if state != ("running", attempt, "ray"):
            why = ("its job is gone" if state is None else
                   f"its job is {state[0]}" if state[0] != "running" else f"attempt {state[1]} holds the job now")
            decisions.append(Decision("stop", job_id, attempt, name, f"Attempt {attempt} is superseded: {why}.",
                                      ray_job))
    return decisions
