"""Looking at and steering jobs: list (in priority order), inspect, cancel, requeue.

Cancelling a running job only changes its row; the worker notices at its next heartbeat
(the fenced update no longer matches) and stops the evaluation. Requeueing never revives a
job: it creates a new `rerun` job pointing back to the old one, so each job ends once.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from podium.platform.config import Settings
from podium.platform.db import utcnow
from podium.platform.errors import Conflict, Forbidden, NotFound
from podium.platform.identity import Actor
from podium.platform.models import Job, Model, Result, Submission
from podium.platform.queue import picked, priority_order, vote_count
from podium.platform.states import ACTIVE, TERMINAL, require_transition
from podium.platform.submission import check_quota


@dataclass(frozen=True)
class JobSummary:
    id: int
    state: str
    kind: str
    attempt: int
    repo_id: str
    revision: str
    precision: str
    use_chat_template: bool
    suite: str
    votes: int
    picked: bool  # a maintainer's pick: runs before the others
    submitted_at: datetime
    submitter_id: int | None
    queue_position: int | None  # 1 = next to run, for pending jobs
    progress: dict | None
    error_class: str | None
    gpus: int

    def as_dict(self) -> dict:
        return asdict(self)


def list_jobs(session: Session, *, states: list[str] | None = None, submitter_id: int | None = None,
              limit: int = 100) -> list[JobSummary]:
    """Jobs in claim order (pending first, by priority), then the others, newest first."""
    votes = vote_count().label("votes")
    query = (select(Job, Submission, Model, votes, picked().label("picked"))
             .join(Submission, Job.submission_id == Submission.id).join(Model))
    if states:
        query = query.where(Job.state.in_(states))
    if submitter_id is not None:
        query = query.where(Submission.submitter_id == submitter_id)
    pending = session.execute(query.where(Job.state == "pending").order_by(*priority_order()).limit(limit)).all()
    others = session.execute(query.where(Job.state != "pending").order_by(Job.id.desc()).limit(limit)).all()
    rows = [(row, i + 1) for i, row in enumerate(pending)] + [(row, None) for row in others]
    return [
        JobSummary(job.id, job.state, job.kind, job.attempt, model.repo_id, model.revision, model.precision,
                   sub.use_chat_template, sub.suite, n_votes, bool(is_pick), sub.submitted_at, sub.submitter_id,
                   position, job.progress, job.error_class, job.gpus)
        for (job, sub, model, n_votes, is_pick), position in rows[:limit]
    ]


def _job(session: Session, job_id: int, *, lock: bool = False) -> Job:
    job = session.get(Job, job_id, with_for_update=lock)
    if job is None:
        raise NotFound(f"There is no job #{job_id}.")
    return job


def inspect_job(session: Session, job_id: int) -> dict:
    """Everything about one job, for `podium jobs inspect` and the web's job page."""
    job = _job(session, job_id)
    sub, model = job.submission, job.submission.model
    result = session.scalar(select(Result).where(Result.job_id == job_id))
    return {
        "job": {c.name: getattr(job, c.name) for c in Job.__table__.columns},
        "submission": {c.name: getattr(sub, c.name) for c in Submission.__table__.columns},
        "model": {c.name: getattr(model, c.name) for c in Model.__table__.columns},
        "result": None if result is None else {
            "average": result.average, "tasks": result.tasks, "details_path": result.details_path,
            "attempt": result.attempt, "created_at": result.created_at,
        },
    }


def cancel_job(session: Session, job_id: int, actor: Actor) -> None:
    """Operators may cancel any job; submitters their own pending or running ones."""
    job = _job(session, job_id, lock=True)
    if not actor.is_operator and job.submission.submitter_id != actor.id:
        raise Forbidden(f"Only an operator or the submitter may cancel job #{job_id}.")
    require_transition(job_id, job.state, "cancelled")
    now = utcnow()
    done = session.execute(
        update(Job).where(Job.id == job_id, Job.state == job.state, Job.attempt == job.attempt)
        .values(state="cancelled", finished_at=now, updated_at=now, lease_owner=None, lease_expires_at=None,
                error_class="cancelled", error_message=f"Cancelled by {actor.username}.")
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        raise Conflict(f"Job #{job_id} changed state while being cancelled; look at it again.")
    session.expire(job)


def may_requeue(state: str, submitter_id: int | None, actor: Actor | None) -> bool:
    """Operators may rerun any ended job; a submitter may retry their own failed or cancelled one."""
    if actor is None or state not in TERMINAL:
        return False
    return actor.is_operator or (submitter_id == actor.id and state in ("failed", "cancelled"))


def requeue_job(session: Session, job_id: int, actor: Actor, settings: Settings) -> int:
    """Run a finished, failed or cancelled job's submission again, as a new job; returns its id.
    A submitter's requeue is another evaluation and counts against the organisation's quota."""
    job = _job(session, job_id)
    if job.state in TERMINAL and not may_requeue(job.state, job.submission.submitter_id, actor):
        raise Forbidden(f"Only an operator, or the submitter of a failed or cancelled job, may requeue job #{job_id}.")
    if job.state not in TERMINAL:
        raise Conflict(f"Job #{job_id} is still {job.state}; cancel it first or wait for it to end.")
    active = session.scalar(select(Job.id).where(Job.submission_id == job.submission_id, Job.state.in_(ACTIVE)))
    if active:
        raise Conflict(f"Submission #{job.submission_id} already has job #{active} queued or running.")
    now = utcnow()
    check_quota(session, job.submission.model.org, settings, now, actor)
    rerun = Job(submission_id=job.submission_id, state="pending", kind="rerun", rerun_of_id=job.id,
                requested_by_id=actor.id, created_at=now, updated_at=now, gpus=job.gpus)
    session.add(rerun)
    session.flush()
    return rerun.id
