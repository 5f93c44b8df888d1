"""The Workers page: local workers, the Ray cluster's nodes, queue wait and throughput."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from podium.web.api.workers import workers_view
from podium.web.deps import Caller, caller, db
from podium.web.pages.render import page

router = APIRouter(include_in_schema=False)
REFRESH_SECONDS = 10


@router.get("/workers")
def workers_page(request: Request, who: Caller = Depends(caller), session: Session = Depends(db)):
    view = workers_view(request, session, who)
    return page(request, "workers.html", who, fleet=view, operator="ray_dashboards" in view, refresh=REFRESH_SECONDS)
