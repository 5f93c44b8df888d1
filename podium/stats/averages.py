"""Honest averages: whether a suite average is complete, and how its data differs, in plain words.

A board that ranks an average over five tasks among averages over six compares different things,
and a score on a 1,000-question sample is not the full set's score. This module turns the
per-task availability and the data deviations a result records into sentences a visitor
understands; the board, the entry page and the export show them, and rank only complete rows
together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Status = Literal["ok", "unavailable", "failed", "not_run"]
DeviationKind = Literal["sample", "substitute_split", "other"]

_KIND_EFFECT = {
    "sample": "was scored on only part of the leaderboard's questions",
    "substitute_split": "used a different data split than the leaderboard",
    "other": "ran on data that differs from the leaderboard's",
}
_KIND_CONSEQUENCE = {
    "sample": "its score is not the full set's and is not directly comparable with full-set scores",
    "substitute_split": "its score may shift slightly",
    "other": "compare its score with care",
}
_STATUS_REASON = {
    "unavailable": "its data was not available",
    "failed": "its evaluation failed",
    "not_run": "it was not run",
}


@dataclass(frozen=True)
class Deviation:
    """How one task's data differs from the leaderboard's.

    kind: "sample" (a subset of the questions: a 1,000-item HellaSwag sample, 15 MuSR stories, a
    --limit run), "substitute_split" (another split or pool: few-shot examples from train_l
    instead of train_xl), "other". detail: the specifics, e.g. "1,000 of 10,042 validation items".
    """

    kind: DeviationKind
    detail: str = ""

    def __post_init__(self):
        if self.kind not in _KIND_EFFECT:
            raise ValueError(f"deviation kind must be one of {sorted(_KIND_EFFECT)}, got {self.kind!r}")


@dataclass(frozen=True)
class TaskAvailability:
    title: str
    """The task's name as the board shows it ("GPQA")."""
    status: Status = "ok"
    deviations: tuple[Deviation, ...] = ()

    def __post_init__(self):
        if self.status != "ok" and self.status not in _STATUS_REASON:
            raise ValueError(f"task status must be 'ok' or one of {sorted(_STATUS_REASON)}, got {self.status!r}")
        object.__setattr__(self, "deviations", tuple(self.deviations))


@dataclass(frozen=True)
class AverageNotice:
    complete: bool
    """Every task of the average has a score: the row may be ranked with other complete rows."""
    deviates: bool
    """At least one scored task ran on data that differs from the leaderboard's."""
    summary: str
    """One sentence for the board row."""
    details: tuple[str, ...]
    """One sentence per missing or deviating task, for the entry page and the export."""


def _join(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _all_tasks(total: int) -> str:
    return "the one task is" if total == 1 else f"all {total} tasks are"


def _deviation_sentence(title: str, deviation: Deviation) -> str:
    detail = f" ({deviation.detail})" if deviation.detail else ""
    return f"{title} {_KIND_EFFECT[deviation.kind]}{detail}, so {_KIND_CONSEQUENCE[deviation.kind]}."


def average_notice(tasks: Sequence[TaskAvailability]) -> AverageNotice:
    """Whether the average over `tasks` (those that count in it) is complete, and what deviates."""
    if not tasks:
        raise ValueError("an average needs at least one task")
    titles = [t.title for t in tasks]
    if len(set(titles)) != len(titles):
        raise ValueError(f"task titles repeat: {titles}")
    missing = [t for t in tasks if t.status != "ok"]
    deviating = [t for t in tasks if t.status == "ok" and t.deviations]
    details = [f"{t.title} is missing from the average: {_STATUS_REASON[t.status]}." for t in missing]
    details += [_deviation_sentence(t.title, d) for t in deviating for d in t.deviations]
    total = len(tasks)
    if missing:
        summary = (f"Incomplete: the average covers {total - len(missing)} of {total} tasks "
                   f"({_join([t.title for t in missing])} missing), so it is not ranked with complete averages.")
    else:
        summary = f"Complete: {_all_tasks(total)} in the average."
    if deviating:
        summary += (f" {_join([t.title for t in deviating])} ran on data that differs from the leaderboard's; "
                    "compare with care.")
    elif not missing:
        summary = f"Complete: {_all_tasks(total)} in the average, on the leaderboard's data."
    return AverageNotice(not missing, bool(deviating), summary, tuple(details))
