"""Tracing API: the tracing board's records and the worker's provenance checks."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from podium.web.deps import db
from podium.web.tracing_board import provenance_checks, tracing_rows

router = APIRouter(prefix="/api", tags=["boards"])


@router.get("/tracing", summary="Model tracing results: p-value that a model derives from its base, perplexity")
def tracing(session: Session = Depends(db)) -> list[dict]:
    return tracing_rows(session)


@router.get("/tracing/checks", summary="Provenance checks of declared base models, run by the worker")
def checks(session: Session = Depends(db)) -> list[dict]:
    return provenance_checks(session)
