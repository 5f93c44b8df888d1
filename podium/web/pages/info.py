"""About / FAQ (what each benchmark measures, exact settings, normalization, reproduction) and Citation."""

from __future__ import annotations

import functools
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from markdown_it import MarkdownIt
from markupsafe import Markup

import podium.stats
from podium.eval.normalize import normalize
from podium.web.boards import archive, comparisons
from podium.web.citations import BENCHMARKS, HARNESS, LEADERBOARDS, PODIUM, TASK_CITATIONS
from podium.web.deps import Caller, caller, state
from podium.web.pages.render import page

router = APIRouter(include_in_schema=False)

# The worked example of the About page, computed rather than typed, so it cannot drift from the rule.
EXAMPLE = {"raw": 0.40, "lower_bound": 0.25, "normalized": normalize(0.40, 0.25), "below": normalize(0.20, 0.25)}


@functools.cache
def error_bars_html() -> Markup:
    """podium/stats/README.md (the formulas of every error bar) as About-page HTML: its title dropped,
    its sections one level down. Rendered from the one file, so the page cannot drift from it;
    raw HTML in it is not passed through."""
    text = (Path(podium.stats.__file__).parent / "README.md").read_text()
    body = "\n".join("#" + line if line.startswith("##") else line for line in text.splitlines()[1:])
    return Markup(MarkdownIt("commonmark", {"html": False}).render(body))


@router.get("/about")
def about(request: Request, who: Caller = Depends(caller)):
    return page(request, "about.html", who, suites=archive() + comparisons(), example=EXAMPLE,
                limits=state(request).config.abuse, quota=state(request).config.settings, error_bars=error_bars_html())


@router.get("/citation")
def citation(request: Request, who: Caller = Depends(caller)):
    used = {}
    for suite in archive() + comparisons():
        for task in suite.tasks:
            key = TASK_CITATIONS.get(task.key)
            if key:
                used.setdefault(key, []).append(task.title)
    benchmarks = [(key, titles, BENCHMARKS[key]) for key, titles in used.items()]
    benchmarks.append(("tracing", ["Model tracing board"], BENCHMARKS["tracing"]))
    return page(request, "citation.html", who, podium=PODIUM, leaderboards=LEADERBOARDS, harness=HARNESS,
                benchmarks=benchmarks)
