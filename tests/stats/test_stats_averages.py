"""Honest-average notices: complete or not, and deviations in words a visitor understands."""

import pytest

from podium.stats import Deviation, TaskAvailability, average_notice

V2 = ["IFEval", "BBH", "MATH Lvl 5", "GPQA", "MuSR", "MMLU-Pro"]


def test_complete_on_leaderboard_data():
    notice = average_notice([TaskAvailability(t) for t in V2])
    assert notice.complete and not notice.deviates
    assert notice.summary == "Complete: all 6 tasks are in the average, on the leaderboard's data."
    assert notice.details == ()


def test_missing_task_is_not_ranked_with_complete_rows():
    tasks = [TaskAvailability(t, "unavailable" if t == "GPQA" else "ok") for t in V2]
    notice = average_notice(tasks)
    assert not notice.complete
    assert notice.summary == ("Incomplete: the average covers 5 of 6 tasks (GPQA missing), "
                              "so it is not ranked with complete averages.")
    assert notice.details == ("GPQA is missing from the average: its data was not available.",)
    failed = average_notice([TaskAvailability("BBH", "failed"), TaskAvailability("GPQA", "unavailable")])
    assert "(BBH and GPQA missing)" in failed.summary
    assert failed.details[0] == "BBH is missing from the average: its evaluation failed."


def test_deviations_are_spelled_out():
    tasks = [TaskAvailability(t) for t in V2 if t not in ("MuSR", "GPQA")]
    tasks.append(TaskAvailability("GPQA", "unavailable"))
    tasks.append(TaskAvailability("MuSR", deviations=(Deviation("sample", "15 stories instead of 756"),)))
    notice = average_notice(tasks)
    assert not notice.complete and notice.deviates
    assert notice.summary.endswith("MuSR ran on data that differs from the leaderboard's; compare with care.")
    assert notice.details[1] == ("MuSR was scored on only part of the leaderboard's questions (15 stories instead "
                                 "of 756), so its score is not the full set's and is not directly comparable with "
                                 "full-set scores.")
    pool = Deviation("substitute_split", "few-shot examples from train_l")
    split = average_notice([TaskAvailability("Winogrande", deviations=(pool,))])
    assert split.complete and split.deviates
    assert split.summary == ("Complete: the one task is in the average. Winogrande ran on data that differs from "
                             "the leaderboard's; compare with care.")
    assert split.details == (("Winogrande used a different data split than the leaderboard (few-shot examples from "
                              "train_l), so its score may shift slightly."),)


def test_a_missing_tasks_deviation_is_not_reported_twice():
    notice = average_notice([TaskAvailability("GPQA", "unavailable", (Deviation("other"),)), TaskAvailability("BBH")])
    assert not notice.deviates and len(notice.details) == 1


def test_bad_input_refused():
    with pytest.raises(ValueError, match="kind"):
        Deviation("subset")
    with pytest.raises(ValueError, match="status"):
        TaskAvailability("BBH", "missing")
    with pytest.raises(ValueError, match="repeat"):
        average_notice([TaskAvailability("BBH"), TaskAvailability("BBH")])
    with pytest.raises(ValueError, match="at least one"):
        average_notice([])
