"""Board pages: a suite's leaderboard, the archive of suites, trends, and the tracing board."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from podium.eval.suites import SUITES
from podium.platform.vocab import MODEL_TYPE_LABELS, PRECISIONS, UNKNOWN_TYPE_LABEL
from podium.tracing.verdict import DERIVED_LOG10_P
from podium.web.api.boards import board_view
from podium.web.board.columns import all_columns
from podium.web.board.present import column_json, page_json
from podium.web.board.query import HIDEABLE, ONLY
from podium.web.boards import archive, comparisons, suite_or_404
from podium.web.deps import Caller, caller, db, state
from podium.web.notices import board_notices
from podium.web.pages.render import page, to_json
from podium.web.tracing_board import provenance_checks, traces_dir, tracing_rows
from podium.web.visibility import records_for, sight, text_for

router = APIRouter(include_in_schema=False)

ICONS = {**{name: symbol for name, (symbol, _) in MODEL_TYPE_LABELS.items()}, "unknown": UNKNOWN_TYPE_LABEL[0]}
PRESET_LABELS = (("edge", "Edge 0-3B"), ("consumer", "Consumer 3-7B"), ("mid", "Mid-range 7-65B"),
                 ("large", "Large 65B+"), ("official", "Official providers"), ("picks", "⭐ Maintainer's picks"))
ONLY_LABELS = {"picked": "⭐ maintainer's picks", "official": "official providers"}
SLIDER_STEPS = (0, 0.5, 1, 1.5, 3, 7, 8, 13, 14, 35, 65, 70, 140, None)


def _board(request: Request, name: str, who: Caller):
    suite, query, result = board_view(request, name)
    web = state(request)
    with web.read_factory() as session:
        notices = board_notices(session, web.config.data_notice, suite.name)
    data = {"suite": suite.name, "columns": [column_json(c) for c in all_columns(suite.tasks).values()],
            "page": page_json(suite, query, result), "slider_steps": SLIDER_STEPS, "icons": ICONS}
    return page(request, "board.html", who, suite=suite, data=to_json(data), notices=notices, presets=PRESET_LABELS,
                types=list(ICONS.items()), precisions=PRECISIONS, hideable=HIDEABLE,
                only=[(o, ONLY_LABELS[o]) for o in ONLY], slider_steps=SLIDER_STEPS)


@router.get("/")
def home(request: Request, who: Caller = Depends(caller)):
    return _board(request, state(request).config.landing_suite, who)


@router.get("/board/{suite}")
def board(request: Request, suite: str, who: Caller = Depends(caller)):
    if suite in SUITES and not SUITES[suite].has_score_board:
        return RedirectResponse(SUITES[suite].board_path, status_code=303)  # its own board (kind, comparison)
    return _board(request, suite, who)


@router.get("/archive")
def archive_page(request: Request, who: Caller = Depends(caller)):
    return page(request, "archive.html", who, suites=archive(), comparisons=comparisons())


@router.get("/trends")
def trends(request: Request, suite: str = Query(None, max_length=60), who: Caller = Depends(caller)):
    chosen = suite_or_404(suite or state(request).config.landing_suite)
    return page(request, "trends.html", who, suite=chosen, suites=archive())


@router.get("/tracing")
def tracing(request: Request, who: Caller = Depends(caller), session: Session = Depends(db)):
    seen_by = sight(who.actor)
    return page(request, "tracing.html", who, rows=records_for(tracing_rows(session), seen_by),
                checks=records_for(provenance_checks(session), seen_by),
                folder=text_for(str(traces_dir()), seen_by), threshold=DERIVED_LOG10_P)
