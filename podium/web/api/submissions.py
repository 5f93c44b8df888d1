"""Submission API: queue a model for evaluation."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from podium.platform.identity import Actor
from podium.web.deps import db, require_user, state
from podium.web.submit import SubmitBody, receipt_json, submit_model

router = APIRouter(prefix="/api/submissions", tags=["submissions"])


@router.post("", status_code=201, summary="Submit a model (needs a signed-in user or an API token)",
             responses={401: {"description": "not signed in"}, 409: {"description": "already submitted"},
                        422: {"description": "a validation rule refused the model; `rule` and `field` say which"},
                        429: {"description": "too many submissions from your account; see Retry-After"}})
def create_submission(request: Request, body: SubmitBody, actor: Actor = Depends(require_user),
                      session: Session = Depends(db)) -> dict:
    web = state(request)
    web.guard.action("submissions", actor)
    return receipt_json(submit_model(session, body, actor, web.config.settings))
