"""What a model page shows: every score (raw, normalized, stderr, samples), provenance, metadata, status."""

from __future__ import annotations

import shlex

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from podium.eval.command import EvalCommand
from podium.eval.suites import SUITES, SuiteSpec
from podium.platform.errors import NotFound
from podium.platform.models import Result, Submission, Vote
from podium.platform.moderation import active_flags
from podium.platform.picks import active_pick
from podium.platform.vocab import MODEL_TYPE_LABELS, UNKNOWN_TYPE_LABEL

METADATA = ("repo_id", "revision", "precision", "weight_type", "base_model", "base_revision", "model_type",
            "architecture", "params_billion", "params_source", "license", "has_chat_template", "is_moe", "is_merge",
            "available", "source")


def latest_result(session: Session, submission_id: int) -> Result | None:
    return session.scalar(select(Result).where(Result.submission_id == submission_id)
                          .order_by(Result.id.desc()).limit(1))


def suite_of(name: str) -> SuiteSpec | None:
    return SUITES.get(name)


def reproduce_command(sub: Submission, result: Result | None) -> str:
    """The `podium eval` line that recomputes these scores on the same model, data and settings."""
    model = sub.model
    provenance = (result.provenance or {}) if result else {}
    run, traced = provenance.get("run") or {}, provenance.get("trace") or {}
    command = EvalCommand(model.repo_id, model.source, sub.suite, model.revision, model.precision,
                          sub.use_chat_template, run.get("limit"), run.get("backend"), traced.get("base"),
                          model.weight_type, model.base_model, model.base_revision, run.get("gen_kwargs"))
    return shlex.join(["podium", "eval", *command.args("runs/reproduce")])


def task_scores(suite: SuiteSpec | None, result: Result | None) -> list[dict]:
    tasks = result.tasks if result else {}
    specs = suite.tasks if suite else ()
    keys = [t.key for t in specs] + [k for k in tasks if k not in {t.key for t in specs}]
    rows = []
    for key in keys:
        spec = next((t for t in specs if t.key == key), None)
        score = tasks.get(key, {})
        rows.append({
            "key": key, "title": score.get("title") or (spec.title if spec else key),
            "metric": score.get("metric"), "raw": score.get("raw"), "normalized": score.get("normalized"),
            "stderr": score.get("stderr"), "n_samples": score.get("n_samples"),
            "lower_bound": score.get("lower_bound", spec.lower_bound if spec else None),
            "status": score.get("status", "not run") if score else "not run", "error": score.get("error"),
            "private": bool(score.get("private", spec.private if spec else False)),
            "in_average": bool(score.get("in_average", spec.in_average if spec else True)),
            "subtasks": score.get("subtasks") or {},
        })
    return rows


def entry_detail(session: Session, submission_id: int) -> dict:
    sub = session.get(Submission, submission_id)
    if sub is None:
        raise NotFound(f"There is no leaderboard entry #{submission_id}.")
    model, result = sub.model, latest_result(session, submission_id)
    job = sub.jobs[-1] if sub.jobs else None
    suite = suite_of(sub.suite)
    votes = session.scalar(select(func.count(Vote.id)).where(Vote.submission_id == sub.id))
    provenance = result.provenance if result else {}
    return {
        "id": sub.id, "model": model.repo_id, "suite": sub.suite, "suite_title": suite.title if suite else sub.suite,
        "use_chat_template": sub.use_chat_template, "submitted_at": sub.submitted_at, "submitter_id": sub.submitter_id,
        "type_label": MODEL_TYPE_LABELS.get(model.model_type, UNKNOWN_TYPE_LABEL)[1],
        "hub": model.source == "hub", "votes": votes,
        "metadata": {k: getattr(model, k) for k in METADATA},
        "job": None if job is None else {"id": job.id, "state": job.state, "error_class": job.error_class,
                                         "error_message": job.error_message},
        "result": None if result is None else {
            "job_id": result.job_id, "average": result.average, "average_complete": result.average_complete,
            "created_at": result.created_at, "tasks": task_scores(suite, result),
        },
        "provenance": {
            "versions": provenance.get("versions") or {}, "run": provenance.get("run") or {},
            "data": provenance.get("data") or {}, "model": provenance.get("model") or {},
            "missing_tasks": provenance.get("missing_tasks") or [],
            "base_check": provenance.get("base_check"), "trace": provenance.get("trace"),
            "reproduce": reproduce_command(sub, result),
        },
        "flags": active_flags(session, model.repo_id),
        "pick": None if (pick := active_pick(session, model.repo_id)) is None else pick.as_dict(),
        "jobs": [{"id": j.id, "state": j.state, "kind": j.kind, "created_at": j.created_at} for j in sub.jobs],
    }
