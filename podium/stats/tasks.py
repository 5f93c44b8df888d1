"""The nested input of the bootstrap and the paired comparison: a task made of subtasks.

A `Subtask` is one stratum: documents scored together and normalized with one lower bound.
A `Task` is the unweighted mean of its subtasks' normalized scores (BBH, MuSR); a plain task
(MMLU-Pro), or a group lm-eval pools by size (MATH Lvl 5, GPQA), is a task of one subtask. The leaderboard
normalization, `norm = max(0, raw - lb) / (1 - lb) * 100`, is the one `podium.eval.normalize` applies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from podium.stats.intervals import residual_standard_error, stratified_standard_error
from podium.stats.validate import as_labels, as_outcomes, check_lower_bound


def normalize(raw, lower_bound: float):
    """Element-wise leaderboard normalization (0 = random guessing, 100 = perfect; clips at 0)."""
    lb = check_lower_bound(lower_bound)
    return np.maximum(0.0, np.asarray(raw, dtype=float) - lb) / (1.0 - lb) * 100.0


def sum_by_cluster(rows: np.ndarray, clusters: np.ndarray | None) -> np.ndarray:
    """Rows summed per cluster (clusters in sorted label order); the rows themselves without clusters."""
    if clusters is None:
        return rows
    _, cluster_of = np.unique(clusters, return_inverse=True)
    summed = np.zeros((int(cluster_of.max()) + 1, rows.shape[1]))
    np.add.at(summed, cluster_of, rows)
    return summed


@dataclass(frozen=True, eq=False)
class Subtask:
    """Per-document outcomes of one stratum.

    values: shape (n,) or (n, k): k metrics averaged into the score (IFEval: prompt- and
        instruction-level accuracy), each 0/1 or a float.
    denominators: optional, same shape: a metric's score is sum(values) / sum(denominators), so a
        document can count several items (IFEval's instruction-level accuracy counts instructions:
        values = instructions followed, denominators = instructions). Default: 1 per document.
    clusters: optional label per document for items that share a context (MuSR: the story); the
        bootstrap resamples whole clusters and the standard error is cluster-robust.
    ids: optional document ids, needed to pair two results document by document.
    """

    values: np.ndarray
    lower_bound: float = 0.0
    denominators: np.ndarray | None = None
    clusters: np.ndarray | None = None
    ids: np.ndarray | None = None
    name: str = ""

    def __post_init__(self):
        values = as_outcomes(self.values, f"values of subtask '{self.name}'", ndim=(1, 2))
        values = values.reshape(values.shape[0], -1)
        if self.denominators is None:
            denominators = np.ones_like(values)
        else:
            denominators = as_outcomes(self.denominators, f"denominators of subtask '{self.name}'", ndim=(1, 2))
            denominators = denominators.reshape(denominators.shape[0], -1)
            if denominators.shape != values.shape:
                raise ValueError(f"subtask '{self.name}': denominators have shape {denominators.shape}, "
                                 f"values {values.shape}")
            if np.any(denominators < 0) or np.any(denominators.sum(axis=0) <= 0):
                raise ValueError(f"subtask '{self.name}': denominators must be non-negative with a positive total")
        n = values.shape[0]
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "denominators", denominators)
        object.__setattr__(self, "lower_bound", check_lower_bound(self.lower_bound))
        if self.clusters is not None:
            object.__setattr__(self, "clusters", as_labels(self.clusters, n, f"clusters of subtask '{self.name}'"))
        if self.ids is not None:
            ids = as_labels(self.ids, n, f"ids of subtask '{self.name}'")
            if np.unique(ids).size != n:
                raise ValueError(f"subtask '{self.name}': document ids are not unique")
            object.__setattr__(self, "ids", ids)

    @property
    def n(self) -> int:
        return int(self.values.shape[0])

    @property
    def is_binary(self) -> bool:
        """One 0/1 metric, one item per document: McNemar's test applies."""
        return (self.values.shape[1] == 1 and bool(np.all(self.denominators == 1))
                and bool(np.all((self.values == 0) | (self.values == 1))))

    @property
    def raw(self) -> float:
        return float(np.mean(self.values.sum(axis=0) / self.denominators.sum(axis=0)))

    @property
    def normalized(self) -> float:
        return float(normalize(self.raw, self.lower_bound))

    def units(self) -> np.ndarray:
        """The resampling units: one row per document (or per cluster, summed), values then denominators."""
        return sum_by_cluster(np.hstack([self.values, self.denominators]), self.clusters)

    def residuals(self) -> np.ndarray:
        """Per-document linearized residuals of the raw score (its influence function, times n).

        For a metric r = sum(x) / sum(w): (x_i - r w_i) / mean(w); averaged over the k metrics.
        For a plain mean this is x_i - xbar, so the standard errors below reduce to the usual ones.
        """
        totals_w = self.denominators.sum(axis=0)
        ratio = self.values.sum(axis=0) / totals_w
        per_metric = (self.values - ratio * self.denominators) / (totals_w / self.n)
        return per_metric.mean(axis=1)


@dataclass(frozen=True, eq=False)
class Task:
    """A task's score: the unweighted mean of its subtasks' normalized scores."""

    name: str
    subtasks: tuple[Subtask, ...]

    def __post_init__(self):
        subtasks = tuple(self.subtasks)
        if not subtasks:
            raise ValueError(f"task '{self.name}' has no subtasks")
        names = [s.name for s in subtasks]
        if len(set(names)) != len(names):
            raise ValueError(f"task '{self.name}' has repeated subtask names: {names}")
        object.__setattr__(self, "subtasks", subtasks)

    @classmethod
    def single(cls, name: str, values, lower_bound: float = 0.0, **subtask_fields) -> Task:
        """A task of one stratum (a plain task, or a group pooled by size)."""
        return cls(name, (Subtask(values, lower_bound, name=name, **subtask_fields),))

    @property
    def raw(self) -> float:
        return float(np.mean([s.raw for s in self.subtasks]))

    @property
    def normalized(self) -> float:
        return float(np.mean([s.normalized for s in self.subtasks]))


def raw_standard_error(task: Task) -> float:
    """Analytic SE of a task's raw score: cluster-robust (CR1) within each subtask, stratified across.

    For one binary subtask without clusters this is lm-eval's `mean_stderr` exactly.
    """
    return stratified_standard_error([residual_standard_error(s.residuals(), s.clusters) for s in task.subtasks])
