"""The queue page's data: running (progress, ETA), pending (position, votes, wait), finished and
failed (reason, and the log tail for the job's submitter and operators), with what the caller may do.
Every row goes through the visibility rule (`podium.web.visibility`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from podium.platform.db import utcnow
from podium.platform.identity import Actor
from podium.platform.job_ops import JobSummary, list_jobs, may_requeue
from podium.platform.models import Job, Vote
from podium.web.visibility import job_view, sight

SECTIONS = ("running", "pending", "failed", "finished", "cancelled")
PER_SECTION = 100


def _permissions(job: JobSummary, actor: Actor | None) -> dict:
    owner = actor is not None and (actor.is_operator or job.submitter_id == actor.id)
    return {"can_cancel": owner and job.state in ("pending", "running"),
            "can_requeue": may_requeue(job.state, job.submitter_id, actor),
            "can_vote": actor is not None and job.state == "pending" and job.submitter_id != actor.id}


def job_json(job: JobSummary, extra: dict, voted: set[int], actor: Actor | None, now) -> dict:
    progress = job.progress or {}
    return job_view({
        "id": job.id, "state": job.state, "kind": job.kind, "attempt": job.attempt, "model": job.repo_id,
        "revision": job.revision, "precision": job.precision, "gpus": job.gpus, "chat_template": job.use_chat_template,
        "suite": job.suite, "votes": job.votes, "picked": job.picked, "position": job.queue_position,
        "submitted_at": job.submitted_at, "waiting_seconds": (now - job.submitted_at).total_seconds(),
        "entry": extra.get("submission_id"), "progress": progress or None, "eta_seconds": progress.get("eta_seconds"),
        "error_class": job.error_class, "error_message": extra.get("error_message"), "log_tail": extra.get("log_tail"),
        "voted": extra.get("submission_id") in voted, **_permissions(job, actor),
    }, sight(actor, job.submitter_id))


def queue(session: Session, actor: Actor | None, *, per_section: int = PER_SECTION) -> dict[str, list[dict]]:
    now = utcnow()
    groups: dict[str, list[dict]] = {}
    for section in SECTIONS:
        jobs = list_jobs(session, states=[section], limit=per_section)
        ids = [j.id for j in jobs]
        extra = {jid: {"submission_id": sid, "error_message": msg, "log_tail": tail} for jid, sid, msg, tail in
                 session.execute(select(Job.id, Job.submission_id, Job.error_message, Job.log_tail)
                                 .where(Job.id.in_(ids)))} if ids else {}
        voted = set(session.scalars(select(Vote.submission_id).where(
            Vote.user_id == actor.id, Vote.submission_id.in_([e["submission_id"] for e in extra.values()])))) \
            if actor and extra else set()
        groups[section] = [job_json(j, extra.get(j.id, {}), voted, actor, now) for j in jobs]
    return groups
