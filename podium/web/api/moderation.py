"""Votes (any signed-in user, pending entries) and flags (operators)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from podium.platform.identity import Actor
from podium.web import actions
from podium.web.api.contract import VALIDATION, WRITE, errors
from podium.web.deps import db, require_user, state
from podium.web.params import ObjectId

router = APIRouter(prefix="/api", tags=["votes and flags"], responses=VALIDATION)


@router.post("/entries/{entry_id}/vote", summary="Vote for a pending entry (once per user)",
             description="Votes order the queue. Refused (403) for a model you submitted, and for accounts younger "
                         "than the deployment's minimum age or without a finished submission of their own; "
                         "rate-limited per user (429 with Retry-After).",
             responses=errors(*WRITE, 404, 409, 429))
def vote(request: Request, entry_id: ObjectId, actor: Actor = Depends(require_user),
         session: Session = Depends(db)) -> dict:
    return {"entry": entry_id, "voted": True, "new": actions.vote(session, entry_id, actor, state(request).guard)}


@router.delete("/entries/{entry_id}/vote", summary="Take back a vote", responses=errors(*WRITE))
def unvote(entry_id: ObjectId, actor: Actor = Depends(require_user), session: Session = Depends(db)) -> dict:
    return {"entry": entry_id, "voted": False, "removed": actions.unvote(session, entry_id, actor)}


class FlagBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field(max_length=400)
    reason: str = Field(min_length=1, max_length=2000)
    evidence_url: str | None = Field(None, max_length=500)


class UnflagBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field(max_length=400)


@router.post("/flags", status_code=201, summary="Flag a model (every revision), with evidence (operators)",
             responses=errors(*WRITE))
def flag(request: Request, body: FlagBody, actor: Actor = Depends(require_user),
         session: Session = Depends(db)) -> dict:
    flag_id = actions.flag(session, body.model, body.reason, body.evidence_url, actor)
    state(request).boards.invalidate()
    return {"id": flag_id, "model": body.model}


@router.post("/flags/resolve", summary="Resolve every active flag of a model (operators)", responses=errors(*WRITE))
def unflag(request: Request, body: UnflagBody, actor: Actor = Depends(require_user),
           session: Session = Depends(db)) -> dict:
    resolved = actions.unflag(session, body.model, actor)
    state(request).boards.invalidate()
    return {"model": body.model, "resolved": resolved}
