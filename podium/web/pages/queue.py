"""The queue page and a job's status page, with vote, cancel and requeue buttons."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from podium.platform import job_ops
from podium.platform.identity import Actor
from podium.web import actions
from podium.web.deps import Caller, caller, db, require_user, state
from podium.web.jobs import job_status
from podium.web.pages.render import page, redirect
from podium.web.params import ObjectId
from podium.web.queue_view import queue

router = APIRouter(include_in_schema=False)
REFRESH_SECONDS = 5


@router.get("/queue")
def queue_page(request: Request, who: Caller = Depends(caller), session: Session = Depends(db)):
    groups = queue(session, who.actor)
    busy = bool(groups["running"] or groups["pending"])
    return page(request, "queue.html", who, groups=groups, refresh=REFRESH_SECONDS if busy else None)


@router.get("/jobs/{job_id}")
def job_page(request: Request, job_id: ObjectId, who: Caller = Depends(caller), session: Session = Depends(db)):
    job = job_status(session, job_id, who.actor)
    mine = who.actor is not None and (who.actor.is_operator or job["submitter_id"] == who.actor.id)
    return page(request, "job.html", who, job=job, can_cancel=mine and job["state"] in ("pending", "running"),
                can_requeue=job_ops.may_requeue(job["state"], job["submitter_id"], who.actor),
                refresh=REFRESH_SECONDS if job["state"] in ("pending", "running") else None)


@router.post("/jobs/{job_id}/cancel")
def cancel(job_id: ObjectId, actor: Actor = Depends(require_user), session: Session = Depends(db)):
    job_ops.cancel_job(session, job_id, actor)
    session.commit()
    return redirect(f"/jobs/{job_id}")


@router.post("/jobs/{job_id}/requeue")
def requeue(request: Request, job_id: ObjectId, actor: Actor = Depends(require_user), session: Session = Depends(db)):
    web = state(request)
    new_id = actions.requeue(session, job_id, actor, web.guard, web.config.settings)
    return redirect(f"/jobs/{new_id}")
