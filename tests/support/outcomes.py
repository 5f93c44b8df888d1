"""lm-eval logged samples with chosen outcomes, for tests of error bars and paired comparisons."""

from __future__ import annotations

from podium.eval.outcomes import sample_outcome, stats_task
from podium.eval.spec import TaskSpec


def lm_sample(doc_id: int, values: dict, doc: dict | None = None, filt: str = "none") -> dict:
    """One logged sample of a two-choice question; `values` maps metric names to this document's values."""
    question = f"Question {doc_id}: which answer?"
    return {"doc_id": doc_id, "arguments": [(question, " A"), (question, " B")],
            "resps": [[(-1.0, True)], [(-2.0, False)]], "target": 0, "metrics": list(values), **values,
            "filter": filt, "doc": doc or {}}


def right_wrong(metric: str, pattern: list[int], doc=None) -> list[dict]:
    """One sample per entry of `pattern` (1 right, 0 wrong) for a one-metric task."""
    return [lm_sample(i, {metric: float(v)}, doc(i) if doc else None) for i, v in enumerate(pattern)]


def task_of(spec: TaskSpec, samples: dict[str, list[dict]]):
    return stats_task(spec, {leaf: [sample_outcome(s) for s in rows] for leaf, rows in samples.items()})
