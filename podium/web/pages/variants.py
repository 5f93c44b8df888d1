"""The comparison board page: one benchmark's implementations side by side, with the rank-shift chart."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request

from podium.web.api.variants import variants_view
from podium.web.deps import Caller, caller
from podium.web.pages.render import page

router = APIRouter(include_in_schema=False)
BLOG = "https://huggingface.co/blog/evaluating-mmlu-leaderboard"  # "What's going on with the Open LLM Leaderboard?"


@router.get("/variants/{suite}")
def variants(request: Request, suite: str, who: Caller = Depends(caller)):
    view = variants_view(request, suite)
    state = dict(request.query_params)

    def link(**changes) -> str:
        """This page's query with some parameters changed (None drops one)."""
        return "?" + urlencode({k: v for k, v in {**state, **changes}.items() if v is not None})

    query = link()
    return page(request, "variants.html", who, view=view, link=link, blog=BLOG,
                chart=f"/charts/variants/{view.suite.name}.svg{query}",
                csv=f"/api/variants/{view.suite.name}/export.csv{link(page=None, per_page=None)}")
