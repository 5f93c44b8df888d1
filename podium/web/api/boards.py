"""Board API: the list of boards, one filtered/sorted/paged board, and its CSV download."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from podium.web.api.contract import CSV, VALIDATION, errors
from podium.web.board.columns import all_columns
from podium.web.board.present import column_json, page_json, to_csv
from podium.web.board.query import BoardQuery, parse_query, run, version_of
from podium.web.boards import archive, suite_or_404
from podium.web.deps import state

router = APIRouter(prefix="/api/boards", tags=["boards"], responses=VALIDATION)

QUERY_DOC = (
    "Board state, all optional: q (search: `;` alternatives, `@field:value`, regex), type, precision "
    "(comma lists), params_min, params_max (billions), preset (edge|consumer|mid|large|official|picks), "
    "only (picked,official: maintainer's picks, official providers), hide (merged,moe,flagged,unavailable), "
    "sort (column key), order (asc|desc), scores (normalized|raw), "
    "rank (static|dynamic), page, per_page (<= 200), pins (entry ids), cols (optional columns), version (a suite "
    "version listed in the answer's `versions`; default: the current one, the version of the newest result), "
    "incomplete (hide|show: rows whose average lacks a task are not ranked; shown after the ranked ones; default: "
    "hidden, unless no row of the board has a complete average; the answer's `incomplete` says which). "
    "Each row carries `rank_interval` (best and worst rank consistent with the data, 95% for all rows at "
    "once; `estimated` false: no standard error, the point rank) and `notice` (what its average lacks or how its "
    "data differs, in words; null when complete on the leaderboard's data). "
    "Unknown parameters are refused."
)


def board_view(request: Request, name: str, *, everything: bool = False):
    """(suite, query, page) for a board request; shared by the API, the CSV and the HTML page."""
    suite = suite_or_404(name)
    query: BoardQuery = parse_query(request.query_params, all_columns(suite.tasks))
    boards = state(request).boards
    snapshot = boards.get(suite)
    version = version_of(snapshot, query)
    if version is not None:
        snapshot = boards.get(suite, version)
    return suite, query, run(snapshot, query, everything=everything)


@router.get("", summary="Every board with its tasks and columns")
def list_boards() -> list[dict]:
    return [{"name": s.name, "title": s.title, "about": s.about, "archived": s.archived,
             "tasks": [{"key": t.key, "title": t.title, "about": t.about, "lower_bound": t.lower_bound,
                        "private": t.private, "visibility": t.visibility, "in_average": t.in_average}
                       for t in s.tasks],
             "columns": [column_json(c) for c in all_columns(s.tasks).values()]} for s in archive()]


@router.get("/{suite}", summary="One page of a board", description=QUERY_DOC, responses=errors(404))
def get_board(request: Request, suite: str) -> dict:
    s, query, page = board_view(request, suite)
    return page_json(s, query, page)


@router.get("/{suite}/export.csv", summary="The current view as CSV", description=QUERY_DOC,
            response_class=Response, responses={**errors(404), 200: CSV})
def export_csv(request: Request, suite: str) -> Response:
    s, query, page = board_view(request, suite, everything=True)
    return Response(to_csv(s, query, page), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{s.name}.csv"'})
