"""Which differences between compared entries are larger than the noise: a paired comparison.

Two models answering the same questions share the questions' difficulty, so their difference is
much less noisy than two separate error bars suggest. Each entry after the first is compared
with the first (A = the first, B = the other): per task the difference A - B of the normalized
score with its paired standard error, 95% interval and p-value (McNemar's mid-p for one set of
right/wrong answers, else the paired bootstrap: `podium.stats.compare`), and the same for the
average. The documents come from both results' details files; a task without them on either
side (a private task keeps none), or scored on other documents, is not paired, and says why.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from podium.eval.details import read_outcomes
from podium.eval.outcomes import NoOutcomes, detail_outcome, stats_task
from podium.eval.provenance import BOOTSTRAP_SEED
from podium.eval.spec import SuiteSpec, TaskSpec
from podium.eval.suites import SUITES
from podium.platform.models import Result
from podium.record import TaskScore, tasks_from_json
from podium.stats import MismatchedDocuments, Task, TaskDifference, compare
from podium.web import samples

RESAMPLES = 10_000
ALPHA = 0.05
"""A difference with p below this is called distinguishable from noise (per task, not corrected
for the number of tasks compared)."""
NOT_KEPT = "the run kept no per-question details for it"
PRIVATE = "its test set is private, so no per-question answers were kept"


@functools.lru_cache(maxsize=64)
def _cached_task(suite: str, key: str, files: tuple[tuple[str, str, float], ...]) -> Task | str:
    """Built once per version of a result's files (they do not change once written): a page shows it often."""
    spec = next(t for t in SUITES[suite].tasks if t.key == key)
    rows = {leaf: [detail_outcome(r) for r in read_outcomes(Path(path), bool(spec.shared_context))]
            for leaf, path, _ in files}
    try:
        return stats_task(spec, rows)
    except NoOutcomes as err:
        return f"its details lack an outcome ({err})"


def _outcomes(suite: SuiteSpec, spec: TaskSpec, result: Result, score: TaskScore) -> Task | str:
    """The task's per-document outcomes from the result's details files, or why there are none."""
    if score.private:
        return PRIVATE
    leaves = samples.leaves(spec, result)
    files = samples.task_files((spec,), result).get(spec.key)
    if not files or sorted(files["files"]) != sorted(leaves):
        return NOT_KEPT
    paths = [Path(result.details_path) / "details" / f"{leaf}.parquet" for leaf in leaves]
    return _cached_task(suite.name, spec.key,
                        tuple((leaf, str(path), os.path.getmtime(path)) for leaf, path in zip(leaves, paths)))


def _verdict(p_value: float) -> dict:
    distinguishable = p_value < ALPHA
    return {"distinguishable": distinguishable, "verdict": "distinguishable" if distinguishable else "within noise"}


def _difference(found: TaskDifference) -> dict:
    return {"paired": True, "difference": found.normalized.estimate, "stderr": found.normalized.stderr,
            "ci_low": found.normalized.ci_low, "ci_high": found.normalized.ci_high,
            "raw_difference": found.raw.estimate, "raw_stderr": found.raw.stderr, "p_value": found.p_value,
            "test": found.p_method, **_verdict(found.p_value)}


def _unpaired(reason: str) -> dict:
    return {"paired": False, "reason": reason}


def _pair_task(suite: SuiteSpec, spec: TaskSpec, a: tuple[Result, dict],
               b: tuple[Result, dict]) -> tuple[dict | None, tuple | None]:
    """(what the page shows, None where neither result scored the task; the two tasks' outcomes when they pair)."""
    (result_a, scores_a), (result_b, scores_b) = a, b
    score_a, score_b = scores_a.get(spec.key), scores_b.get(spec.key)
    scored_a, scored_b = bool(score_a and score_a.ok), bool(score_b and score_b.ok)
    if not (scored_a and scored_b):
        return (_unpaired("not scored in both results") if scored_a or scored_b else None), None
    found_a, found_b = _outcomes(suite, spec, result_a, score_a), _outcomes(suite, spec, result_b, score_b)
    for side, found in (("the first", found_a), ("this", found_b)):
        if isinstance(found, str):
            return _unpaired(f"cannot pair: in {side} entry's result {found}"), None
    try:
        difference = compare([found_a], [found_b], BOOTSTRAP_SEED, RESAMPLES).tasks[spec.key]
    except MismatchedDocuments as err:
        return _unpaired(f"cannot pair: {err}"), None
    return _difference(difference), (found_a, found_b)


def paired_differences(suite: SuiteSpec | None, first: tuple[str, Result], other: tuple[str, Result]) -> dict:
    """Entry `other` against entry `first`: {"tasks": {key: difference or reason}, "average": ...}."""
    (suite_a, result_a), (suite_b, result_b) = first, other
    if suite is None or suite_a != suite_b:
        reason = "cannot pair: the two entries are on different suites"
        return {"tasks": {}, "average": _unpaired(reason)}
    a, b = (result_a, tasks_from_json(result_a.tasks)), (result_b, tasks_from_json(result_b.tasks))
    tasks, paired = {}, {}
    for spec in suite.tasks:
        tasks[spec.key], outcomes = _pair_task(suite, spec, a, b)
        if outcomes is not None:
            paired[spec.key] = outcomes
    averaged = [t.key for t in suite.tasks
                if t.in_average and any(s.get(t.key) is not None and s[t.key].ok for s in (a[1], b[1]))]
    unpaired = [next(t.title for t in suite.tasks if t.key == key) for key in averaged if key not in paired]
    if not averaged:
        return {"tasks": tasks, "average": _unpaired("no task of the average was scored")}
    if unpaired:
        return {"tasks": tasks, "average": _unpaired(
            f"cannot pair the average: {', '.join(unpaired)} could not be paired")}
    if len(averaged) == 1:  # the average is that task's score: the same difference, the same test
        return {"tasks": tasks, "average": tasks[averaged[0]]}
    found = compare([paired[k][0] for k in averaged], [paired[k][1] for k in averaged], BOOTSTRAP_SEED, RESAMPLES)
    average = found.average
    return {"tasks": tasks, "average": {
        "paired": True, "difference": average.estimate, "stderr": average.stderr, "ci_low": average.ci_low,
        "ci_high": average.ci_high, "p_value": found.average_p_value, "test": "paired bootstrap",
        **_verdict(found.average_p_value)}}
