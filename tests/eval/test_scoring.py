"""Scoring lm-eval's results block with the suites' rules (no model needed)."""

import pytest

from podium.eval.scoring import leaf_tasks, score_task
from podium.eval.suites import OPENLLM_V1, OPENLLM_V2

V1 = {t.key: t for t in OPENLLM_V1.tasks}
V2 = {t.key: t for t in OPENLLM_V2.tasks}


def test_leaf_tasks_flattens_nested_groups():
    groups = {"mmlu": ["mmlu_stem", "mmlu_other"], "mmlu_stem": ["mmlu_anatomy", "mmlu_astronomy"],
              "mmlu_other": ["mmlu_nutrition"]}
    assert leaf_tasks("mmlu", groups) == ["mmlu_anatomy", "mmlu_astronomy", "mmlu_nutrition"]
    assert leaf_tasks("arc_challenge", groups) == ["arc_challenge"]


def test_single_task_reads_its_metric_and_stderr():
    out = {"results": {"arc_challenge": {"acc_norm,none": 0.5, "acc_norm_stderr,none": 0.1, "acc,none": 0.4}},
           "n-samples": {"arc_challenge": {"original": 1172, "effective": 10}}}
    s = score_task(V1["arc_challenge"], out)
    assert (s.raw, s.normalized, s.stderr, s.n_samples) == (0.5, 50.0, 0.1, 10)


def test_mmlu_is_the_unweighted_mean_over_subjects_not_lm_evals_weighted_group():
    out = {"results": {"mmlu": {"acc,none": 0.9},  # lm-eval's size-weighted aggregate: not what v1 shows
                       "mmlu_stem": {"acc,none": 0.9},
                       "mmlu_anatomy": {"acc,none": 0.2, "acc_stderr,none": 0.1},
                       "mmlu_astronomy": {"acc,none": 0.6, "acc_stderr,none": 0.1}},
           "group_subtasks": {"mmlu": ["mmlu_stem"], "mmlu_stem": ["mmlu_anatomy", "mmlu_astronomy"]},
           "n-samples": {"mmlu_anatomy": {"effective": 3}, "mmlu_astronomy": {"effective": 100}}}
    s = score_task(V1["mmlu"], out)
    assert s.raw == pytest.approx(0.4) and s.normalized == pytest.approx(40.0)
    assert s.n_samples == 103 and set(s.subtasks) == {"mmlu_anatomy", "mmlu_astronomy"}


def test_ifeval_averages_prompt_and_instruction_strict_accuracy():
    out = {"results": {"leaderboard_ifeval": {"prompt_level_strict_acc,none": 0.3, "inst_level_strict_acc,none": 0.5,
                                              "prompt_level_strict_acc_stderr,none": 0.02,
                                              "inst_level_strict_acc_stderr,none": "N/A"}}}
    s = score_task(V2["ifeval"], out)
    assert s.raw == pytest.approx(0.4) and s.normalized == pytest.approx(40.0) and s.stderr is None


def test_gpqa_normalizes_the_group_aggregate_and_clips():
    out = {"results": {"leaderboard_gpqa": {"acc_norm,none": 0.2},
                       "leaderboard_gpqa_main": {"acc_norm,none": 0.2}},
           "group_subtasks": {"leaderboard_gpqa": ["leaderboard_gpqa_main"]}}
    s = score_task(V2["gpqa"], out)
    assert s.raw == 0.2 and s.normalized == 0.0


def test_bbh_normalizes_each_subtask():
    out = {"results": {"leaderboard_bbh": {"acc_norm,none": 0.0},
                       "leaderboard_bbh_snarks": {"acc_norm,none": 0.75},
                       "leaderboard_bbh_geometric_shapes": {"acc_norm,none": 1 / 11}},
           "group_subtasks": {"leaderboard_bbh": ["leaderboard_bbh_snarks", "leaderboard_bbh_geometric_shapes"]}}
    s = score_task(V2["bbh"], out)
    assert s.normalized == pytest.approx((50.0 + 0.0) / 2)
    assert s.subtasks["leaderboard_bbh_snarks"].lower_bound == 0.5


def test_a_missing_metric_is_an_error_not_a_zero():
    with pytest.raises(KeyError):
        score_task(V1["arc_challenge"], {"results": {"arc_challenge": {"acc,none": 0.5}}})
