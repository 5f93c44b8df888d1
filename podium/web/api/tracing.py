"""Tracing API: the tracing board's records and the worker's provenance checks."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from podium.web.api.contract import VALIDATION
from podium.web.deps import Caller, caller, db
from podium.web.tracing_board import provenance_checks, tracing_rows
from podium.web.visibility import records_for, sight

router = APIRouter(prefix="/api", tags=["boards"], responses=VALIDATION)


@router.get("/tracing", summary="Model tracing results: p-value that a model derives from its base, perplexity")
def tracing(session: Session = Depends(db), who: Caller = Depends(caller)) -> list[dict]:
    return records_for(tracing_rows(session), sight(who.actor))


@router.get("/tracing/checks", summary="Provenance checks of declared base models, run by the worker")
def checks(session: Session = Depends(db), who: Caller = Depends(caller)) -> list[dict]:
    return records_for(provenance_checks(session), sight(who.actor))
