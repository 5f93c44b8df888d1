"""Statistics of scores: error bars, paired comparisons, rank intervals and honest averages.

Pure functions over plain inputs (numpy arrays of per-document outcomes, cluster labels, lower
bounds, seeds); nothing here reads a run record, the store or the web. The formulas, with the
reason for each choice, are in `podium/stats/README.md` (shown on the About page).

- `intervals`: Wilson and Jeffreys intervals, lm-eval's standard error, cluster-robust and
  stratified standard errors.
- `tasks`: the nested input (a `Task` of `Subtask`s) and the leaderboard normalization.
- `bootstrap`: seeded bootstrap of raw and normalized task scores and the suite average.
- `paired`: A - B per task and for the average, with paired SEs and p-values (McNemar, paired bootstrap).
- `ranks`: rank intervals consistent with the data, O(N log N).
- `averages`: whether an average is complete and how its data deviates, in plain words.
- `resample`, `validate`: the bootstrap's sampling primitive and shared input checks.
"""

from podium.stats.averages import AverageNotice, Deviation, TaskAvailability, average_notice
from podium.stats.bootstrap import Interval, SuiteUncertainty, TaskUncertainty, bootstrap_suite
from podium.stats.intervals import (
                                    clustered_standard_error,
                                    jeffreys_interval,
                                    residual_standard_error,
                                    standard_error,
                                    stratified_standard_error,
                                    wilson_interval,
                                    z_value,
)
from podium.stats.paired import MismatchedDocuments, PairedComparison, TaskDifference, compare, mcnemar_p_value
from podium.stats.ranks import RankIntervals, rank_intervals, rank_intervals_from_replicates, sidak_critical_value
from podium.stats.tasks import Subtask, Task, normalize, raw_standard_error

__all__ = [
    "AverageNotice", "Deviation", "TaskAvailability", "average_notice",
    "Interval", "SuiteUncertainty", "TaskUncertainty", "bootstrap_suite",
    "clustered_standard_error", "jeffreys_interval", "residual_standard_error", "standard_error",
    "stratified_standard_error", "wilson_interval", "z_value",
    "MismatchedDocuments", "PairedComparison", "TaskDifference", "compare", "mcnemar_p_value",
    "RankIntervals", "rank_intervals", "rank_intervals_from_replicates", "sidak_critical_value",
    "Subtask", "Task", "normalize", "raw_standard_error",
]
