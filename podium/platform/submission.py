"""The submission service: validate a model, then create its submission and job in one transaction.

`submit` reads the model's files before it touches the database, so no database lock is held
while config, tokenizer and weights are inspected (on SQLite a write transaction blocks every
worker). The database rules (idempotency key, duplicates, quota) run afterwards in the
caller's transaction; unique constraints back them, so two concurrent identical submissions
still end with one entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from podium.platform import validation, workers
from podium.platform.capacity import Needs, gpus_needed
from podium.platform.config import Settings
from podium.platform.db import utcnow
from podium.platform.errors import DuplicateSubmission, SubmissionRejected
from podium.platform.facts import read_facts
from podium.platform.identity import Actor
from podium.platform.model_source import ResolvedModel, resolve
from podium.platform.models import Job, Model, OfficialProvider, Submission, User
from podium.platform.overlay_checks import check_overlay, missing_base
from podium.platform.validation import SubmissionRequest

__all__ = ["SubmissionRequest", "SubmissionReceipt", "Inspection", "inspect", "record", "submit"]


@dataclass(frozen=True)
class Inspection:
    """What validation learned about the model; everything `record` needs besides the database."""

    resolved: ResolvedModel
    architecture: str | None
    params_billion: float
    params_source: str
    license: str
    has_chat_template: bool
    is_moe: bool
    is_merge: bool
    base_revision: str | None = None


@dataclass(frozen=True)
class SubmissionReceipt:
    submission_id: int
    job_id: int
    model_id: int
    repo_id: str
    revision: str
    precision: str
    params_billion: float | None
    submitted_at: datetime
    gpus: int
    created: bool  # False when an idempotency key replayed an earlier submission


def inspect(request: SubmissionRequest, actor: Actor, settings: Settings) -> Inspection:
    """Every rule that reads the model's files; raises SubmissionRejected on the first failure."""
    validation.check_suite(request.suite or settings.default_suite)
    validation.check_opt_out(request.model, settings)
    validation.check_base_model(request)
    resolved = resolve(request.model, request.revision, allow_paths=actor.is_operator)
    facts = read_facts(resolved)
    base, base_revision = None, None
    if request.base_model:
        validation.check_opt_out(request.base_model, settings)
        try:
            base_resolved = resolve(request.base_model, None, allow_paths=actor.is_operator)
        except SubmissionRejected as err:
            raise missing_base(request.base_model, err) from err
        base_facts = read_facts(base_resolved)
        check_overlay(request, resolved, facts, base_resolved, base_facts)
        # Delta/Adapter weights borrow the base's files, pinned at its revision; full weights only name it
        # (provenance check).
        if request.weight_type != "Original":
            base, base_revision = base_facts, base_resolved.revision
    billions, source = validation.validate(request, facts, base, settings)
    chat = facts.has_chat_template or bool(base and base.has_chat_template)
    return Inspection(
        resolved=resolved,
        architecture=facts.architecture or (base.architecture if base else None),
        params_billion=billions, params_source=source, license=facts.license or "",
        has_chat_template=chat, is_moe=facts.is_moe or bool(base and base.is_moe),
        is_merge=facts.is_merge or request.model_type == "merge", base_revision=base_revision,
    )


def _receipt(sub: Submission, job: Job, created: bool) -> SubmissionReceipt:
    m = sub.model
    return SubmissionReceipt(sub.id, job.id, m.id, m.repo_id, m.revision, m.precision, m.params_billion,
                             sub.submitted_at, job.gpus, created)


def _by_key(session: Session, key: str | None, actor: Actor) -> SubmissionReceipt | None:
    """The caller's own earlier submission with this key: keys belong to their submitter, so
    another user's key never replays (or blocks) anything of yours."""
    if not key:
        return None
    sub = session.scalar(select(Submission).where(Submission.submitter_id == actor.id,
                                                  Submission.idempotency_key == key))
    return _receipt(sub, sub.jobs[0], created=False) if sub else None


def _check_duplicate(session: Session, request: SubmissionRequest, resolved: ResolvedModel, suite: str) -> None:
    existing = session.scalar(
        select(Submission).join(Model).where(
            Model.repo_id == resolved.repo_id, Model.revision == resolved.revision,
            Model.precision == request.precision, Submission.use_chat_template == request.use_chat_template,
            Submission.suite == suite,
        )
    )
    if existing is None:
        return
    job = existing.jobs[-1] if existing.jobs else None
    state = f"its latest job #{job.id} is {job.state}" if job else "it has no job"
    raise DuplicateSubmission(
        f"{resolved.repo_id} at revision {resolved.revision[:12]} ({request.precision}, chat template "
        f"{'on' if request.use_chat_template else 'off'}, suite {suite}) was already submitted on "
        f"{existing.submitted_at:%Y-%m-%d %H:%M} UTC as submission #{existing.id}; {state}.",
        submission_id=existing.id, job_id=job.id if job else None,
    )


def check_quota(session: Session, org: str, settings: Settings, now: datetime, actor: Actor) -> None:
    """Submissions per model organisation in the window, a submitter's requeues of failed jobs
    included (each is another evaluation). Official providers' models are exempt, and so are
    operators (official re-runs, the demo's own models)."""
    if actor.is_operator or session.scalar(select(OfficialProvider.id).where(OfficialProvider.org == org)):
        return
    if session.get_bind().dialect.name == "postgresql":
        # Two concurrent submissions must not both take an organisation's last free slot: hold a
        # per-organisation lock until commit. (SQLite's BEGIN IMMEDIATE already serializes writers.)
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"podium-quota:{org}"})
    since = now - timedelta(days=settings.quota_window_days)
    submissions = session.scalar(
        select(func.count(Submission.id)).join(Model).where(Model.org == org, Submission.submitted_at >= since)
    )
    requeues = session.scalar(
        select(func.count(Job.id)).join(Submission, Job.submission_id == Submission.id).join(Model)
        .join(User, Job.requested_by_id == User.id)
        .where(Model.org == org, Job.kind == "rerun", Job.created_at >= since, User.role != "operator")
    )
    used = submissions + requeues
    if used >= settings.quota_per_org:
        raise SubmissionRejected(
            "quota",
            f"Organisation {org} has made {used} submissions in the last {settings.quota_window_days:g} days "
            f"(a submitter's requeues count as submissions); the limit is {settings.quota_per_org}. Try again later.",
        )


def _get_or_add_model(session: Session, request: SubmissionRequest, ins: Inspection) -> Model:
    r = ins.resolved
    model = session.scalar(select(Model).where(
        Model.repo_id == r.repo_id, Model.revision == r.revision, Model.precision == request.precision))
    if model is None:
        model = Model(
            repo_id=r.repo_id, org=r.org, source=r.source, location=r.location, revision=r.revision,
            precision=request.precision, weight_type=request.weight_type, base_model=request.base_model,
            model_type=request.model_type, architecture=ins.architecture, params_billion=ins.params_billion,
            params_source=ins.params_source, license=ins.license, has_chat_template=ins.has_chat_template,
            is_moe=ins.is_moe, is_merge=ins.is_merge, available=True, base_revision=ins.base_revision,
        )
        session.add(model)
    return model


def record(session: Session, request: SubmissionRequest, ins: Inspection, actor: Actor, settings: Settings,
           now: datetime | None = None) -> SubmissionReceipt:
    """The database half of `submit`: idempotency, duplicates, quota, then model + submission + job."""
    now = now or utcnow()
    suite = request.suite or settings.default_suite
    replay = _by_key(session, request.idempotency_key, actor)
    if replay:
        return replay
    _check_duplicate(session, request, ins.resolved, suite)
    check_quota(session, ins.resolved.org, settings, now, actor)
    needs = Needs(request.precision,
                  gpus_needed(ins.params_billion, request.precision, settings.gpu_memory_gb, settings.memory_overhead))
    workers.check_runnable(session, needs, settings, now)
    try:
        with session.begin_nested():
            model = _get_or_add_model(session, request, ins)
            sub = Submission(model=model, suite=suite, use_chat_template=request.use_chat_template,
                             submitter_id=actor.id, submitted_at=now, idempotency_key=request.idempotency_key)
            job = Job(submission=sub, state="pending", kind="eval", created_at=now, updated_at=now, gpus=needs.gpus)
            session.add_all([sub, job])
    except IntegrityError:  # a concurrent submit won the race: answer as if we had come second
        replay = _by_key(session, request.idempotency_key, actor)
        if replay:
            return replay
        _check_duplicate(session, request, ins.resolved, suite)
        raise
    return _receipt(sub, job, created=True)


def submit(session: Session, request: SubmissionRequest, actor: Actor, settings: Settings) -> SubmissionReceipt:
    """Validate and queue. The caller commits `session` (web: per request; CLI: `transaction`)."""
    if request.idempotency_key and not session.in_transaction():
        with session.begin():  # a short read, released before the slow inspection below
            replay = _by_key(session, request.idempotency_key, actor)
        if replay:
            return replay
    ins = inspect(request, actor, settings)
    return record(session, request, ins, actor, settings)
