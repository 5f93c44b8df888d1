"""One job's status, as the caller may see it: what the submitter's status link shows."""

from __future__ import annotations

from sqlalchemy.orm import Session

from podium.platform.identity import Actor
from podium.platform.job_ops import inspect_job
from podium.web.visibility import job_view, sight

JOB_FIELDS = ("id", "state", "kind", "attempt", "rerun_of_id", "created_at", "started_at", "finished_at",
              "wall_seconds", "progress", "error_class", "error_message", "log_tail")
MODEL_FIELDS = ("repo_id", "revision", "precision", "weight_type", "model_type", "params_billion")


def job_status(session: Session, job_id: int, actor: Actor | None) -> dict:
    """The job without scratch and result folders; log tail, failure detail and worker by the visibility rule."""
    info = inspect_job(session, job_id)
    job, sub, model, result = info["job"], info["submission"], info["model"], info["result"]
    return job_view({
        **{k: job[k] for k in JOB_FIELDS},
        "entry": sub["id"], "suite": sub["suite"], "use_chat_template": sub["use_chat_template"],
        "submitted_at": sub["submitted_at"], "submitter_id": sub["submitter_id"],
        "model": {k: model[k] for k in MODEL_FIELDS},
        "average": result["average"] if result else None, "worker": job["lease_owner"],
    }, sight(actor, sub["submitter_id"]))
