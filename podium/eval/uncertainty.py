"""Error bars on a run's scores, computed while the per-document outcomes are in memory.

Computed at evaluation time, not when a page is shown: a private task never writes its samples,
so this is the only moment its score can get an interval. The formulas are `podium.stats`'s
(see its README, shown on the About page):

- raw standard error: cluster-robust where questions share a context, stratified over subtasks
  (lm-eval's own standard error for one set of independent questions);
- a task of one right/wrong set of independent questions: the Wilson interval of the raw score,
  and its normalization for the normalized score (normalization is monotone, so the coverage stays);
- every other task, every normalized standard error and the suite average: a bootstrap over
  documents within tasks, seeded with `BOOTSTRAP_SEED` (recorded in the provenance's seeds).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from podium.eval.provenance import BOOTSTRAP_SEED
from podium.record import AverageUncertainty, TaskScore
from podium.stats import Task, TaskUncertainty, bootstrap_suite, normalize, raw_standard_error, wilson_interval
from podium.stats.bootstrap import summarize

RESAMPLES = 10_000
CONFIDENCE = 0.95


def _is_wilson(task: Task) -> bool:
    """One stratum of independent right/wrong answers: the Wilson interval applies."""
    return len(task.subtasks) == 1 and task.subtasks[0].clusters is None and task.subtasks[0].is_binary


def _measurable(task: Task) -> bool:
    """Spread needs at least 2 documents (or clusters) in every subtask: a --limit 1 run gets no error bars."""
    return all(sub.units().shape[0] >= 2 for sub in task.subtasks)


def task_with_interval(score: TaskScore, task: Task, found: TaskUncertainty) -> TaskScore:
    """`score` with its standard errors and 95% intervals."""
    if _is_wilson(task):
        single = task.subtasks[0]
        low, high = wilson_interval(int(single.values.sum()), single.n, CONFIDENCE)
        norm_low, norm_high = float(normalize(low, single.lower_bound)), float(normalize(high, single.lower_bound))
        method = "wilson"
    else:
        low, high = found.raw.ci_low, found.raw.ci_high
        norm_low, norm_high = found.normalized.ci_low, found.normalized.ci_high
        method = "bootstrap"
    return replace(score, stderr=raw_standard_error(task), normalized_stderr=found.normalized.stderr,
                   raw_ci_low=low, raw_ci_high=high, ci_low=norm_low, ci_high=norm_high, interval_method=method)


def with_uncertainty(scores: Mapping[str, TaskScore], outcomes: Mapping[str, Task],
                     seed: int = BOOTSTRAP_SEED, resamples: int = RESAMPLES
                     ) -> tuple[dict[str, TaskScore], AverageUncertainty | None]:
    """Every scored task with measurable outcomes gets intervals; the average gets one when every
    scored task in it has them (it is the mean of the scored tasks, as the record's average)."""
    usable = [key for key, score in scores.items() if score.ok and key in outcomes and _measurable(outcomes[key])]
    if not usable:
        return dict(scores), None
    suite = bootstrap_suite([Task(key, outcomes[key].subtasks) for key in usable], seed, resamples, CONFIDENCE)
    out = {key: task_with_interval(score, outcomes[key], suite.tasks[key]) if key in suite.tasks else score
           for key, score in scores.items()}
    averaged = [key for key, score in scores.items() if score.ok and score.in_average]
    if not averaged or any(key not in suite.tasks for key in averaged):
        return out, None
    if len(averaged) == 1:  # the average is that task's score, and has its interval (Wilson's, where it applies)
        only = out[averaged[0]]
        return out, AverageUncertainty(only.normalized_stderr, only.ci_low, only.ci_high, resamples, seed, CONFIDENCE)
    columns = [usable.index(key) for key in averaged]
    estimate = float(np.mean([outcomes[key].normalized for key in averaged]))
    average = summarize(estimate, suite.replicates[:, columns].mean(axis=1), CONFIDENCE)
    return out, AverageUncertainty(average.stderr, average.ci_low, average.ci_high, resamples, seed, CONFIDENCE)
