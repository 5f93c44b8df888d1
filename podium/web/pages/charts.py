"""Chart images (SVG), cached until the board they summarise changes."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from podium.platform.errors import NotFound
from podium.platform.models import Submission
from podium.record import tasks_from_json
from podium.web.api.variants import variants_view
from podium.web.boards import suite_or_404
from podium.web.charts import board_stats, entry_chart, rank_shift_chart, trends_chart
from podium.web.deps import db, state
from podium.web.entries import latest_result
from podium.web.params import ObjectId

router = APIRouter(include_in_schema=False)
MAX_CACHED = 256
_cache: dict[tuple, str] = {}


def _svg(key: tuple, draw) -> Response:
    svg = _cache.get(key)
    if svg is None:
        svg = draw()
        if len(_cache) >= MAX_CACHED:
            _cache.clear()
        _cache[key] = svg
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-cache"})


@router.get("/charts/trends/{suite}.svg")
def trends(request: Request, suite: str):
    spec = suite_or_404(suite)
    snap = state(request).boards.get(spec)
    return _svg(("trends", suite, snap.fingerprint),
                lambda: trends_chart(snap.rows, [(t.key, t.title) for t in spec.tasks]))


@router.get("/charts/entries/{entry_id}.svg")
def entry(request: Request, entry_id: ObjectId, session: Session = Depends(db)):
    sub = session.get(Submission, entry_id)
    result = latest_result(session, entry_id) if sub else None
    if result is None:
        raise NotFound(f"Entry #{entry_id} does not exist or has no scores yet.")
    spec = suite_or_404(sub.suite, compared=True)
    snap = state(request).boards.get(spec)
    keys = [t.key for t in spec.tasks]

    def draw() -> str:
        median, top = board_stats(snap.rows, keys)
        scores = tasks_from_json(result.tasks)
        mine = [scores[k].normalized if k in scores else None for k in keys]
        return entry_chart([t.title for t in spec.tasks], mine, median, top, sub.model.repo_id)

    return _svg(("entry", entry_id, result.id, snap.fingerprint), draw)


@router.get("/charts/variants/{suite}.svg")
def variants(request: Request, suite: str):
    """The rank-shift chart of the comparison page with the same query (one line per row shown);
    cached by what it draws, so it changes exactly when a drawn rank does."""
    view = variants_view(request, suite)
    titles = tuple(t.title for t in view.compared)
    lines = tuple((r.id, r.model, tuple(r.ranks[t.key] for t in view.compared)) for r in view.rows)
    return _svg(("variants", titles, lines, view.total), lambda: rank_shift_chart(titles, lines, view.total))
