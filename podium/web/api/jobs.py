"""Queue API: the queue by section, one job's status, cancel and requeue."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from podium.platform import job_ops
from podium.platform.identity import Actor
from podium.web.api.contract import VALIDATION, WRITE, errors
from podium.web.deps import Caller, caller, db, require_user
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


@router.post("/jobs/{job_id}/requeue", summary="Run an ended job again as a new job (operators)",
             responses=errors(*WRITE, 404, 409))
def requeue(job_id: ObjectId, actor: Actor = Depends(require_user), session: Session = Depends(db)) -> dict:
    new_id = job_ops.requeue_job(session, job_id, actor)
    session.commit()
    return job_status(session, new_id, actor)
