"""Queue API: the queue by section, one job's status, cancel and requeue."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from podium.platform import job_ops
from podium.platform.identity import Actor
from podium.web import actions
from podium.web.api.contract import VALIDATION, WRITE, errors
from podium.web.deps import Caller, caller, db, require_user, state
from podium.web.jobs import job_status
from podium.web.params import ObjectId
from podium.web.queue_view import queue

router = APIRouter(prefix="/api", tags=["queue"], responses=VALIDATION)


@router.get("/queue", summary="Running, pending, failed, finished and cancelled jobs")
def get_queue(session: Session = Depends(db), who: Caller = Depends(caller)) -> dict:
    return queue(session, who.actor)


@router.get("/jobs/{job_id}", summary="One job: state, progress, failure reason (the log tail for its submitter "
            "and operators)", responses=errors(404))
def get_job(job_id: ObjectId, session: Session = Depends(db), who: Caller = Depends(caller)) -> dict:
    return job_status(session, job_id, who.actor)


@router.post("/jobs/{job_id}/cancel", summary="Cancel a pending or running job (its submitter or an operator)",
             responses=errors(*WRITE, 404, 409))
def cancel(job_id: ObjectId, actor: Actor = Depends(require_user), session: Session = Depends(db)) -> dict:
    job_ops.cancel_job(session, job_id, actor)
    session.commit()
    return job_status(session, job_id, actor)


@router.post("/jobs/{job_id}/requeue", summary="Run an ended job again as a new job (its submitter if it failed or "
             "was cancelled; operators any ended job)",
             description="A submitter may requeue their own failed or cancelled job; each such requeue counts "
                         "against the model organisation's submission quota (422, rule `quota`, when it is used up) "
                         "and against the submitter's hourly requeue limit (429 with Retry-After). Operators may "
                         "rerun any finished, failed or cancelled job, without quota or limit.",
             responses=errors(*WRITE, 404, 409, 422, 429))
def requeue(request: Request, job_id: ObjectId, actor: Actor = Depends(require_user),
            session: Session = Depends(db)) -> dict:
    web = state(request)
    new_id = actions.requeue(session, job_id, actor, web.guard, web.config.settings)
    return job_status(session, new_id, actor)
