"""Writes shared by the API and the HTML forms: votes, requeues, flags and picks, with the web's extra
rules (per-user rate limits, and who may vote: see `moderation.vote_refusal`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from podium.platform import job_ops, moderation, picks
from podium.platform.config import Settings
from podium.platform.errors import Conflict, Forbidden, NotFound
from podium.platform.identity import Actor, require_operator
from podium.platform.models import Job, Submission
from podium.web import inputs
from podium.web.auth.throttle import Guard

MAX_REASON_CHARS = 2000
MAX_URL_CHARS = 500


def vote(session: Session, entry_id: int, actor: Actor, guard: Guard) -> bool:
    """One vote per user and entry, while it waits in the queue (votes order the queue), from an
    account that may vote, within the per-user rate."""
    guard.action("votes", actor)
    if session.get(Submission, entry_id) is None:
        raise NotFound(f"There is no entry #{entry_id}.")
    if session.scalar(select(Job.id).where(Job.submission_id == entry_id, Job.state == "pending")) is None:
        raise Conflict(f"Entry #{entry_id} is not waiting in the queue; votes only reorder pending evaluations.")
    refusal = moderation.vote_refusal(session, entry_id, actor, min_account_days=guard.settings.vote_min_account_days,
                                      needs_finished_submission=guard.settings.vote_needs_finished_submission)
    if refusal:
        raise Forbidden(refusal)
    added = moderation.vote(session, entry_id, actor)
    session.commit()
    return added


def unvote(session: Session, entry_id: int, actor: Actor) -> bool:
    removed = moderation.unvote(session, entry_id, actor)
    session.commit()
    return removed


def requeue(session: Session, job_id: int, actor: Actor, guard: Guard, settings: Settings) -> int:
    """A submitter's retry of their own failed or cancelled job (rate-limited, against the quota),
    or an operator's rerun of any ended job."""
    guard.action("requeues", actor)
    new_id = job_ops.requeue_job(session, job_id, actor, settings)
    session.commit()
    return new_id


def flag(session: Session, model: str, reason: str, evidence_url: str | None, actor: Actor) -> int:
    """Operators only, checked before the model is looked at: a path's answer must not tell anyone
    else whether it lies inside the models root."""
    require_operator(actor, "flag models")
    repo = inputs.model_or_path(model, is_operator=True)
    url = (evidence_url or "").strip() or None
    if url and (len(url) > MAX_URL_CHARS or not url.startswith(("https://", "http://"))):
        raise inputs.InputError("evidence_url", "The evidence link must be an http(s) URL of at most 500 characters.")
    if not reason.strip():
        raise inputs.InputError("reason", "A flag needs a reason that submitters and readers can understand.")
    if len(reason) > MAX_REASON_CHARS:
        raise inputs.InputError("reason", f"Keep the reason under {MAX_REASON_CHARS} characters; link the evidence.")
    flag_id = moderation.flag_model(session, repo, reason, actor, url)
    session.commit()
    return flag_id


def unflag(session: Session, model: str, actor: Actor) -> int:
    require_operator(actor, "unflag models")
    resolved = moderation.unflag_model(session, inputs.model_or_path(model, is_operator=True), actor)
    session.commit()
    return resolved


def pick(session: Session, model: str, reason: str, actor: Actor) -> int:
    pick_id = picks.pick_model(session, model.strip(), reason, actor)
    session.commit()
    return pick_id


def unpick(session: Session, model: str, actor: Actor) -> bool:
    removed = picks.unpick_model(session, model.strip(), actor)
    session.commit()
    return removed
