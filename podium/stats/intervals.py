"""Standard errors and intervals for one score, in closed form.

Pure functions over per-document outcomes. The formulas, and why each is chosen, are in
`podium/stats/README.md`; each function's docstring names its formula. scipy.stats is imported
by the functions that use it (about 0.3 s): an evaluation whose tasks get no interval (`--limit 1`)
never loads it.
"""

from __future__ import annotations

import numpy as np

from podium.stats.validate import as_labels, as_outcomes, check_confidence


def z_value(confidence: float = 0.95) -> float:
    """The two-sided normal critical value: 1.959964 at 95%."""
    from scipy.stats import norm

    check_confidence(confidence)
    return float(norm.ppf(0.5 + confidence / 2))


def _counts(successes, n) -> tuple[np.ndarray, np.ndarray]:
    k = np.asarray(successes, dtype=float)
    size = np.asarray(n, dtype=float)
    if np.any(size < 1) or np.any(size != np.floor(size)):
        raise ValueError("the number of documents must be a whole number of at least 1")
    if np.any(k < 0) or np.any(k > size) or np.any(k != np.floor(k)):
        raise ValueError("the number of successes must be a whole number between 0 and the number of documents")
    return k, size


def wilson_interval(successes, n, confidence: float = 0.95) -> tuple[np.ndarray | float, np.ndarray | float]:
    """Wilson score interval for a proportion k/n (no continuity correction; scipy's `wilson`).

    centre = (p + z^2/2n) / (1 + z^2/n), half width = z / (1 + z^2/n) * sqrt(p(1-p)/n + z^2/4n^2).
    Scalars or arrays (element-wise).
    """
    k, size = _counts(successes, n)
    z = z_value(confidence)
    p = k / size
    denominator = 1 + z * z / size
    centre = (p + z * z / (2 * size)) / denominator
    half = z / denominator * np.sqrt(p * (1 - p) / size + z * z / (4 * size * size))
    low, high = np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)
    return (float(low), float(high)) if low.ndim == 0 else (low, high)


def jeffreys_interval(successes, n, confidence: float = 0.95) -> tuple[np.ndarray | float, np.ndarray | float]:
    """Jeffreys interval: the equal-tailed quantiles of Beta(k + 1/2, n - k + 1/2).

    As in Brown, Cai and DasGupta (2001), the lower end is 0 when k = 0 and the upper end is 1
    when k = n (otherwise the interval would exclude the observed extreme).
    """
    from scipy.stats import beta

    k, size = _counts(successes, n)
    check_confidence(confidence)
    tail = (1 - confidence) / 2
    low = np.where(k == 0, 0.0, beta.ppf(tail, k + 0.5, size - k + 0.5))
    high = np.where(k == size, 1.0, beta.ppf(1 - tail, k + 0.5, size - k + 0.5))
    return (float(low), float(high)) if low.ndim == 0 else (low, high)


def residual_standard_error(residuals, clusters=None, small_sample_correction: bool = True) -> float:
    """sqrt( sum_c ( sum_{i in c} e_i )^2 ) / n, times sqrt(G / (G - 1)) when corrected (CR1).

    `residuals` are per-document deviations from the estimate (x_i - xbar for a mean); without
    clusters every document is its own cluster (G = n).
    """
    e = as_outcomes(residuals, "residuals")
    if clusters is None:
        sums = e
    else:
        _, cluster_of = np.unique(as_labels(clusters, e.size, "clusters"), return_inverse=True)
        sums = np.bincount(cluster_of, weights=e)
    groups = sums.size
    if groups < 2:
        raise ValueError(f"a standard error needs at least 2 {'clusters' if clusters is not None else 'documents'}, "
                         f"got {groups}")
    factor = groups / (groups - 1) if small_sample_correction else 1.0
    return float(np.sqrt(factor * np.sum(sums**2)) / e.size)


def standard_error(values) -> float:
    """lm-eval's `mean_stderr`: the sample standard deviation (ddof=1) over sqrt(n).

    The same number as `residual_standard_error` with one document per cluster and the correction.
    """
    x = as_outcomes(values)
    return residual_standard_error(x - x.mean())


def clustered_standard_error(values, clusters, small_sample_correction: bool = True) -> float:
    """Cluster-robust standard error of a mean (Miller 2024, eq. 4), CR1-corrected by default.

    SE = sqrt( sum_c ( sum_{i in c} (x_i - xbar) )^2 ) / n, multiplied by sqrt(G / (G - 1))
    when `small_sample_correction`. With one document per cluster the corrected form equals
    `standard_error` exactly; the uncorrected one is its ddof=0 variant.
    """
    x = as_outcomes(values)
    return residual_standard_error(x - x.mean(), clusters, small_sample_correction)


def stratified_standard_error(stderrs) -> float:
    """SE of an unweighted mean of independent strata (BBH or MuSR subtasks): sqrt(sum se_s^2) / S."""
    se = np.asarray(stderrs, dtype=float)
    if se.ndim != 1 or se.size == 0 or not np.all(np.isfinite(se)) or np.any(se < 0):
        raise ValueError("stratified standard error needs one finite, non-negative standard error per stratum")
    return float(np.sqrt(np.sum(se**2)) / se.size)
