"""What a model page shows: every score (raw, normalized, stderr, samples), provenance, metadata, status."""

from __future__ import annotations

import shlex
from dataclasses import asdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from podium.eval import contamination
from podium.eval.command import EvalCommand
from podium.eval.suites import SUITES, SuiteSpec
from podium.platform.data_notice import in_average, notice
from podium.platform.errors import NotFound
from podium.platform.leaderboard import suite_versions
from podium.platform.models import Result, Submission, Vote
from podium.platform.moderation import active_flags
from podium.platform.picks import active_pick
from podium.platform.vocab import MODEL_TYPE_LABELS, UNKNOWN_TYPE_LABEL
from podium.record import Provenance, tasks_from_json

METADATA = ("repo_id", "revision", "precision", "weight_type", "base_model", "base_revision", "model_type",
            "architecture", "params_billion", "params_source", "license", "has_chat_template", "is_moe", "is_merge",
            "available", "source")


def latest_result(session: Session, submission_id: int) -> Result | None:
    return session.scalar(select(Result).where(Result.submission_id == submission_id)
                          .order_by(Result.id.desc()).limit(1))


def suite_of(name: str) -> SuiteSpec | None:
    return SUITES.get(name)


def reproduce_command(sub: Submission, provenance: Provenance | None) -> str:
    """The `podium eval` line that recomputes these scores on the same model, data and settings."""
    model = sub.model
    run = provenance.run if provenance else None
    suite = suite_of(sub.suite)
    extra = tuple(suite.kind.reproduce_args(provenance)) if provenance and suite else ()
    data = provenance.data if provenance else None
    command = EvalCommand(model.repo_id, model.source, sub.suite, model.revision, model.precision,
                          sub.use_chat_template, run.limit if run else None, run.backend if run else None,
                          extra=extra, weight_type=model.weight_type, base_model=model.base_model,
                          base_revision=model.base_revision, device=run.device if run else None,
                          gpus=(run.gpu_count or 1) if run else 1,
                          batch_size=run.batch_size if run else None,
                          data_dir=data.dir if data and data.mode == "offline" else None,
                          gen_kwargs=tuple(sorted((run.gen_kwargs or {}).items())) if run else ())
    return shlex.join(["podium", "eval", *command.args("runs/reproduce")])


SCORE_FIELDS = ("key", "title", "metric", "raw", "normalized", "stderr", "n_samples", "lower_bound", "status", "error",
                "private", "in_average", "subtasks", "normalized_stderr", "ci_low", "ci_high", "raw_ci_low",
                "raw_ci_high", "interval_method", "contamination")


def task_scores(suite: SuiteSpec | None, result: Result | None) -> list[dict]:
    """Every column of the suite (and any other the result has): its score, or "not run"."""
    tasks = tasks_from_json(result.tasks) if result else {}
    specs = suite.tasks if suite else ()
    keys = [t.key for t in specs] + [k for k in tasks if k not in {t.key for t in specs}]
    rows = []
    for key in keys:
        score = tasks.get(key)
        if score is not None:
            shown = asdict(score)
            signal = score.contamination
            rows.append({**{name: shown[name] for name in SCORE_FIELDS},
                         "contamination_note": None if signal is None else contamination.summary(signal)})
            continue
        spec = next(t for t in specs if t.key == key)
        rows.append({**dict.fromkeys(SCORE_FIELDS), "key": key, "title": spec.title, "lower_bound": spec.lower_bound,
                     "status": "not run", "private": spec.private, "in_average": spec.in_average, "subtasks": {},
                     "contamination_note": None})
    return rows


def _provenance_view(sub: Submission, suite: SuiteSpec | None, provenance: Provenance | None) -> dict:
    if provenance is None:
        return {"versions": {}, "run": {}, "data": {}, "model": {}, "missing_tasks": [], "base_check": None,
                "note": None, "detail": None, "reproduce": reproduce_command(sub, None)}
    shown = asdict(provenance)
    return {
        "versions": shown["versions"], "run": shown["run"], "data": shown["data"], "model": shown["model"],
        "base_check": shown["base_check"],
        "note": suite.kind.provenance_note(provenance) if suite else None,
        "detail": suite.kind.public_detail(provenance) if suite else None,
        "reproduce": reproduce_command(sub, provenance),
    }


def average_notice_of(suite: SuiteSpec | None, result: Result, provenance: Provenance) -> dict | None:
    """The board row's notice, for the entry page: what the average lacks and how its data differs."""
    scores = tasks_from_json(result.tasks)
    per_task = provenance.data.tasks or {}
    differences = {key: (found or {}).get("differences") for key, found in per_task.items() if isinstance(found, dict)}
    told = notice(in_average(suite.tasks if suite else (), scores), scores, differences, provenance.run.limit)
    return None if told is None else asdict(told)


def entry_detail(session: Session, submission_id: int) -> dict:
    sub = session.get(Submission, submission_id)
    if sub is None:
        raise NotFound(f"There is no leaderboard entry #{submission_id}.")
    model, result = sub.model, latest_result(session, submission_id)
    job = sub.jobs[-1] if sub.jobs else None
    suite = suite_of(sub.suite)
    votes = session.scalar(select(func.count(Vote.id)).where(Vote.submission_id == sub.id))
    provenance = Provenance.from_json(result.provenance) if result else None
    scores = task_scores(suite, result)
    return {
        "id": sub.id, "model": model.repo_id, "suite": sub.suite, "suite_title": suite.title if suite else sub.suite,
        "use_chat_template": sub.use_chat_template, "submitted_at": sub.submitted_at, "submitter_id": sub.submitter_id,
        "type_label": MODEL_TYPE_LABELS.get(model.model_type, UNKNOWN_TYPE_LABEL)[1],
        "hub": model.source == "hub", "votes": votes,
        "metadata": {k: getattr(model, k) for k in METADATA},
        "job": None if job is None else {"id": job.id, "state": job.state, "error_class": job.error_class,
                                         "error_message": job.error_message},
        "result": None if result is None else {
            "job_id": result.job_id, "average": suite.shown_average(result.average) if suite else result.average,
            "average_complete": result.average_complete,
            "average_uncertainty": result.average_uncertainty,
            "created_at": result.created_at, "tasks": scores, "suite_version": result.suite_version,
            "suite_version_current": result.suite_version == suite_versions(session, sub.suite)[0].version,
            "notice": average_notice_of(suite, result, provenance),
            "contamination_meaning": contamination.MEANING if any(t["contamination"] for t in scores) else None,
        },
        "provenance": {**_provenance_view(sub, suite, provenance),
                       "missing_tasks": [t["key"] for t in scores if t["status"] not in ("ok", "not run")]},
        "flags": active_flags(session, model.repo_id),
        "pick": None if (pick := active_pick(session, model.repo_id)) is None else pick.as_dict(),
        "jobs": [{"id": j.id, "state": j.state, "kind": j.kind, "created_at": j.created_at} for j in sub.jobs],
    }
