"""Comparison board API: a suite's implementations side by side (`podium.web.variants`), and its CSV."""

from __future__ import annotations

import weakref

from fastapi import APIRouter, Request
from fastapi.responses import Response

from podium.eval.spec import SuiteSpec
from podium.platform.errors import NotFound
from podium.web.api.contract import CSV, VALIDATION, errors
from podium.web.board.query import version_of
from podium.web.board.snapshot import Snapshot
from podium.web.boards import suite_or_404
from podium.web.deps import state
from podium.web.variants import MAX_PER_PAGE, Ranking, VariantsPage, page_json, parse_query, to_csv, variants_page

router = APIRouter(prefix="/api/variants", tags=["boards"], responses=VALIDATION)

QUERY_DOC = (
    "Each model's score and rank under every compared implementation; no average. All optional: sort (a compared "
    "column's key, by its rank; `shift`: how far a model's rank moves; `model`), order (asc|desc), page, "
    f"per_page (<= {MAX_PER_PAGE}), version (a suite version listed in the answer's `versions`). "
    "Unknown parameters are refused."
)


_rankings: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # snapshot -> (its fingerprint, Ranking)


def ranking_of(suite: SuiteSpec, snapshot: Snapshot) -> Ranking:
    """One ranking per board snapshot, rebuilt when the snapshot's fingerprint moves."""
    found = _rankings.get(snapshot)
    if found is None or found[0] != snapshot.fingerprint:
        found = _rankings[snapshot] = (snapshot.fingerprint, Ranking(suite, snapshot.rows))
    return found[1]


def variants_view(request: Request, name: str, *, everything: bool = False) -> VariantsPage:
    """The comparison page a request asks for; shared by the API, the CSV, the HTML page and its chart."""
    suite = suite_or_404(name, compared=True)
    if not suite.compared:
        raise NotFound(f"Suite {name!r} does not compare implementations.", hint=f"Its board is /board/{name}.")
    query = parse_query(request.query_params, suite)
    boards = state(request).boards
    snapshot = boards.get(suite)
    version = version_of(snapshot, query)
    if version is not None:
        snapshot = boards.get(suite, version)
    return variants_page(ranking_of(suite, snapshot), query, snapshot.version, snapshot.versions,
                         everything=everything)


@router.get("/{suite}", summary="Implementations of one benchmark side by side", description=QUERY_DOC,
            responses=errors(404))
def get_variants(request: Request, suite: str) -> dict:
    return page_json(variants_view(request, suite))


@router.get("/{suite}/export.csv", summary="The comparison as CSV (every row)", description=QUERY_DOC,
            response_class=Response, responses={**errors(404), 200: CSV})
def export_csv(request: Request, suite: str) -> Response:
    view = variants_view(request, suite, everything=True)
    return Response(to_csv(view), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{view.suite.name}.csv"'})
