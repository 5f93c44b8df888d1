"""Input checks shared by the statistics functions: bad input fails with a sentence, never a NaN."""

from __future__ import annotations

import numpy as np


def check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1 (exclusive), got {confidence}")


def as_outcomes(values, name: str = "outcomes", ndim: tuple[int, ...] = (1,)) -> np.ndarray:
    """A finite float array of per-document outcomes with at least one document."""
    x = np.asarray(values, dtype=float)
    if x.ndim not in ndim:
        raise ValueError(f"{name} must be an array of {' or '.join(f'{d}' for d in ndim)} dimension(s), "
                         f"got shape {x.shape}")
    if x.shape[0] == 0:
        raise ValueError(f"{name} hold no documents")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} contain NaN or infinite values")
    return x


def as_labels(labels, n: int, name: str) -> np.ndarray:
    """One label per document (cluster or document id)."""
    arr = np.asarray(labels)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(f"{name} must hold one label per document ({n}), got shape {arr.shape}")
    return arr


def check_lower_bound(lower_bound: float) -> float:
    if not 0.0 <= lower_bound < 1.0:
        raise ValueError(f"lower bound must be in [0, 1), got {lower_bound}")
    return float(lower_bound)
