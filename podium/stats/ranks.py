"""Rank intervals: the ranks each model could hold, given the noise in every score.

Method (joint 95%): give every model a confidence interval [lo_i, hi_i] such that all N intervals
hold at once with probability >= 95%. On that event, a model whose interval lies wholly above
model i's is truly better, and one wholly below is truly worse, so

    rank_lo(i) = 1 + #{j : lo_j > hi_i}        rank_hi(i) = N - #{j : hi_j < lo_i}

and every model's true rank lies in its interval, all at once, with probability >= 95%. Counting
with two sorted arrays and `searchsorted` is O(N log N): 10,000 models take milliseconds.

The simultaneous intervals come from standard errors (`rank_intervals`: Sidak's critical value
z = Phi^-1(1 - (1 - (1 - alpha)^(1/N)) / 2), valid for normal estimates whatever their
correlation, Sidak 1967) or from bootstrap replicates (`rank_intervals_from_replicates`: the
max-t critical value, the (1 - alpha) quantile over resamples of max_i |r_i - s_i| / se_i).
`joint=False` gives Chatbot Arena's convention instead: plain per-model 95% intervals, no
adjustment for the number of models (narrower, without the joint guarantee).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from podium.stats.validate import check_confidence


@dataclass(frozen=True, eq=False)
class RankIntervals:
    rank_lo: np.ndarray
    """Best rank consistent with the data (1 = top), per model in input order."""
    rank_hi: np.ndarray
    """Worst rank consistent with the data."""
    ci_low: np.ndarray
    ci_high: np.ndarray
    """The (simultaneous) score intervals the ranks come from."""
    critical_value: float
    """Half-width of each interval in standard errors."""


def ranks_from_bounds(lower, upper) -> tuple[np.ndarray, np.ndarray]:
    """rank_lo = 1 + #{j: lo_j > hi_i}, rank_hi = N - #{j: hi_j < lo_i}; higher scores rank first."""
    lo, hi = np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
    if lo.shape != hi.shape or lo.ndim != 1 or lo.size == 0:
        raise ValueError("lower and upper bounds must be two 1-d arrays of the same non-zero length")
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))) or np.any(lo > hi):
        raise ValueError("bounds must be finite with lower <= upper")
    n = lo.size
    clearly_better = n - np.searchsorted(np.sort(lo), hi, side="right")
    clearly_worse = np.searchsorted(np.sort(hi), lo, side="left")
    return 1 + clearly_better, n - clearly_worse


def _scores_and_errors(scores, stderrs) -> tuple[np.ndarray, np.ndarray]:
    s, se = np.asarray(scores, dtype=float), np.asarray(stderrs, dtype=float)
    if s.ndim != 1 or s.shape != se.shape or s.size == 0:
        raise ValueError("scores and standard errors must be two 1-d arrays of the same non-zero length")
    if not np.all(np.isfinite(s)):
        raise ValueError("scores must be finite")
    if not np.all(np.isfinite(se)) or np.any(se < 0):
        raise ValueError("every model needs a finite, non-negative standard error (a model without one cannot "
                         "be given a rank interval)")
    return s, se


def sidak_critical_value(models: int, confidence: float = 0.95) -> float:
    """z such that N two-sided normal intervals of half-width z * se hold jointly with `confidence`."""
    from scipy.stats import norm  # on first use, as in `intervals`

    check_confidence(confidence)
    if models < 1:
        raise ValueError("need at least one model")
    per_model = confidence ** (1.0 / models)
    return float(norm.ppf(0.5 + per_model / 2))


def rank_intervals(scores, stderrs, confidence: float = 0.95, joint: bool = True) -> RankIntervals:
    """Rank intervals from scores and standard errors (see the module docstring)."""
    s, se = _scores_and_errors(scores, stderrs)
    z = sidak_critical_value(s.size, confidence) if joint else sidak_critical_value(1, confidence)
    low, high = s - z * se, s + z * se
    rank_lo, rank_hi = ranks_from_bounds(low, high)
    return RankIntervals(rank_lo, rank_hi, low, high, z)


def rank_intervals_from_replicates(scores, replicates, confidence: float = 0.95, joint: bool = True) -> RankIntervals:
    """Rank intervals from bootstrap replicates, shape (resamples, models), one column per model.

    se_i = the replicates' standard deviation; the critical value is the `confidence` quantile of
    max_i |r_bi - s_i| / se_i over resamples b (joint), or of |r_bi - s_i| / se_i pooled (not joint).
    Models with se_i = 0 get a point interval and do not enter the maximum.
    """
    check_confidence(confidence)
    reps = np.asarray(replicates, dtype=float)
    s = np.asarray(scores, dtype=float)
    if reps.ndim != 2 or s.ndim != 1 or reps.shape[1] != s.size or reps.shape[0] < 2:
        raise ValueError(f"replicates must have shape (resamples >= 2, {s.size} models), got {reps.shape}")
    if not np.all(np.isfinite(reps)):
        raise ValueError("replicates must be finite")
    s, se = _scores_and_errors(s, np.std(reps, ddof=1, axis=0))
    varying = se > 0
    if not np.any(varying):
        z = 0.0
    else:
        t = np.abs(reps[:, varying] - s[varying]) / se[varying]
        z = float(np.quantile(t.max(axis=1) if joint else t, confidence))
    low, high = s - z * se, s + z * se
    rank_lo, rank_hi = ranks_from_bounds(low, high)
    return RankIntervals(rank_lo, rank_hi, low, high, z)
