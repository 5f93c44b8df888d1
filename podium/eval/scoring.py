"""Turn lm-eval's results block into the leaderboard's numbers for one task spec.

Pure functions over the dict `lm_eval.simple_evaluate` returns: they pick the metric the
leaderboard reads, apply the suite's aggregation and normalization, and keep raw scores
beside normalized ones, as the run record's `TaskScore`s (`podium.record`).
"""

from __future__ import annotations

import math

from podium.eval.normalize import mean, normalize, stderr_of_mean, subtask_mean
from podium.eval.spec import TaskSpec
from podium.record import SubtaskScore, TaskScore


def missing_score(spec: TaskSpec, status: str, error: str, kind: str) -> TaskScore:
    """The score of a column that could not be computed (its data is missing, ...), with the reason."""
    return TaskScore(spec.key, spec.title, "+".join(spec.metrics), None, None, None, 0, spec.lower_bound,
                     status=status, error=error, error_kind=kind, private=spec.private, in_average=spec.in_average)


def leaf_tasks(name: str, group_subtasks: dict[str, list[str]]) -> list[str]:
    """The tasks under a (possibly nested) group, in lm-eval's order; a plain task is its own leaf."""
    children = group_subtasks.get(name)
    if not children:
        return [name]
    return [leaf for child in children for leaf in leaf_tasks(child, group_subtasks)]


def _number(value) -> float | None:
    if isinstance(value, (int, float)) and not (isinstance(value, float) and math.isnan(value)):
        return float(value)
    return None


def _stderr_key(metric: str) -> str:
    name, _, filt = metric.partition(",")
    return f"{name}_stderr,{filt}"


def _read(results: dict, task: str, metrics: tuple[str, ...]) -> tuple[float, float | None]:
    """Mean of the named metrics of one task (one metric for all tasks but IFEval)."""
    row = results[task]
    missing = [m for m in metrics if _number(row.get(m)) is None]
    if missing:
        raise KeyError(f"lm-eval reported no {', '.join(missing)} for {task}")
    value = mean(float(row[m]) for m in metrics)
    stderr = stderr_of_mean([_number(row.get(_stderr_key(m))) for m in metrics])
    return value, stderr


def _n_samples(n_samples: dict, tasks: list[str]) -> int:
    return sum(int(n_samples.get(t, {}).get("effective", 0)) for t in tasks)


def score_task(spec: TaskSpec, output: dict) -> TaskScore:
    """Score one task spec from the output of one `simple_evaluate` call that ran it."""
    results = output["results"]
    group_subtasks = output.get("group_subtasks", {})
    n_samples = output.get("n-samples", {})
    leaves = leaf_tasks(spec.lm_eval_task, group_subtasks)
    subtasks: dict[str, SubtaskScore] = {}
    if len(leaves) > 1 or leaves[0] != spec.lm_eval_task:
        for leaf in leaves:
            raw, se = _read(results, leaf, spec.metrics)
            lb = spec.subtask_bound(leaf)
            subtasks[leaf] = SubtaskScore(raw, normalize(raw, lb), se, _n_samples(n_samples, [leaf]), lb)
    if spec.aggregate == "subtask_mean":
        raw, norm = subtask_mean({k: s.raw for k, s in subtasks.items()},
                                 {k: s.lower_bound for k, s in subtasks.items()})
        stderr = stderr_of_mean([s.stderr for s in subtasks.values()])
    else:
        raw, stderr = _read(results, spec.lm_eval_task, spec.metrics)
        norm = normalize(raw, spec.lower_bound)
    return TaskScore(
        key=spec.key,
        title=spec.title,
        metric="+".join(spec.metrics),
        raw=raw,
        normalized=norm,
        stderr=stderr,
        n_samples=_n_samples(n_samples, leaves),
        lower_bound=spec.lower_bound,
        private=spec.private,
        in_average=spec.in_average,
        subtasks=subtasks,
    )
