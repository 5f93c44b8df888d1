"""A board's ranks: each complete row's place by average, and the range of places its data allows.

Only complete averages are ranked: an average that lacks a task measures something else and is
not placed among them (`podium.stats.averages`). Rank intervals come from each average and its
standard error (`podium.stats.ranks`, O(N log N)); they are simultaneous (every model's true rank
lies in its interval at once, with 95% probability), the claim the About page makes. A row
without a standard error keeps a point interval, its rank, and says so.

A snapshot updated in place keeps its rows in rank order by bisection; its `Ranking` is made
again from that order (milliseconds for 100,000 rows) on first use.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np

from podium.eval.spec import TaskSpec
from podium.record import TaskScore
from podium.stats import rank_intervals, z_value

CONFIDENCE = 0.95
JOINT = True
Z = z_value(CONFIDENCE)  # computed once: ten thousand rows ask for it


class RankRange(NamedTuple):
    best: int
    worst: int
    estimated: bool
    """False: no standard error was recorded, so the range is the point rank."""

    def to_json(self) -> dict:
        return {"best": self.best, "worst": self.worst, "estimated": self.estimated}


def ranked(row: dict, mode: str) -> bool:
    return row["complete"] and row["average"][mode] is not None


def order_key(mode: str):
    """The rank order: ranked rows by average, best first, then the others; ties by entry id (so unique)."""
    return lambda r: (not ranked(r, mode), -(r["average"][mode] or 0), r["id"])


def rank_order(rows: Sequence[dict], mode: str) -> list[dict]:
    return sorted(rows, key=order_key(mode))


class Ranking:
    """One score mode's ranks and rank ranges, computed in one vectorised pass over a board in rank
    order and read per row: a board of 100,000 rows is ranked again on every new result (a new
    average moves every simultaneous range), so nothing here makes an object or writes a field per row."""

    def __init__(self, order: Sequence[dict], mode: str):
        """`order`: every row in rank order (`rank_order`); the ranked rows lead it."""
        count = bisect.bisect_left(order, True, key=lambda r: not ranked(r, mode))
        counted = order[:count]
        self.ids = np.fromiter((r["id"] for r in counted), dtype=np.int64, count=count)
        """The ranked entries, best first."""
        self._place = np.full(int(self.ids.max(initial=-1)) + 1, -1, dtype=np.int64)
        self._place[self.ids] = np.arange(count)
        errors = np.fromiter((math.nan if (e := r["average_se"][mode]) is None else e for r in counted),
                             dtype=float, count=count)
        self._estimated = ~np.isnan(errors)
        self._best = self._worst = np.arange(1, count + 1)
        if count:
            scores = np.fromiter((r["average"][mode] for r in counted), dtype=float, count=count)
            found = rank_intervals(scores, np.where(self._estimated, errors, 0.0), CONFIDENCE, JOINT)
            self._best = np.where(self._estimated, found.rank_lo, self._best)
            self._worst = np.where(self._estimated, found.rank_hi, self._worst)

    def _position(self, entry: int) -> int:
        return int(self._place[entry]) if 0 <= entry < self._place.size else -1

    def rank(self, entry: int) -> int | None:
        """The entry's place by average (1 = best); None when it is not ranked."""
        at = self._position(entry)
        return None if at < 0 else at + 1

    def range(self, entry: int) -> RankRange | None:
        """The places the data allows it, at 95% for every model at once; None when it is not ranked."""
        at = self._position(entry)
        if at < 0:
            return None
        return RankRange(int(self._best[at]), int(self._worst[at]), bool(self._estimated[at]))


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
