"""Error bars at evaluation time (issue 15.1): per-document outcomes become `podium.stats` tasks, and
every score, normalized score and the average get a standard error and a 95% interval."""

from __future__ import annotations

import json

import numpy as np
import pytest

from podium.eval.data.fixtures import write_fixture_data
from podium.eval.details import read_details, write_details
from podium.eval.outcomes import detail_outcome, stats_task
from podium.eval.provenance import BOOTSTRAP_SEED
from podium.eval.runner import EvalRequest, run_evaluation
from podium.eval.suites import KO_H5, OPENLLM_V2
from podium.eval.summary import summary_table
from podium.eval.uncertainty import RESAMPLES, with_uncertainty
from podium.record import AverageUncertainty, RunRecord
from podium.stats import raw_standard_error, standard_error, wilson_interval
from support.outcomes import lm_sample, right_wrong, task_of
from support.records import record, score

V2 = {t.key: t for t in OPENLLM_V2.tasks}


def test_ifeval_counts_instructions_and_averages_its_two_metrics():
    spec = V2["ifeval"]
    samples = [lm_sample(0, {"prompt_level_strict_acc": True, "inst_level_strict_acc": [True, True]}),
               lm_sample(1, {"prompt_level_strict_acc": False, "inst_level_strict_acc": [True, False, False]}),
               lm_sample(2, {"prompt_level_strict_acc": True, "inst_level_strict_acc": [True]})]
    task = task_of(spec, {"leaderboard_ifeval": samples})
    prompt, instructions = 2 / 3, 4 / 6  # lm-eval: prompt-level mean, instruction-level over all instructions
    assert task.raw == pytest.approx((prompt + instructions) / 2)
    assert not task.subtasks[0].is_binary


def test_a_pooled_group_clusters_a_question_asked_in_several_sets():
    spec = V2["gpqa"]
    question = {0: "Why is the sky blue?", 1: "What is a quark?", 2: "How old is the sun?"}
    samples = {leaf: right_wrong("acc_norm", pattern, doc=lambda i: {"Question": question[i]})
               for leaf, pattern in (("leaderboard_gpqa_diamond", [1, 0]), ("leaderboard_gpqa_main", [1, 0, 1]))}
    task = task_of(spec, samples)
    [pooled] = task.subtasks
    assert pooled.n == 5 and task.raw == pytest.approx(3 / 5) and pooled.lower_bound == 0.25
    assert len(set(pooled.clusters)) == 3  # the diamond questions reappear in main: one cluster each
    assert list(pooled.ids[:2]) == ["leaderboard_gpqa_diamond/0", "leaderboard_gpqa_diamond/1"]


def test_a_subtask_mean_is_one_stratum_per_subtask_with_its_own_bound():
    spec = V2["bbh"]
    samples = {"leaderboard_bbh_navigate": right_wrong("acc_norm", [1, 1, 0, 1]),
               "leaderboard_bbh_object_counting": right_wrong("acc_norm", [0, 1, 0, 0])}
    task = task_of(spec, samples)
    assert [s.lower_bound for s in task.subtasks] == [0.5, pytest.approx(1 / 19)]
    assert task.normalized == pytest.approx(np.mean([(0.75 - 0.5) / 0.5 * 100, (0.25 - 1 / 19) / (1 - 1 / 19) * 100]))


def test_the_details_file_gives_the_same_outcomes_as_the_run(tmp_path):
    """The paired comparison reads details files; the error bars read the run's samples: the same task."""
    spec = V2["gpqa"]
    samples = {"leaderboard_gpqa": right_wrong("acc_norm", [1, 0, 1, 1], doc=lambda i: {"Question": f"q{i % 2}"})
               + [lm_sample(9, {"acc_norm": 1.0}, filt="other")]}  # another filter's row is not the score's
    write_details(samples, tmp_path)
    rows = read_details(tmp_path / "leaderboard_gpqa.parquet")
    from_details = stats_task(spec, {"leaderboard_gpqa": [detail_outcome(r) for r in rows]})
    from_run = task_of(spec, samples)
    for a, b in zip(from_details.subtasks, from_run.subtasks):
        assert np.array_equal(a.values, b.values) and np.array_equal(a.ids, b.ids)
        assert np.array_equal(a.clusters, b.clusters)


def _scored(spec, task):
    return score(spec.key, spec.title, task.raw, task.normalized, n_samples=sum(s.n for s in task.subtasks),
                 lower_bound=spec.lower_bound, in_average=spec.in_average)


def test_intervals_wilson_for_plain_right_wrong_tasks_bootstrap_otherwise_and_for_the_average():
    pattern = [1] * 7 + [0] * 13
    outcomes = {"mmlu_pro": task_of(V2["mmlu_pro"], {"leaderboard_mmlu_pro": right_wrong("acc", pattern)}),
                "bbh": task_of(V2["bbh"], {"leaderboard_bbh_navigate": right_wrong("acc_norm", pattern),
                                           "leaderboard_bbh_snarks": right_wrong("acc_norm", pattern[::-1])})}
    scores = {key: _scored(V2[key], task) for key, task in outcomes.items()}
    out, average = with_uncertainty(scores, outcomes)
    mmlu = out["mmlu_pro"]
    low, high = wilson_interval(7, 20)
    assert mmlu.interval_method == "wilson" and (mmlu.raw_ci_low, mmlu.raw_ci_high) == (low, high)
    assert (mmlu.ci_low, mmlu.ci_high) == pytest.approx(((low - 0.1) / 0.9 * 100, (high - 0.1) / 0.9 * 100))
    assert mmlu.stderr == pytest.approx(standard_error(np.array(pattern, float)))  # lm-eval's mean_stderr
    bbh = out["bbh"]
    assert bbh.interval_method == "bootstrap" and bbh.stderr == pytest.approx(raw_standard_error(outcomes["bbh"]))
    for task in (mmlu, bbh):
        assert task.ci_low <= task.normalized <= task.ci_high and task.normalized_stderr > 0
        assert task.raw_ci_low <= task.raw <= task.raw_ci_high
    mean = np.mean([mmlu.normalized, bbh.normalized])
    assert average.ci_low < mean < average.ci_high and average.stderr > 0
    assert (average.seed, average.resamples) == (BOOTSTRAP_SEED, RESAMPLES)
    assert with_uncertainty(scores, outcomes) == (out, average)  # seeded: the same figures every time


def test_an_average_of_one_task_has_that_task_s_interval():
    """All wrong on 4 questions: the bootstrap cannot spread, the Wilson interval can; the average is that score."""
    outcomes = {"mmlu_pro": task_of(V2["mmlu_pro"], {"leaderboard_mmlu_pro": right_wrong("acc", [0, 0, 0, 0])})}
    out, average = with_uncertainty({"mmlu_pro": _scored(V2["mmlu_pro"], outcomes["mmlu_pro"])}, outcomes)
    assert (average.ci_low, average.ci_high) == (out["mmlu_pro"].ci_low, out["mmlu_pro"].ci_high)
    assert average.ci_high > 0


def test_too_few_documents_give_no_interval_and_no_average_interval():
    outcomes = {"mmlu_pro": task_of(V2["mmlu_pro"], {"leaderboard_mmlu_pro": right_wrong("acc", [1, 0, 1])}),
                "gpqa": task_of(V2["gpqa"], {"leaderboard_gpqa": right_wrong("acc_norm", [1])})}
    scores = {key: _scored(V2[key], task) for key, task in outcomes.items()}
    out, average = with_uncertainty(scores, outcomes)
    assert out["gpqa"] == scores["gpqa"] and out["mmlu_pro"].ci_low is not None
    assert average is None  # the average would hide that one of its tasks has no error bar


def test_the_average_uncertainty_survives_the_record_round_trip_and_old_records_still_load():
    base = record([score("arc", "ARC", 0.5, 50.0)], 50.0)
    block = RunRecord(**{**base.__dict__, "average_uncertainty": AverageUncertainty(1.5, 47.0, 53.0, 10, 7)}).to_json()
    again = RunRecord.from_json(json.loads(json.dumps(block)))
    assert again.average_uncertainty == AverageUncertainty(1.5, 47.0, 53.0, 10, 7)
    old = {k: v for k, v in base.to_json().items() if k != "average_uncertainty"}
    assert RunRecord.from_json(old).average_uncertainty is None


@pytest.mark.slow
def test_a_demo_evaluation_carries_intervals_private_tasks_included(demo_models, tmp_path):
    data = write_fixture_data(tmp_path / "data")  # GPQA (pooled, clustered) and a private task, whatever data is here
    v2 = run_evaluation(EvalRequest(model="podium-demo/gpt2-tiny", output=tmp_path / "v2", suite=OPENLLM_V2.name,
                                    tasks=["mmlu_pro", "gpqa"], limit=3, data_dir=data))
    for task in v2.tasks.values():
        assert task.interval_method in ("wilson", "bootstrap"), task
        assert task.ci_low <= task.normalized <= task.ci_high and task.raw_ci_low <= task.raw <= task.raw_ci_high
        assert task.stderr is not None and task.normalized_stderr is not None
    average = v2.average_uncertainty
    assert average is not None and average.ci_low <= v2.average <= average.ci_high
    assert v2.provenance.run.seeds["bootstrap_seed"] == BOOTSTRAP_SEED == average.seed
    stored = RunRecord.from_json(json.loads((tmp_path / "v2" / "results.json").read_text())["podium"])
    assert stored.average_uncertainty == average and stored.tasks == v2.tasks
    printed = summary_table(v2)
    assert "95% interval" in printed and f"[{average.ci_low:.2f}, {average.ci_high:.2f}]" in printed

    private = next(t for t in KO_H5.tasks if t.key == "ko_arc_challenge")
    ko = run_evaluation(EvalRequest(model="podium-demo/gpt2-tiny", output=tmp_path / "ko", suite=KO_H5.name,
                                    tasks=[private.key], limit=3, data_dir=data))
    scored = ko.tasks[private.key]
    assert scored.private and scored.ci_low is not None and scored.ci_low <= scored.normalized <= scored.ci_high
    assert not (tmp_path / "ko" / "details").exists() or not list((tmp_path / "ko" / "details").glob("*.parquet"))
