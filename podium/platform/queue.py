"""The job queue, kept in the database: claim, lease, heartbeat, and fenced completion.

Claiming is a compare-and-set (`UPDATE ... WHERE state = 'pending'`) that also increments the
job's `attempt`; only one of several racing workers sees its update match, on SQLite and on
PostgreSQL alike. `attempt` is the fencing token: heartbeats, results and failures are written
only `WHERE attempt = <the claimed attempt> AND state = 'running'`, so a worker whose lease
expired (and whose job was claimed again) can never record anything, and a result row is
unique per job besides.

Priority (shown by `podium jobs list`): maintainer's picks first (`picks`), then more votes,
then the earlier submission, then the lower job id (`vocab.PRIORITY_FORMULA`, implemented by
`priority_order`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from podium.platform.config import Settings
from podium.platform.db import utcnow
from podium.platform.models import Job, Model, Result, Submission, Vote
from podium.platform.picks import is_picked
from podium.platform.states import require_transition
from podium.record import RunRecord, tasks_to_json, uncertainty_to_json

CLAIM_CANDIDATES = 8


def vote_count():
    """Votes of a job's submission, as a correlated subquery (usable in ORDER BY and SELECT)."""
    return (
        select(func.count(Vote.id)).where(Vote.submission_id == Job.submission_id)
        .correlate(Job).scalar_subquery()
    )


def picked():
    """Whether a job's model is a maintainer's pick (for queries that join Model)."""
    return is_picked(Model.repo_id).correlate(Model)


def priority_order() -> list:
    """Claim order; the query must join Submission and Model."""
    return [picked().desc(), vote_count().desc(), Submission.submitted_at.asc(), Job.id.asc()]


@dataclass(frozen=True)
class Claim:
    """A job held by one worker for one attempt: everything needed to run it."""

    job_id: int
    attempt: int
    worker_id: str
    repo_id: str
    source: str
    location: str
    revision: str
    precision: str
    use_chat_template: bool
    suite: str
    weight_type: str = "Original"
    base_model: str | None = None
    base_revision: str | None = None
    gpus: int = 1


def _load_claim(session: Session, job_id: int, attempt: int, worker_id: str) -> Claim:
    sub, model = session.execute(
        select(Submission, Model).join(Model).join(Job, Job.submission_id == Submission.id).where(Job.id == job_id)
    ).one()
    gpus = session.scalar(select(Job.gpus).where(Job.id == job_id))
    return Claim(job_id, attempt, worker_id, model.repo_id, model.source, model.location, model.revision,
                 model.precision, sub.use_chat_template, sub.suite, model.weight_type, model.base_model,
                 model.base_revision, gpus)


def claim_next(session: Session, worker_id: str, settings: Settings, now: datetime | None = None, *,
               runs: ColumnElement[bool] | None = None) -> Claim | None:
    """Atomically take the highest-priority pending job (among those matching `runs`, the worker's
    `workers.claimable` condition), or None when there is none."""
    now = now or utcnow()
    query = select(Job.id).join(Submission).join(Model).where(Job.state == "pending")
    candidates = session.scalars(
        (query if runs is None else query.where(runs)).order_by(*priority_order()).limit(CLAIM_CANDIDATES)
    ).all()
    for job_id in candidates:
        attempt = session.scalar(
            update(Job).where(Job.id == job_id, Job.state == "pending")
            .values(state="running", attempt=Job.attempt + 1, lease_owner=worker_id, heartbeat_at=now,
                    lease_expires_at=now + timedelta(seconds=settings.lease_seconds), started_at=now,
                    updated_at=now, progress=None)
            .returning(Job.attempt)
            .execution_options(synchronize_session=False)
        )
        if attempt is not None:
            return _load_claim(session, job_id, attempt, worker_id)
    return None


def active_jobs(session: Session) -> int:
    """Pending plus running jobs: a draining worker waits until this is 0 (leases may still expire)."""
    return session.scalar(select(func.count(Job.id)).where(Job.state.in_(("pending", "running"))))


def _fenced_update(session: Session, job_id: int, attempt: int, now: datetime, new_state: str | None = None,
                   *, expired: bool = False, owner: str | None = None, **values) -> bool:
    """Write only if this attempt still holds the job (same attempt number, still running) and,
    for the reaper (`expired`), only if its lease has still not been renewed; with `owner`, only
    if that is still the lease owner (a compare-and-set between dispatchers)."""
    if new_state:
        require_transition(job_id, "running", new_state)
        values["state"] = new_state
    conditions = [Job.id == job_id, Job.attempt == attempt, Job.state == "running"]
    if expired:
        conditions.append(Job.lease_expires_at < now)
    if owner is not None:
        conditions.append(Job.lease_owner == owner)
    result = session.execute(
        update(Job).where(*conditions)
        .values(updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def heartbeat(session: Session, claim: Claim, settings: Settings, progress: dict | None = None, *,
              run_dir: str | None = None, log_tail: str | None = None, now: datetime | None = None) -> bool:
    """Renew the lease; False means the job was taken away (cancelled, deleted or reclaimed): stop."""
    now = now or utcnow()
    values = {"heartbeat_at": now, "lease_expires_at": now + timedelta(seconds=settings.lease_seconds)}
    if progress is not None:
        values["progress"] = progress
    if run_dir is not None:
        values["run_dir"] = run_dir
    if log_tail is not None:  # an executor that streams the log while the attempt runs (Ray)
        values["log_tail"] = log_tail
    return _fenced_update(session, claim.job_id, claim.attempt, now, **values)


def complete(session: Session, claim: Claim, *, record: RunRecord, details_path: str, wall_seconds: float,
             now: datetime | None = None) -> bool:
    """Record the result of the current attempt; False (and nothing written) for a stale attempt.
    The run record's task scores and provenance go to their own columns."""
    now = now or utcnow()
    if not _fenced_update(session, claim.job_id, claim.attempt, now, "finished", finished_at=now,
                          wall_seconds=wall_seconds, lease_owner=None, lease_expires_at=None, error_class=None,
                          error_message=None, run_dir=None):
        return False
    submission_id = session.scalar(select(Job.submission_id).where(Job.id == claim.job_id))
    session.add(Result(job_id=claim.job_id, attempt=claim.attempt, submission_id=submission_id, suite=claim.suite,
                       suite_version=record.suite_version, tasks=tasks_to_json(record.tasks), average=record.average,
                       average_complete=record.average_complete, provenance=record.provenance.to_json(),
                       average_uncertainty=uncertainty_to_json(record.average_uncertainty),
                       details_path=details_path, created_at=now))
    session.flush()
    return True


def state_after_failure(error_class: str, attempt: int, settings: Settings) -> str:
    """'pending' (retry) while attempts remain for this error class, else 'failed'."""
    return "pending" if attempt < settings.attempts_for(error_class) else "failed"


def _record_failure(session: Session, job_id: int, attempt: int, error_class: str, message: str,
                    log_tail: str | None, settings: Settings, now: datetime, expired: bool = False) -> str | None:
    new_state = state_after_failure(error_class, attempt, settings)
    if new_state == "failed":
        message += f" Giving up after {attempt} attempt{'s' if attempt > 1 else ''}."
    ok = _fenced_update(session, job_id, attempt, now, new_state, expired=expired, error_class=error_class,
                        error_message=message, executor="local",  # a later claim says what runs it next
                        log_tail=log_tail, lease_owner=None, lease_expires_at=None,
                        finished_at=now if new_state == "failed" else None)
    return new_state if ok else None


def fail(session: Session, claim: Claim, error_class: str, message: str, log_tail: str | None,
         settings: Settings, now: datetime | None = None) -> str | None:
    """Record a failed attempt; returns the job's new state, or None for a stale attempt."""
    return _record_failure(session, claim.job_id, claim.attempt, error_class, message, log_tail, settings,
                           now or utcnow())


def reap_expired(session: Session, settings: Settings, now: datetime | None = None) -> list[tuple[int, str]]:
    """Jobs whose worker stopped heartbeating go back to pending (or fail when out of attempts)."""
    now = now or utcnow()
    expired = session.execute(
        select(Job.id, Job.attempt, Job.lease_owner).where(Job.state == "running", Job.lease_expires_at < now)
    ).all()
    reaped = []
    for job_id, attempt, owner in expired:
        message = (f"The worker running attempt {attempt} ({owner}) stopped renewing its lease "
                   f"(killed, crashed or cut off from the database).")
        new_state = _record_failure(session, job_id, attempt, "worker_lost", message, None, settings, now,
                                    expired=True)
        if new_state:
            reaped.append((job_id, new_state))
    return reaped


# For executors that run attempts elsewhere (Ray): any dispatcher may adopt a running attempt.

def load_claim(session: Session, job_id: int, attempt: int, worker_id: str) -> Claim:
    """The claim of an attempt, as a dispatcher that adopts it sees it."""
    return _load_claim(session, job_id, attempt, worker_id)


def set_executor(session: Session, claim: Claim, executor: str, run_dir: str, now: datetime | None = None) -> bool:
    """Mark what runs this attempt and where its files go (fenced); False when it no longer holds the job."""
    return _fenced_update(session, claim.job_id, claim.attempt, now or utcnow(), executor=executor, run_dir=run_dir)


def take_over(session: Session, job_id: int, attempt: int, seen_owner: str, new_owner: str,
              now: datetime | None = None) -> bool:
    """Become the attempt's lease owner if nobody else did since `seen_owner` was read, so of several
    dispatchers exactly one records an ended attempt."""
    return _fenced_update(session, job_id, attempt, now or utcnow(), owner=seen_owner, lease_owner=new_owner)
