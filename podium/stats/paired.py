"""Paired comparison of two results on the same documents.

Two models answering the same questions share the questions' difficulty, so the difference of
their scores is much less noisy than two independent scores suggest. Per task this gives the
difference (A - B), its paired standard error, a confidence interval and a p-value for "no
difference"; the same for the suite average. Documents are matched by id; two results on
different document sets are refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from podium.stats.bootstrap import DEFAULT_RESAMPLES, Interval, check_task_names, raw_from_sums, summarize
from podium.stats.intervals import residual_standard_error, stratified_standard_error
from podium.stats.resample import check_resamples, resample_sums, task_rng
from podium.stats.tasks import Subtask, Task, normalize, sum_by_cluster
from podium.stats.validate import check_confidence

McNemar = Literal["mid-p", "exact"]


class MismatchedDocuments(ValueError):
    """The two results were not computed on the same documents (or tasks): no paired comparison."""


@dataclass(frozen=True)
class TaskDifference:
    name: str
    raw: Interval
    """A - B on the raw scale; analytic paired SE (cluster-robust where clusters are given), bootstrap interval."""
    normalized: Interval
    """A - B on the normalized scale; paired bootstrap SE and percentile interval."""
    p_value: float
    p_method: str
    """"mcnemar mid-p", "mcnemar exact" (one binary subtask, no clusters) or "paired bootstrap"."""


@dataclass(frozen=True)
class PairedComparison:
    tasks: dict[str, TaskDifference]
    average: Interval
    """A - B of the suite average (normalized), paired bootstrap."""
    average_p_value: float
    seed: int
    resamples: int
    confidence: float


def mcnemar_p_value(only_a, only_b, method: McNemar = "mid-p"):
    """Two-sided McNemar test from the discordant counts (A right and B wrong; B right and A wrong).

    Under no difference, only_a ~ Binomial(only_a + only_b, 1/2). Exact: p = min(1, 2 P(X <= m)),
    m = min(only_a, only_b). Mid-p (Fagerland, Lydersen and Laake 2013): p = 2 P(X <= m) - P(X = m).
    Scalars or arrays; no discordant pair gives p = 1.
    """
    from scipy.stats import binom  # on first use, as in `intervals`

    a, b = np.asarray(only_a), np.asarray(only_b)
    if np.any(a < 0) or np.any(b < 0) or np.any(a != np.floor(a)) or np.any(b != np.floor(b)):
        raise ValueError("discordant counts must be non-negative whole numbers")
    if method not in ("mid-p", "exact"):
        raise ValueError(f"McNemar method must be 'mid-p' or 'exact', got {method!r}")
    total, low = a + b, np.minimum(a, b)
    p = 2 * binom.cdf(low, total, 0.5)
    if method == "mid-p":
        p = p - binom.pmf(low, total, 0.5)
    p = np.minimum(1.0, p)
    return float(p) if p.ndim == 0 else p


def bootstrap_p_value(estimate: float, replicates: np.ndarray) -> float:
    """Two-sided bootstrap p-value for "difference = 0": how often the replicates stray from the
    estimate by at least the estimate's distance from 0 (the null shifted onto the replicates),
    counted as (1 + hits) / (1 + resamples) so that it is never 0."""
    slack = 1e-9 * max(1.0, abs(estimate))  # a replicate at exactly 0 or 2 x estimate counts despite rounding
    hits = int(np.sum(np.abs(replicates - estimate) >= abs(estimate) - slack))
    return min(1.0, (1 + hits) / (1 + replicates.size))


def _id_kind(ids: np.ndarray) -> str:
    return "integer" if ids.dtype.kind in "iu" else ids.dtype.kind


def aligned(a: Subtask, b: Subtask, where: str) -> np.ndarray:
    """The permutation that puts B's documents in A's order, matched by id; refuses other sets."""
    if a.ids is None or b.ids is None:
        raise MismatchedDocuments(f"{where}: document ids are needed on both sides to pair documents")
    if _id_kind(a.ids) != _id_kind(b.ids):  # numpy would compare 1 and "1" as equal strings
        raise MismatchedDocuments(f"{where}: document ids are of different types ({a.ids.dtype} and {b.ids.dtype})")
    only_a = np.setdiff1d(a.ids, b.ids)
    only_b = np.setdiff1d(b.ids, a.ids)
    if only_a.size or only_b.size:
        raise MismatchedDocuments(
            f"{where}: the two results were scored on different documents ({only_a.size} only in A, e.g. "
            f"{only_a[:3].tolist()}; {only_b.size} only in B, e.g. {only_b[:3].tolist()}); compare results on "
            "the same documents (same data and --limit)")
    if a.values.shape[1] != b.values.shape[1]:
        raise MismatchedDocuments(f"{where}: A has {a.values.shape[1]} metric(s), B has {b.values.shape[1]}")
    if a.lower_bound != b.lower_bound:
        raise MismatchedDocuments(f"{where}: lower bounds differ ({a.lower_bound} and {b.lower_bound})")
    order_b = np.argsort(b.ids, kind="stable")
    order = order_b[np.searchsorted(b.ids[order_b], a.ids)]
    if b.clusters is not None and (a.clusters is None or not np.array_equal(a.clusters, b.clusters[order])):
        raise MismatchedDocuments(f"{where}: the two results group documents into different clusters")
    return order


def pair_tasks(a: Sequence[Task], b: Sequence[Task]) -> list[tuple[Task, Task, list[np.ndarray]]]:
    """Tasks matched by name, subtasks by name, documents by id (B reordered to A's order)."""
    names_a, names_b = check_task_names(a), check_task_names(b)
    if sorted(names_a) != sorted(names_b):
        raise MismatchedDocuments(f"the two results have different tasks: {names_a} and {names_b}")
    by_name = {t.name: t for t in b}
    pairs = []
    for task_a in a:
        task_b = by_name[task_a.name]
        subs_a, subs_b = [s.name for s in task_a.subtasks], {s.name: s for s in task_b.subtasks}
        if sorted(subs_a) != sorted(subs_b):
            raise MismatchedDocuments(f"task '{task_a.name}': different subtasks ({subs_a} and {sorted(subs_b)})")
        orders = [aligned(s, subs_b[s.name], f"task '{task_a.name}', subtask '{s.name}'") for s in task_a.subtasks]
        ordered_b = Task(task_b.name, tuple(subs_b[s.name] for s in task_a.subtasks))
        pairs.append((task_a, ordered_b, orders))
    return pairs


def paired_units(a: Subtask, b: Subtask, order: np.ndarray) -> np.ndarray:
    """Resampling units of both results at once (same documents, same clusters): A's rows then B's."""
    return sum_by_cluster(np.hstack([a.values, a.denominators, b.values[order], b.denominators[order]]), a.clusters)


def task_difference(a: Task, b: Task, orders: list[np.ndarray], resamples: int, rng: np.random.Generator,
                    confidence: float, mcnemar: McNemar) -> tuple[TaskDifference, np.ndarray]:
    raw_diffs, norm_diffs, raw_ses = [], [], []
    for sa, sb, order in zip(a.subtasks, b.subtasks, orders):
        k = sa.values.shape[1]
        sums = resample_sums(paired_units(sa, sb, order), resamples, rng)
        raw_a, raw_b = raw_from_sums(sums[:, :2 * k], k), raw_from_sums(sums[:, 2 * k:], k)
        raw_diffs.append(raw_a - raw_b)
        norm_diffs.append(normalize(raw_a, sa.lower_bound) - normalize(raw_b, sb.lower_bound))
        raw_ses.append(residual_standard_error(sa.residuals() - sb.residuals()[order], sa.clusters))
    raw_reps, norm_reps = np.mean(raw_diffs, axis=0), np.mean(norm_diffs, axis=0)
    raw_estimate, norm_estimate = a.raw - b.raw, a.normalized - b.normalized
    bootstrap_raw = summarize(raw_estimate, raw_reps, confidence)
    raw = Interval(raw_estimate, stratified_standard_error(raw_ses), bootstrap_raw.ci_low, bootstrap_raw.ci_high)
    single = a.subtasks[0]
    if len(a.subtasks) == 1 and single.clusters is None and single.is_binary and b.subtasks[0].is_binary:
        right_a, right_b = single.values[:, 0], b.subtasks[0].values[orders[0], 0]
        p = mcnemar_p_value(np.sum((right_a == 1) & (right_b == 0)), np.sum((right_a == 0) & (right_b == 1)),
                            mcnemar)
        method = f"mcnemar {mcnemar}"
    else:
        p, method = bootstrap_p_value(norm_estimate, norm_reps), "paired bootstrap"
    difference = TaskDifference(a.name, raw, summarize(norm_estimate, norm_reps, confidence), p, method)
    return difference, norm_reps


def compare(a: Sequence[Task], b: Sequence[Task], seed: int, resamples: int = DEFAULT_RESAMPLES,
            confidence: float = 0.95, mcnemar: McNemar = "mid-p") -> PairedComparison:
    """Per-task and suite-average differences A - B with paired SEs, intervals and p-values.

    `a` and `b` are the tasks that count in the average, each document carrying its id. The
    McNemar test (mid-p by default, see README) is used for a task of one binary subtask without
    clusters; everything else, and the suite average, uses the paired bootstrap: both results are
    resampled on the same documents (or clusters), from the task's own stream of `seed`.
    """
    if mcnemar not in ("mid-p", "exact"):
        raise ValueError(f"McNemar method must be 'mid-p' or 'exact', got {mcnemar!r}")
    resamples = check_resamples(resamples)
    check_confidence(confidence)
    results, columns = {}, []
    for task_a, task_b, orders in pair_tasks(a, b):
        difference, reps = task_difference(task_a, task_b, orders, resamples, task_rng(seed, task_a.name),
                                           confidence, mcnemar)
        results[task_a.name] = difference
        columns.append(reps)
    average_reps = np.mean(columns, axis=0)
    estimate = float(np.mean([d.normalized.estimate for d in results.values()]))
    return PairedComparison(results, summarize(estimate, average_reps, confidence),
                            bootstrap_p_value(estimate, average_reps), int(seed), resamples, confidence)
