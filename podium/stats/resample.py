"""The bootstrap's one primitive: sums of resampled units, drawn fast and reproducibly.

Resampling G units with replacement and summing their rows has the same distribution as
drawing multinomial counts over the *distinct* rows (weighted by how often each occurs) and
taking counts @ rows. Binary outcomes have 2 distinct rows (4 for a pair of models), so a
resample costs a few binomial draws instead of G index draws: 10,000 resamples of a
12,000-document task take milliseconds. Continuous outcomes with mostly distinct rows fall
back to drawing indices (counted per resample, then counts @ rows), in chunks that bound memory.
"""

from __future__ import annotations

import numpy as np

INDEX_DRAWS_PER_CHUNK = 1_000_000
"""Index fallback: at most this many unit draws held in memory at once."""


def task_rng(seed: int, task_name: str) -> np.random.Generator:
    """One random stream per (seed, task): a task's interval does not change when another task is added."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    name = task_name.encode()
    return np.random.default_rng(np.random.SeedSequence([int(seed), len(name), *name]))


def check_resamples(resamples: int) -> int:
    if isinstance(resamples, bool) or not isinstance(resamples, (int, np.integer)) or resamples < 2:
        raise ValueError(f"resamples must be an integer of at least 2, got {resamples!r}")
    return int(resamples)


def resample_sums(rows: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Column sums of `resamples` bootstrap resamples of the G rows of `rows`: shape (resamples, d)."""
    units = rows.shape[0]
    distinct, counts = np.unique(rows, axis=0, return_counts=True)
    # A multinomial over K categories costs K - 1 binomial draws per resample, and a binomial draw
    # costs about ten index draws (measured: benchmarks/stats.py), so counts pay off only when
    # rows repeat a lot. Either way the draws follow the same bootstrap distribution.
    if 16 * distinct.shape[0] <= units:
        draws = rng.multinomial(units, counts / units, size=resamples)
        return draws @ distinct
    sums = np.empty((resamples, rows.shape[1]))
    chunk = max(1, INDEX_DRAWS_PER_CHUNK // units)
    for start in range(0, resamples, chunk):
        stop = min(resamples, start + chunk)
        picks = rng.integers(0, units, size=(stop - start, units))
        picks += np.arange(stop - start)[:, None] * units  # one bincount gives every resample's counts
        counts = np.bincount(picks.ravel(), minlength=(stop - start) * units).reshape(stop - start, units)
        sums[start:stop] = counts @ rows
    return sums
