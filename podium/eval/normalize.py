"""Scoring rules of the leaderboards, as pure functions.

The Open LLM Leaderboard v2 rescales each score so that random guessing is 0 and a
perfect score is 100: `norm = max(0, raw - lb) / (1 - lb) * 100` with `lb = 1/num_choices`.
Suites whose tasks have no random baseline use `lb = 0`, which is just `raw * 100`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping


def normalize(raw: float, lower_bound: float = 0.0) -> float:
    """Rescale a [0, 1] score to [0, 100] with the random baseline at 0; below baseline clips to 0."""
    if not 0.0 <= lower_bound < 1.0:
        raise ValueError(f"lower bound must be in [0, 1), got {lower_bound}")
    return max(0.0, raw - lower_bound) / (1.0 - lower_bound) * 100.0


def mean(values: Iterable[float]) -> float:
    values = list(values)
    if not values:
        raise ValueError("mean of no values")
    return sum(values) / len(values)


def stderr_of_mean(stderrs: Iterable[float | None]) -> float | None:
    """Standard error of an unweighted mean of independent estimates: sqrt(sum se_i^2) / n."""
    stderrs = list(stderrs)
    if not stderrs or any(s is None or (isinstance(s, float) and math.isnan(s)) for s in stderrs):
        return None
    return math.sqrt(sum(s * s for s in stderrs)) / len(stderrs)


def subtask_mean(
    raw_by_subtask: Mapping[str, float], lower_bounds: Mapping[str, float] | float
) -> tuple[float, float]:
    """BBH / MuSR rule: normalize each subtask with its own baseline, then take the unweighted mean.

    Returns (raw unweighted mean, normalized unweighted mean).
    """
    if not raw_by_subtask:
        raise ValueError("no subtasks")
    lb = (lambda name: lower_bounds) if isinstance(lower_bounds, (int, float)) else (lambda name: lower_bounds[name])
    raw = mean(raw_by_subtask.values())
    norm = mean(normalize(score, lb(name)) for name, score in raw_by_subtask.items())
    return raw, norm


def suite_average(normalized_by_task: Mapping[str, float | None]) -> tuple[float | None, bool]:
    """Plain mean of the tasks that have a score; the flag says whether every task had one."""
    present = [v for v in normalized_by_task.values() if v is not None]
    complete = len(present) == len(normalized_by_task)
    return (mean(present) if present else None), complete
