"""What a result's average is worth: whether it covers every task, and how its data differs from the leaderboard's.

A result records, per task, the hub datasets whose offline copies differ from the leaderboard's
(`provenance.data.tasks[key]["differences"]`: hub path -> text) and the run's `--limit`; each data
source says what its difference does to a score (`OfflineSource.deviations`). This turns both into
`podium.stats.average_notice`'s plain words, the one notice that the board row, the entry page and
the export show, so the three never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from podium.eval.data.registry import get_source
from podium.record import TaskScore
from podium.stats import AverageNotice, Deviation, TaskAvailability, average_notice

STATUSES = ("ok", "unavailable", "failed")


def limit_deviation(limit: float | None) -> Deviation | None:
    """A `--limit` run scores the first questions of each task only: a sample."""
    if limit is None:
        return None
    if limit >= 1:
        return Deviation("sample", f"only the first {limit:g} questions (--limit {limit:g})")
    return Deviation("sample", f"only {limit:.0%} of the questions (--limit {limit:g})")


def task_deviations(differences: Mapping[str, str] | None) -> tuple[Deviation, ...]:
    """What the recorded differences of one task's data sources do to its score. A source this
    server no longer knows keeps its recorded words, as an unclassified deviation."""
    found: list[Deviation] = []
    for hub_path, text in (differences or {}).items():
        source = get_source(hub_path)
        found += source.deviations if source is not None else (Deviation("other", str(text)),)
    return tuple(dict.fromkeys(found))


def notice(counted: Sequence[tuple[str, str]], scores: Mapping[str, TaskScore],
           differences: Mapping[str, Mapping[str, str] | None], limit: float | None) -> AverageNotice | None:
    """The notice of an average over `counted` ((key, title) of the tasks in it); None when nothing counts
    (a suite without an average)."""
    if not counted:
        return None
    sample = limit_deviation(limit)
    tasks = []
    for key, title in counted:
        score = scores.get(key)
        status = "not_run" if score is None else score.status if score.status in STATUSES else "failed"
        deviations = task_deviations(differences.get(key)) + ((sample,) if sample else ())
        tasks.append(TaskAvailability(title, status, deviations))
    return average_notice(tasks)


def in_average(suite_tasks, scores: Mapping[str, TaskScore]) -> list[tuple[str, str]]:
    """(key, title) of the tasks an average counts: the suite's (`TaskSpec`s) where it is known, else the result's."""
    if suite_tasks:
        return [(t.key, t.title) for t in suite_tasks if t.in_average]
    return [(key, s.title or key) for key, s in scores.items() if s.in_average]
