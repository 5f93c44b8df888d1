"""Workers API: what runs evaluations (local workers, the Ray cluster's nodes), queue wait and
throughput. Counts are public; addresses (hosts, worker and node ids, the Ray dashboard) are
shown to operators only."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from podium.platform import fleet
from podium.web.api.contract import VALIDATION
from podium.web.deps import Caller, caller, db, state

router = APIRouter(prefix="/api", tags=["workers"], responses=VALIDATION)


def workers_view(request: Request, session: Session, who: Caller) -> dict:
    """The fleet report, with addresses for operators only."""
    full = fleet.report(session, state(request).config.settings)
    return full if who.actor is not None and who.actor.is_operator else fleet.public(full)


@router.get("/workers", summary="Workers, Ray cluster nodes (GPUs free and used, current jobs, last seen), queue "
            "wait and throughput per hour; addresses and the Ray dashboard for operators only")
def get_workers(request: Request, session: Session = Depends(db), who: Caller = Depends(caller)) -> dict:
    return workers_view(request, session, who)
