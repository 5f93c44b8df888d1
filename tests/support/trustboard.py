"""A constructed v2 board whose ranks, rank ranges and data notices are known in advance (holds no tests).

Five entries, normalized averages (every task the same score):
  top      60.0, SE from each task's stderr: ranks 1 to 2 (overlaps `close`)
  close    59.5, a --limit 50 run: ranks 1 to 2, every task a sample
  musr     30.0, MuSR read from the 15-story offline copy: rank 3 exactly
  no-se    10.0, one task without a stderr: the point rank 4, not estimated
  partial  70.0, GPQA unavailable: the best average, but incomplete, so not ranked
"""

from __future__ import annotations

from dataclasses import replace

from podium.eval.suites import SUITES
from podium.platform.db import transaction
from podium.platform.models import Model, Result, Submission
from podium.record import TaskScore
from workshop.synthetic import add_entries

SUITE = SUITES["openllm-v2"]
ENTRIES = {  # name -> (average, every task has a stderr, limit, MuSR's data differences, a task left unavailable)
    "top": (60.0, True, None, None, None),
    "close": (59.5, True, 50.0, None, None),
    "musr": (30.0, True, None, {"TAUR-Lab/MuSR": "Only 15 stories (5 per domain) instead of 250/256/250."}, None),
    "no-se": (10.0, False, None, None, None),
    "partial": (70.0, True, None, None, "gpqa"),
}


def _tasks(average: float, stderrs: bool, missing: str | None) -> dict:
    tasks = {}
    for n, spec in enumerate(SUITE.tasks):
        score = TaskScore(key=spec.key, title=spec.title, metric=spec.metrics[0], raw=average / 100,
                          normalized=average, stderr=0.01 if stderrs or n else None, n_samples=500,
                          lower_bound=spec.lower_bound, private=spec.private, in_average=spec.in_average)
        if spec.key == missing:
            score = replace(score, raw=None, normalized=None, stderr=None, status="unavailable",
                            error="The gated dataset is not in the data folder.")
        tasks[spec.key] = score.to_json()
    return tasks


def trust_board(factory, names: tuple[str, ...] | None = None) -> dict[str, int]:
    """Insert the five entries (or those `names`); returns name -> entry id."""
    chosen = {k: v for k, v in ENTRIES.items() if names is None or k in names}
    with transaction(factory) as session:
        ids = add_entries(session, SUITE, len(chosen), seed=7)
    found = {}
    with transaction(factory) as session:
        for (name, (average, stderrs, limit, musr, missing)), entry in zip(chosen.items(), ids, strict=True):
            result = session.query(Result).filter_by(submission_id=entry).one()
            provenance = dict(result.provenance)
            provenance["run"] = {**provenance["run"], "limit": limit}
            if musr:
                provenance["data"] = {**provenance["data"], "tasks": {"musr": {
                    "source": "folder", "location": "data folder", "files": {}, "differences": musr}}}
            result.provenance = provenance
            result.tasks = _tasks(average, stderrs, missing)
            result.average = average
            result.average_complete = missing is None
            model = session.get(Model, session.get(Submission, entry).model_id)
            model.repo_id, model.org = f"trust/{name}", "trust"
            found[name] = entry
    return found
