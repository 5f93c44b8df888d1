"""The per-sample browser: what the model saw, what it answered, and whether it was right.

Details are the evaluator's `details/<lm-eval task>.parquet` files inside a result folder.
A board task maps to one file, or to one per subtask (BBH, MMLU, ...). Gated and private
tasks never show samples, except to operators (`podium.web.visibility`). Parsed files are
cached (keyed by path and mtime), because paging through one task re-reads the same file.
"""

from __future__ import annotations

import functools
import json
import math
import os
from pathlib import Path

from podium.eval.details import read_details
from podium.eval.spec import TaskSpec
from podium.platform.errors import Forbidden, NotFound
from podium.platform.models import Result
from podium.record import TaskScore
from podium.web.inputs import InputError
from podium.web.visibility import Sight, may_see_samples, task_visibility

MAX_SEARCH_CHARS = 200
MAX_PER_PAGE = 50
WHY_HIDDEN = {"private": "This task's test set is private: only its aggregate scores are published.",
              "gated": "This task's questions are gated: their authors ask that they never be published, "
                       "so only its aggregate scores are."}


def _score(spec: TaskSpec, result: Result) -> TaskScore | None:
    stored = result.tasks.get(spec.key)
    return None if stored is None else TaskScore.from_json(stored, f"task score {spec.key!r}")


def leaves(spec: TaskSpec, result: Result) -> list[str]:
    """The lm-eval task names whose sample files make up one board task."""
    score = _score(spec, result)
    return list(score.subtasks if score else ()) or [spec.lm_eval_task]


def task_files(specs: tuple[TaskSpec, ...], result: Result) -> dict[str, dict]:
    """board task key -> {title, visibility, files: [leaf, ...]} for the leaves that have a file
    (the visibility is the strictest of the spec's and the recorded score's)."""
    folder = Path(result.details_path) / "details"
    out = {}
    for spec in specs:
        present = [leaf for leaf in leaves(spec, result) if (folder / f"{leaf}.parquet").is_file()]
        if present:
            out[spec.key] = {"title": spec.title,
                             "visibility": task_visibility(spec,
                                                           bool((score := _score(spec, result)) and score.private)),
                             "files": present}
    return out


def _json(text, default):
    try:
        return json.loads(text) if isinstance(text, str) else default
    except ValueError:
        return default


def _metric(spec: TaskSpec) -> tuple[str, str]:
    name, _, filt = spec.metrics[0].partition(",")
    return name, filt or "none"


def _prediction(row: dict, metric: str) -> tuple[int | None, str | None]:
    """(chosen index, text) the way the metric chose: argmax log-likelihood, per character for acc_norm."""
    choices, lls = row.get("choices") or [], row.get("loglikelihoods") or []
    if choices and len(lls) == len(choices):
        scores = [ll / max(1, len(c)) for ll, c in zip(lls, choices)] if metric == "acc_norm" else lls
        best = max(range(len(scores)), key=scores.__getitem__)
        return best, choices[best]
    filtered = _json(row.get("filtered"), None)
    if isinstance(filtered, list) and filtered and isinstance(filtered[0], str):
        return None, filtered[0]
    return None, row.get("generation")


def _target_index(target, choices: list[str]) -> int | None:
    """Which choice is the gold one: lm-eval logs an index ("2"), or the answer itself where the
    task's target is text (MMLU-Pro's letter "C", while its logged choices carry the target
    delimiter: " C")."""
    if not isinstance(target, str):
        return None
    if target.isdigit():
        return int(target) if int(target) < len(choices) else None
    stripped = [c.strip() for c in choices]
    return stripped.index(target.strip()) if target.strip() in stripped else None


def sample_view(row: dict, spec: TaskSpec) -> dict:
    metric, _ = _metric(spec)
    values = _json(row.get("metrics"), {})
    score = values.get(metric, next(iter(values.values()), None)) if isinstance(values, dict) else None
    score = float(score) if isinstance(score, (int, float, bool)) else None
    index, text = _prediction(row, metric)
    target, choices = row.get("target"), row.get("choices") or []
    target_index = _target_index(target, choices)
    target_text = choices[target_index] if target_index is not None else target
    return {
        "doc_id": row.get("doc_id"), "prompt": row.get("prompt"), "choices": choices,
        "loglikelihoods": row.get("loglikelihoods") or [], "prediction_index": index, "prediction": text,
        "target": target_text, "target_index": target_index,
        "score": score, "correct": None if score is None else score >= 0.5,
    }


@functools.lru_cache(maxsize=16)
def _rows(path: str, mtime: float, metric_filter: str) -> tuple[dict, ...]:
    rows = read_details(Path(path))
    if any(r.get("filter") == metric_filter for r in rows):  # several filters logged (gsm8k): the scored one
        rows = [r for r in rows if r.get("filter") == metric_filter]
    return tuple(rows)


def load(result: Result, spec: TaskSpec, leaf: str) -> tuple[dict, ...]:
    if leaf not in leaves(spec, result):
        raise NotFound(f"Task {spec.key} has no subtask {leaf[:80]!r}.")
    path = Path(result.details_path) / "details" / f"{leaf}.parquet"
    if not path.is_file():
        raise NotFound(f"The samples of {leaf} were not kept for this run.")
    return _rows(str(path), os.path.getmtime(path), _metric(spec)[1])


def check_visible(visibility: str, seen_by: Sight) -> None:
    if not may_see_samples(visibility, seen_by):
        raise Forbidden(WHY_HIDDEN.get(visibility, WHY_HIDDEN["private"]))


def browse(result: Result, spec: TaskSpec, leaf: str, *, q: str = "", wrong_only: bool = False, page: int = 1,
           per_page: int = 20) -> dict:
    if len(q) > MAX_SEARCH_CHARS:
        raise InputError("q", f"The sample search is limited to {MAX_SEARCH_CHARS} characters.")
    views = [sample_view(r, spec) for r in load(result, spec, leaf)]
    needle = q.strip().lower()
    if needle:
        views = [v for v in views if needle in (v["prompt"] or "").lower()
                 or any(needle in (c or "").lower() for c in v["choices"]) or needle in str(v["prediction"]).lower()]
    if wrong_only:
        views = [v for v in views if v["correct"] is False]
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    pages = max(1, math.ceil(len(views) / per_page))
    page = max(1, min(page, pages))
    return {"task": spec.key, "subtask": leaf, "total": len(views), "page": page, "pages": pages,
            "samples": views[(page - 1) * per_page: page * per_page]}
