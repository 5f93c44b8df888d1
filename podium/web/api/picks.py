"""Maintainer's picks (⭐): the list (anyone), marking and unmarking a model (operators)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from podium.platform.identity import Actor
from podium.platform.picks import MAX_REASON_CHARS, active_picks
from podium.web import actions
from podium.web.api.contract import VALIDATION, WRITE, errors
from podium.web.deps import db, require_user, state

router = APIRouter(prefix="/api/picks", tags=["maintainer's picks"], responses=VALIDATION)


class PickBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1, max_length=400, description="the model repo (every revision and precision)")
    reason: str = Field(min_length=1, max_length=MAX_REASON_CHARS, description="shown to readers with the ⭐")


class UnpickBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1, max_length=400)


@router.get("", summary="Every active maintainer's pick with its reason, who picked it and when")
def list_picks(session: Session = Depends(db)) -> list[dict]:
    return [p.as_dict() for p in active_picks(session)]


@router.post("", status_code=201, summary="Mark a model as a maintainer's pick (operators)",
             description="Picks are shown with a ⭐ on every board (filter `only=picked`, preset `picks`) and are "
                         "evaluated before the other pending jobs. 409 if the model is already a pick.",
             responses=errors(*WRITE, 409))
def pick(request: Request, body: PickBody, actor: Actor = Depends(require_user),
         session: Session = Depends(db)) -> dict:
    pick_id = actions.pick(session, body.model, body.reason, actor)
    state(request).boards.invalidate()
    return {"id": pick_id, "model": body.model.strip(), "picked": True}


@router.post("/remove", summary="Unmark a model (operators); the pick stays in the history",
             responses=errors(*WRITE))
def unpick(request: Request, body: UnpickBody, actor: Actor = Depends(require_user),
           session: Session = Depends(db)) -> dict:
    removed = actions.unpick(session, body.model, actor)
    state(request).boards.invalidate()
    return {"model": body.model.strip(), "picked": False, "removed": removed}
