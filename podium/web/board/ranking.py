"""A board's ranks: each complete row's place by average, and the range of places its data allows.

Only complete averages are ranked: an average that lacks a task measures something else and is
not placed among them (`podium.stats.averages`). Rank intervals come from each average and its
standard error (`podium.stats.ranks`, O(N log N)); they are simultaneous (every model's true rank
lies in its interval at once, with 95% probability), the claim the About page makes. A row
without a standard error keeps a point interval, its rank, and says so.

`rank` is a pure function of the snapshot's rows, so a snapshot updated in place recomputes its
ranks with one call after each change.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import NamedTuple

from podium.eval.spec import TaskSpec
from podium.record import TaskScore
from podium.stats import rank_intervals, z_value

CONFIDENCE = 0.95
JOINT = True
Z = z_value(CONFIDENCE)  # computed once: ten thousand rows ask for it


class RankRange(NamedTuple):
    """A named tuple, not a dataclass: a board of 100,000 rows makes one per row on every new result."""

    best: int
    worst: int
    estimated: bool
    """False: no standard error was recorded, so the range is the point rank."""

    def to_json(self) -> dict:
        return {"best": self.best, "worst": self.worst, "estimated": self.estimated}


@dataclass(frozen=True)
class Ranking:
    order: list[dict]
    """Every row, best first: ranked rows by average, then unranked ones (incomplete or without an average)."""
    ranks: dict[int, int]
    """Entry id -> rank, for ranked rows only."""
    ranges: dict[int, RankRange]


def ranked(row: dict, mode: str) -> bool:
    return row["complete"] and row["average"][mode] is not None


def order_key(mode: str):
    """The rank order: ranked rows by average, best first, then the others; ties by entry id (so unique)."""
    return lambda r: (not ranked(r, mode), -(r["average"][mode] or 0), r["id"])


def rank(rows: Sequence[dict], mode: str) -> Ranking:
    """Ranks and rank intervals of the complete rows in score mode `mode` (rows need id, complete,
    average[mode] and average_se[mode]; already in rank order, the sort costs one pass)."""
    order = sorted(rows, key=order_key(mode))
    counted = order[:sum(1 for r in order if ranked(r, mode))]  # the ranked rows lead the order
    ids = [r["id"] for r in counted]
    ranks = dict(zip(ids, range(1, len(ids) + 1)))
    if not counted:
        return Ranking(order, ranks, {})
    errors = [r["average_se"][mode] for r in counted]
    found = rank_intervals([r["average"][mode] for r in counted], [0.0 if e is None else e for e in errors],
                           CONFIDENCE, JOINT)
    ranges = dict(zip(ids, map(RankRange._make, zip(found.rank_lo.tolist(), found.rank_hi.tolist(), repeat(True)))))
    for n, (entry, error) in enumerate(zip(ids, errors), 1):
        if error is None:
            ranges[entry] = RankRange(n, n, False)
    return Ranking(order, ranks, ranges)


def _normalized_se(score: TaskScore) -> float | None:
    """The normalized score's SE: from its 95% interval where the scoring gave one, else the raw SE rescaled."""
    if score.ci_low is not None and score.ci_high is not None:
        return (score.ci_high - score.ci_low) / (2 * Z)
    if score.stderr is None or score.lower_bound >= 1:
        return None
    return score.stderr * 100 / (1 - score.lower_bound)


def average_standard_error(tasks: Mapping[str, TaskScore], counted: Sequence[TaskSpec], mode: str) -> float | None:
    """SE of the plain mean of the counted tasks' scores (0-100), the tasks' questions being independent;
    None when a counted task has no score or no SE."""
    errors = []
    for spec in counted:
        score = tasks.get(spec.key)
        if score is None or not score.ok:
            return None
        errors.append(_normalized_se(score) if mode == "normalized" else
                      None if score.stderr is None else score.stderr * 100)
    if not errors or any(e is None or not math.isfinite(e) for e in errors):
        return None
    return math.sqrt(sum(e * e for e in errors)) / len(errors)
