"""The leaderboards' normalization rules on hand-computed cases."""

import math

import pytest

from podium.eval.normalize import normalize, stderr_of_mean, subtask_mean, suite_average
from podium.eval.suites import BBH_CHOICES, MUSR_CHOICES, OPENLLM_V2


def test_normalize_rescales_above_the_baseline():
    assert normalize(0.40, 0.25) == pytest.approx(20.0)  # (0.40 - 0.25) / 0.75 * 100
    assert normalize(1.0, 0.25) == pytest.approx(100.0)
    assert normalize(0.55, 0.1) == pytest.approx(50.0)  # MMLU-Pro
    assert normalize(0.3, 0.0) == pytest.approx(30.0)


def test_normalize_clips_below_the_baseline_to_zero():
    assert normalize(0.20, 0.25) == 0.0
    assert normalize(0.25, 0.25) == 0.0
    assert normalize(0.0, 0.5) == 0.0


def test_normalize_rejects_an_impossible_bound():
    with pytest.raises(ValueError):
        normalize(0.5, 1.0)


def test_bbh_rule_normalizes_each_subtask_then_averages():
    raw = {"leaderboard_bbh_snarks": 0.75, "leaderboard_bbh_object_counting": 0.10,
           "leaderboard_bbh_temporal_sequences": 0.20}
    bounds = {"leaderboard_bbh_snarks": 1 / 2, "leaderboard_bbh_object_counting": 1 / 19,
              "leaderboard_bbh_temporal_sequences": 1 / 4}
    raw_mean, norm = subtask_mean(raw, bounds)
    # snarks: (0.75-0.5)/0.5 = 50; object_counting: (0.10-1/19)/(18/19) = 5.0; temporal: below 0.25 -> 0
    assert raw_mean == pytest.approx((0.75 + 0.10 + 0.20) / 3)
    assert norm == pytest.approx((50.0 + 5.0 + 0.0) / 3)


def test_musr_rule_uses_per_domain_choice_counts():
    raw = {"murder_mysteries": 0.6, "object_placements": 0.4, "team_allocation": 0.5}
    bounds = {k: 1 / n for k, n in MUSR_CHOICES.items()}
    _, norm = subtask_mean(raw, bounds)
    expected = ((0.6 - 0.5) / 0.5 * 100 + (0.4 - 0.2) / 0.8 * 100 + (0.5 - 1 / 3) / (2 / 3) * 100) / 3
    assert norm == pytest.approx(expected)


def test_suite_tables_match_the_leaderboard():
    assert len(BBH_CHOICES) == 24
    spec = {t.key: t for t in OPENLLM_V2.tasks}
    assert spec["bbh"].subtask_bound("leaderboard_bbh_geometric_shapes") == pytest.approx(1 / 11)
    assert spec["bbh"].subtask_bound("leaderboard_bbh_date_understanding") == pytest.approx(1 / 6)
    assert spec["musr"].subtask_bound("leaderboard_musr_object_placements") == pytest.approx(0.2)
    assert spec["gpqa"].lower_bound == 0.25 and spec["mmlu_pro"].lower_bound == 0.1
    assert spec["math_hard"].lower_bound == 0.0


def test_average_is_plain_mean_and_flags_missing_tasks():
    assert suite_average({"a": 10.0, "b": 20.0}) == (15.0, True)
    assert suite_average({"a": 10.0, "b": None}) == (10.0, False)
    assert suite_average({"a": None}) == (None, False)


def test_stderr_of_an_unweighted_mean():
    assert stderr_of_mean([0.03, 0.04]) == pytest.approx(math.sqrt(0.0009 + 0.0016) / 2)
    assert stderr_of_mean([0.1, None]) is None
