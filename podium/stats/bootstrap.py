"""Seeded bootstrap of normalized scores and the suite average.

Normalization clips at 0, so a normalized score's error is not the raw error rescaled (near the
random baseline it is smaller, and skewed). The bootstrap resamples each task's documents (or
clusters) independently within each subtask, recomputes every subtask's raw score, normalizes
it, averages subtasks into the task score and tasks into the suite average, exactly as the
leaderboard computes the point values. The standard error is the replicates' standard deviation
and the interval their percentile interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from podium.stats.resample import check_resamples, resample_sums, task_rng
from podium.stats.tasks import Subtask, Task, normalize
from podium.stats.validate import check_confidence

DEFAULT_RESAMPLES = 10_000


@dataclass(frozen=True)
class Interval:
    """A point value with its standard error and confidence interval, in the value's own units."""

    estimate: float
    stderr: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class TaskUncertainty:
    name: str
    raw: Interval
    """Raw score in [0, 1]."""
    normalized: Interval
    """Normalized score in [0, 100]."""


@dataclass(frozen=True, eq=False)
class SuiteUncertainty:
    tasks: dict[str, TaskUncertainty]
    average: Interval
    """The unweighted mean of the tasks' normalized scores."""
    replicates: np.ndarray
    """Normalized task scores per resample, shape (resamples, tasks), tasks in input order."""
    seed: int
    resamples: int
    confidence: float

    @property
    def average_replicates(self) -> np.ndarray:
        return self.replicates.mean(axis=1)


def summarize(estimate: float, replicates: np.ndarray, confidence: float) -> Interval:
    """SE = standard deviation of the replicates (ddof=1); interval = their percentile interval."""
    tail = (1 - confidence) / 2
    low, high = np.quantile(replicates, [tail, 1 - tail])
    return Interval(float(estimate), float(np.std(replicates, ddof=1)), float(low), float(high))


def raw_from_sums(sums: np.ndarray, metrics: int) -> np.ndarray:
    """Raw score per resample from resampled unit sums laid out as (values..., denominators...)."""
    return np.mean(sums[:, :metrics] / sums[:, metrics:2 * metrics], axis=1)


def subtask_replicates(subtask: Subtask, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Raw score of one subtask per resample."""
    return raw_from_sums(resample_sums(subtask.units(), resamples, rng), subtask.values.shape[1])


def task_replicates(task: Task, resamples: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(raw, normalized) task scores per resample: subtasks normalized first, then averaged."""
    raws = np.column_stack([subtask_replicates(s, resamples, rng) for s in task.subtasks])
    bounds = [s.lower_bound for s in task.subtasks]
    norms = np.column_stack([normalize(raws[:, j], lb) for j, lb in enumerate(bounds)])
    return raws.mean(axis=1), norms.mean(axis=1)


def check_task_names(tasks: Sequence[Task]) -> list[str]:
    names = [t.name for t in tasks]
    if not names:
        raise ValueError("no tasks given")
    if len(set(names)) != len(names):
        raise ValueError(f"task names repeat: {names}")
    return names


def bootstrap_suite(tasks: Sequence[Task], seed: int, resamples: int = DEFAULT_RESAMPLES,
                    confidence: float = 0.95) -> SuiteUncertainty:
    """SE and percentile interval of every task's raw and normalized score and of the suite average.

    `tasks` are the tasks that count in the average. Each task draws from its own stream of
    `seed` (`task_rng`), so the result is reproducible and a task's interval does not depend on
    which other tasks are given.
    """
    check_task_names(tasks)
    resamples = check_resamples(resamples)
    check_confidence(confidence)
    results: dict[str, TaskUncertainty] = {}
    columns = []
    for task in tasks:
        raw, norm = task_replicates(task, resamples, task_rng(seed, task.name))
        results[task.name] = TaskUncertainty(task.name, summarize(task.raw, raw, confidence),
                                             summarize(task.normalized, norm, confidence))
        columns.append(norm)
    replicates = np.column_stack(columns)
    average = float(np.mean([t.normalized for t in tasks]))
    return SuiteUncertainty(results, summarize(average, replicates.mean(axis=1), confidence), replicates,
                            int(seed), resamples, confidence)
