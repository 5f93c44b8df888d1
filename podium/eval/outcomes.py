"""Per-document outcomes of one board task, as the statistics library's nested input (`podium.stats.Task`).

Two sources give the same rows: lm-eval's logged samples while the run is going (every task,
private ones included, so every score gets its error bars), and a result's details files
afterwards (public and gated tasks only: a private task keeps none), which the paired
comparison of two results reads. A row is {doc_id, filter, metrics: {name: value}, doc}.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence

import numpy as np

from podium.eval.spec import TaskSpec
from podium.stats import Subtask, Task


class NoOutcomes(ValueError):
    """The rows do not hold every document's value of the task's metrics."""


def sample_outcome(sample: dict) -> dict:
    """The outcome row of one lm-eval logged sample."""
    return {"doc_id": sample["doc_id"], "filter": sample.get("filter"),
            "metrics": {m: sample.get(m) for m in sample.get("metrics", [])}, "doc": sample.get("doc") or {}}


def _json(text) -> dict:
    value = json.loads(text) if isinstance(text, str) else text
    return value if isinstance(value, dict) else {}


def detail_outcome(row: dict) -> dict:
    """The outcome row of one details-file row (`podium.eval.details`)."""
    return {"doc_id": row["doc_id"], "filter": row.get("filter"), "metrics": _json(row.get("metrics")),
            "doc": _json(row.get("doc"))}


def _value(value, what: str) -> tuple[float, float]:
    """(value, denominator): a list is several items of one document (IFEval's instructions)."""
    if isinstance(value, (list, tuple)):
        return float(sum(bool(v) for v in value)), float(len(value))
    if isinstance(value, (bool, int, float)) and np.isfinite(value):
        return float(value), 1.0
    raise NoOutcomes(f"{what} has no usable value ({value!r})")


def _cluster(doc: dict, field: str, doc_key: str) -> str:
    text = doc.get(field)
    if not isinstance(text, str):  # a document without the shared field stands alone
        return f"doc:{doc_key}"
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _columns(spec: TaskSpec, leaf: str, rows: Sequence[dict], pooled: bool) -> tuple[list, list, list, list]:
    """values, denominators, document ids and cluster labels of one leaf task's rows."""
    metric_filter = spec.metrics[0].partition(",")[2] or "none"
    if any(r.get("filter") == metric_filter for r in rows):  # several filters logged (gsm8k): the scored one
        rows = [r for r in rows if r.get("filter") == metric_filter]
    if not rows:
        raise NoOutcomes(f"{leaf} has no documents")
    names = [m.partition(",")[0] for m in spec.metrics]
    values, denominators, ids, clusters = [], [], [], []
    for row in rows:
        pairs = [_value(row["metrics"].get(name), f"{leaf} document {row['doc_id']}, {name},") for name in names]
        values.append([v for v, _ in pairs])
        denominators.append([d for _, d in pairs])
        doc_id = f"{leaf}/{row['doc_id']}" if pooled else int(row["doc_id"])
        ids.append(doc_id)
        if spec.shared_context:
            clusters.append(_cluster(row["doc"], spec.shared_context, str(doc_id)))
    return values, denominators, ids, clusters


def _subtask(spec: TaskSpec, name: str, parts: list[tuple], lower_bound: float) -> Subtask:
    values, denominators, ids, clusters = ([x for part in parts for x in part[i]] for i in range(4))
    return Subtask(np.array(values), lower_bound, denominators=np.array(denominators),
                   clusters=np.array(clusters) if spec.shared_context else None, ids=np.array(ids), name=name)


def stats_task(spec: TaskSpec, rows_by_leaf: Mapping[str, Sequence[dict]]) -> Task:
    """The task as `podium.stats` reads it: its leaf tasks' documents, one stratum per leaf for a
    subtask mean (BBH, MuSR), else one pooled stratum (lm-eval pools a group by size: GPQA, MATH)."""
    leaves = list(rows_by_leaf)
    if spec.aggregate == "subtask_mean":
        subtasks = [_subtask(spec, leaf, [_columns(spec, leaf, rows_by_leaf[leaf], False)], spec.subtask_bound(leaf))
                    for leaf in leaves]
        return Task(spec.key, tuple(subtasks))
    pooled = len(leaves) > 1
    parts = [_columns(spec, leaf, rows_by_leaf[leaf], pooled) for leaf in leaves]
    return Task(spec.key, (_subtask(spec, spec.key, parts, spec.lower_bound),))


def run_task(spec: TaskSpec, output: dict) -> Task | None:
    """The task's outcomes from the output of the `simple_evaluate` call that ran it (None: not logged)."""
    from podium.eval.scoring import leaf_tasks

    samples = output.get("samples") or {}
    leaves = leaf_tasks(spec.lm_eval_task, output.get("group_subtasks", {}))
    if any(leaf not in samples for leaf in leaves):
        return None
    try:
        return stats_task(spec, {leaf: [sample_outcome(s) for s in samples[leaf]] for leaf in leaves})
    except NoOutcomes:
        return None
