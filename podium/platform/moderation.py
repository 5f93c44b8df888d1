"""Operator decisions about models and organisations, and users' votes.

Flags attach to a repo id (every revision and precision of it) and stay visible on the
leaderboard until resolved. Official providers are organisations; their models are marked
and exempt from the submission quota. Deleting a model removes its rows; the caller removes
the returned result folders once the transaction has committed.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from podium.platform.db import utcnow
from podium.platform.errors import Conflict, NotFound
from podium.platform.identity import Actor, require_operator
from podium.platform.models import Flag, Job, Model, OfficialProvider, Result, Submission, User, Vote
from podium.platform.picks import unpick_model


def flag_model(session: Session, repo_id: str, reason: str, actor: Actor, evidence_url: str | None = None) -> int:
    require_operator(actor, "flag models")
    if not reason.strip():
        raise Conflict("A flag needs a reason that submitters and readers can understand.")
    flag = Flag(repo_id=repo_id, reason=reason.strip(), evidence_url=evidence_url, created_by_id=actor.id)
    session.add(flag)
    session.flush()
    return flag.id


def unflag_model(session: Session, repo_id: str, actor: Actor) -> int:
    """Resolve every active flag of the repo; returns how many."""
    require_operator(actor, "unflag models")
    return session.execute(
        update(Flag).where(Flag.repo_id == repo_id, Flag.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolved_by_id=actor.id)
    ).rowcount


def active_flags(session: Session, repo_id: str) -> list[dict]:
    flags = session.scalars(select(Flag).where(Flag.repo_id == repo_id, Flag.resolved_at.is_(None)).order_by(Flag.id))
    return [{"id": f.id, "reason": f.reason, "evidence_url": f.evidence_url, "created_at": f.created_at,
             "created_by_id": f.created_by_id} for f in flags]


def set_official_provider(session: Session, org: str, official: bool, actor: Actor) -> None:
    require_operator(actor, "mark official providers")
    if not official:
        session.execute(delete(OfficialProvider).where(OfficialProvider.org == org))
    elif session.scalar(select(OfficialProvider.id).where(OfficialProvider.org == org)) is None:
        session.add(OfficialProvider(org=org, created_by_id=actor.id))
        session.flush()


def official_providers(session: Session) -> list[str]:
    return list(session.scalars(select(OfficialProvider.org).order_by(OfficialProvider.org)))


@dataclass(frozen=True)
class Deleted:
    models: int
    submissions: int
    result_dirs: list[str]


def delete_model(session: Session, repo_id: str, actor: Actor) -> Deleted:
    """Remove every entry of a repo (all revisions and precisions) with its jobs, results and votes,
    and end its maintainer's pick. A worker running one of its jobs loses the job at its next
    heartbeat and stops."""
    require_operator(actor, "delete models")
    model_ids = list(session.scalars(select(Model.id).where(Model.repo_id == repo_id)))
    if not model_ids:
        raise NotFound(f"There is no model {repo_id}.")
    sub_ids = select(Submission.id).where(Submission.model_id.in_(model_ids))
    dirs = list(session.scalars(select(Result.details_path).where(Result.submission_id.in_(sub_ids))))
    n_subs = len(list(session.scalars(sub_ids)))
    session.execute(delete(Model).where(Model.id.in_(model_ids)))  # ON DELETE CASCADE does the rest
    unpick_model(session, repo_id, actor)
    return Deleted(models=len(model_ids), submissions=n_subs, result_dirs=dirs)


def remove_result_dirs(deleted: Deleted) -> None:
    """After the deletion committed: the job folders (`results/job-<id>`) of the removed results."""
    for path in deleted.result_dirs:
        shutil.rmtree(Path(path).parent, ignore_errors=True)


def vote_refusal(session: Session, submission_id: int, actor: Actor, *, min_account_days: float,
                 needs_finished_submission: bool) -> str | None:
    """Why this actor may not vote for this submission, or None. Votes reorder the queue, so a
    vote must cost more than a sign-up: nobody votes for a model they submitted (any revision or
    suite of the same repo), and an account votes only once it is `min_account_days` old and,
    when `needs_finished_submission`, one of its own submissions has finished its evaluation.
    Operators are trusted with the last two."""
    repo_id = session.scalar(select(Model.repo_id).join(Submission).where(Submission.id == submission_id))
    own = session.scalar(select(Submission.id).join(Model).where(Model.repo_id == repo_id,
                                                                 Submission.submitter_id == actor.id).limit(1))
    if own is not None:
        return f"You submitted {repo_id}; votes are for other people's models, not your own."
    if actor.is_operator:
        return None
    age_days = (utcnow() - session.scalar(select(User.created_at).where(User.id == actor.id))).total_seconds() / 86400
    if age_days < min_account_days:
        return (f"Accounts can vote once they are {min_account_days:g} days old; yours is {age_days:.1f} days old. "
                "This keeps fresh accounts from reordering the queue.")
    if needs_finished_submission and session.scalar(
            select(Job.id).join(Submission).where(Submission.submitter_id == actor.id, Job.state == "finished")
            .limit(1)) is None:
        return "Accounts can vote once one of their own submissions has finished its evaluation."
    return None


def vote(session: Session, submission_id: int, actor: Actor) -> bool:
    """One vote per user and submission; returns False if the user had voted already."""
    if session.get(Submission, submission_id) is None:
        raise NotFound(f"There is no submission #{submission_id}.")
    try:
        with session.begin_nested():
            session.add(Vote(submission_id=submission_id, user_id=actor.id))
    except IntegrityError:
        return False
    return True


def unvote(session: Session, submission_id: int, actor: Actor) -> bool:
    return bool(session.execute(
        delete(Vote).where(Vote.submission_id == submission_id, Vote.user_id == actor.id)).rowcount)
