"""Two to four entries side by side: per task, and per sample where their answers differ."""

from __future__ import annotations

import math

from sqlalchemy.orm import Session

from podium.eval.provenance import BOOTSTRAP_SEED
from podium.platform.errors import NotFound
from podium.platform.models import Submission
from podium.web import samples
from podium.web.entries import latest_result, suite_of, task_scores
from podium.web.inputs import InputError
from podium.web.paired import ALPHA, RESAMPLES, paired_differences
from podium.web.visibility import Sight

MIN_MODELS, MAX_MODELS = 2, 4


def _entries(session: Session, ids: list[int]) -> list[tuple[Submission, object]]:
    if not MIN_MODELS <= len(ids) <= MAX_MODELS:
        raise InputError("ids", f"Compare needs {MIN_MODELS} to {MAX_MODELS} different entries; got {len(ids)}.")
    found = []
    for entry_id in ids:
        sub = session.get(Submission, entry_id)
        result = latest_result(session, entry_id) if sub else None
        if sub is None or result is None:
            raise NotFound(f"Entry #{entry_id} does not exist or has no scores yet.")
        found.append((sub, result))
    return found


def _average(suite: str, stored: float | None) -> float | None:
    spec = suite_of(suite)
    return spec.shown_average(stored) if spec else stored


def compare_scores(session: Session, ids: list[int]) -> dict:
    """Scores side by side; each entry after the first also carries its paired difference from the first
    (`podium.web.paired`): per task in the row's `paired`, for the average in the entry's `paired`."""
    entries = _entries(session, ids)
    first_sub, first_result = entries[0]
    suite = suite_of(first_sub.suite)
    pairs = [None] + [paired_differences(suite, (first_sub.suite, first_result), (sub.suite, result))
                      for sub, result in entries[1:]]
    columns = [{"id": sub.id, "model": sub.model.repo_id, "precision": sub.model.precision, "suite": sub.suite,
                "average": _average(sub.suite, result.average), "average_uncertainty": result.average_uncertainty,
                "paired": pair and pair["average"]} for (sub, result), pair in zip(entries, pairs)]
    by_task: dict[str, dict] = {}
    for i, (sub, result) in enumerate(entries):
        for score in task_scores(suite_of(sub.suite), result):
            row = by_task.setdefault(score["key"], {"key": score["key"], "title": score["title"],
                                                    "private": score["private"], "values": [None] * len(entries)})
            row["values"][i] = {"normalized": score["normalized"], "raw": score["raw"], "stderr": score["stderr"],
                                "normalized_stderr": score["normalized_stderr"], "ci_low": score["ci_low"],
                                "ci_high": score["ci_high"]}
    for row in by_task.values():
        row["paired"] = [pair and pair["tasks"].get(row["key"]) for pair in pairs]
        present = [v["normalized"] for v in row["values"] if v and v["normalized"] is not None]
        row["best"] = max(present) if present else None
    return {"entries": columns, "tasks": list(by_task.values()),
            "paired": {"against": first_sub.id, "seed": BOOTSTRAP_SEED, "resamples": RESAMPLES, "alpha": ALPHA}}


def compare_samples(session: Session, ids: list[int], task: str, leaf: str | None, *, seen_by: Sight,
                    disagree_only: bool = True, page: int = 1, per_page: int = 20) -> dict:
    """Samples of one task, joined on the document, with each entry's answer."""
    entries = _entries(session, ids)
    per_entry = []
    for sub, result in entries:
        suite = suite_of(sub.suite)
        spec = next((t for t in (suite.tasks if suite else ()) if t.key == task), None)
        if spec is None:
            raise NotFound(f"Entry #{sub.id} has no task {task[:60]!r}.")
        files = samples.task_files((spec,), result).get(task)
        if not files:
            raise NotFound(f"Entry #{sub.id} kept no samples for {task}.")
        samples.check_visible(files["visibility"], seen_by)
        chosen = leaf or files["files"][0]
        per_entry.append({v["doc_id"]: v for v in map(lambda r: samples.sample_view(r, spec),
                                                       samples.load(result, spec, chosen))})
    shared = sorted(set.intersection(*(set(d) for d in per_entry)), key=lambda d: int(d) if str(d).isdigit() else 0)
    rows = []
    for doc in shared:
        answers = [d[doc] for d in per_entry]
        differ = len({(a["prediction"], a["correct"]) for a in answers}) > 1
        if differ or not disagree_only:
            first = answers[0]
            rows.append({"doc_id": doc, "prompt": first["prompt"], "target": first["target"], "differ": differ,
                         "answers": [{"prediction": a["prediction"], "correct": a["correct"]} for a in answers]})
    per_page = max(1, min(per_page, samples.MAX_PER_PAGE))
    pages = max(1, math.ceil(len(rows) / per_page))
    page = max(1, min(page, pages))
    return {"task": task, "subtask": leaf, "shared": len(shared), "total": len(rows), "page": page, "pages": pages,
            "rows": rows[(page - 1) * per_page: page * per_page]}
