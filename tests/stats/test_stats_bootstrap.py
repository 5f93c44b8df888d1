"""The seeded bootstrap: point values as the leaderboard computes them, reproducibility, coverage."""

import numpy as np
import pytest

from podium.eval.normalize import normalize as leaderboard_normalize
from podium.eval.normalize import subtask_mean, suite_average
from podium.stats import (
    Subtask,
    Task,
    bootstrap_suite,
    clustered_standard_error,
    normalize,
    raw_standard_error,
    standard_error,
)
from podium.stats.resample import resample_sums, task_rng


def binary(rng, n, p):
    return (rng.random(n) < p).astype(float)


def small_suite(seed=0):
    rng = np.random.default_rng(seed)
    bbh = Task("bbh", tuple(Subtask(binary(rng, 60 + 10 * i, 0.3 + 0.05 * i), lb, name=f"bbh_{i}")
                            for i, lb in enumerate([1 / 2, 1 / 3, 1 / 5, 1 / 7])))
    return [Task.single("gpqa", binary(rng, 198, 0.33), 0.25), bbh, Task.single("math", binary(rng, 300, 0.1))]


def test_point_values_are_the_leaderboards():
    suite = small_suite()
    result = bootstrap_suite(suite, seed=1, resamples=200)
    bbh = suite[1]
    raw, norm = subtask_mean({s.name: s.raw for s in bbh.subtasks}, {s.name: s.lower_bound for s in bbh.subtasks})
    assert result.tasks["bbh"].raw.estimate == pytest.approx(raw, abs=1e-12)
    assert result.tasks["bbh"].normalized.estimate == pytest.approx(norm, abs=1e-12)
    gpqa = suite[0].subtasks[0]
    assert result.tasks["gpqa"].normalized.estimate == pytest.approx(leaderboard_normalize(gpqa.raw, 0.25), abs=1e-12)
    expected_average, complete = suite_average({t.name: t.normalized for t in suite})
    assert complete and result.average.estimate == pytest.approx(expected_average, abs=1e-12)
    for raw_value in [0.0, 0.1, 0.25, 0.4, 1.0]:
        assert normalize(raw_value, 0.25) == pytest.approx(leaderboard_normalize(raw_value, 0.25), abs=1e-12)


def test_seeded_and_independent_of_other_tasks():
    suite = small_suite()
    first, again = bootstrap_suite(suite, seed=4, resamples=500), bootstrap_suite(suite, seed=4, resamples=500)
    assert np.array_equal(first.replicates, again.replicates)
    other = bootstrap_suite(suite, seed=5, resamples=500)
    assert not np.array_equal(first.replicates, other.replicates)
    alone = bootstrap_suite(suite[2:], seed=4, resamples=500)
    assert alone.tasks["math"] == first.tasks["math"]
    assert first.replicates.shape == (500, 3)
    assert first.average.stderr == pytest.approx(np.std(first.average_replicates, ddof=1))


def test_raw_bootstrap_se_agrees_with_the_analytic_se():
    suite = small_suite(2)
    result = bootstrap_suite(suite, seed=0, resamples=20_000)
    for task in suite:
        # The bootstrap SE is the ddof=0 plug-in; the analytic one uses ddof=1 per subtask.
        assert result.tasks[task.name].raw.stderr == pytest.approx(raw_standard_error(task), rel=0.03)


def test_clipped_task_has_no_spread():
    far_below = Task.single("below", np.r_[np.ones(5), np.zeros(195)], lower_bound=0.25)
    result = bootstrap_suite([far_below], seed=0, resamples=1000).tasks["below"].normalized
    assert (result.estimate, result.stderr, result.ci_low, result.ci_high) == (0.0, 0.0, 0.0, 0.0)


def test_clusters_resampled_whole():
    rng = np.random.default_rng(9)
    stories = np.repeat(np.arange(80), 4)
    values = np.repeat(binary(rng, 80, 0.5), 4)
    values[rng.random(320) < 0.1] = 1.0
    task = Task.single("musr", values, 0.5, clusters=stories)
    se = bootstrap_suite([task], seed=3, resamples=20_000).tasks["musr"].raw.stderr
    assert se == pytest.approx(clustered_standard_error(values, stories), rel=0.05)
    assert se > 1.5 * standard_error(values)


def test_ratio_metrics_and_several_metrics():
    rng = np.random.default_rng(4)
    prompt_ok = binary(rng, 541, 0.4)
    counts = rng.integers(1, 4, 541).astype(float)
    followed = np.minimum(counts, rng.integers(0, 4, 541))
    ifeval = Task.single("ifeval", np.column_stack([prompt_ok, followed]),
                         denominators=np.column_stack([np.ones(541), counts]))
    expected = (prompt_ok.mean() + followed.sum() / counts.sum()) / 2
    result = bootstrap_suite([ifeval], seed=0, resamples=20_000).tasks["ifeval"]
    assert result.raw.estimate == pytest.approx(expected)
    assert result.normalized.estimate == pytest.approx(100 * expected)
    assert result.raw.stderr == pytest.approx(raw_standard_error(ifeval), rel=0.05)


def test_both_sampling_paths_draw_the_bootstrap_distribution():
    rng = np.random.default_rng(1)
    few_distinct = rng.integers(0, 3, (400, 1)).astype(float)      # counts over 3 distinct rows
    all_distinct = rng.random((400, 1))                              # index draws
    for rows in (few_distinct, all_distinct):
        sums = resample_sums(rows, 40_000, task_rng(0, "x"))[:, 0]
        assert sums.mean() == pytest.approx(rows.sum(), rel=0.002)
        assert sums.std() == pytest.approx(np.sqrt(400) * rows[:, 0].std(), rel=0.03)


@pytest.mark.parametrize("lower_bound", [0.0, 0.25])
def test_percentile_interval_covers_at_n_198(lower_bound):
    """Coverage of the 95% interval on a simulated binomial (GPQA-diamond size): 1,000 seeds x 1,000 resamples."""
    p, n = 0.4, 198
    truth = leaderboard_normalize(p, lower_bound)
    data = np.random.default_rng(2024)
    covered = 0
    for seed in range(1000):
        task = Task.single("gpqa", binary(data, n, p), lower_bound)
        interval = bootstrap_suite([task], seed=seed, resamples=1000).tasks["gpqa"].normalized
        covered += interval.ci_low <= truth <= interval.ci_high
    assert 0.93 <= covered / 1000 <= 0.97


def test_bad_input_refused():
    with pytest.raises(ValueError, match="seed"):
        bootstrap_suite(small_suite(), seed=-1)
    with pytest.raises(ValueError, match="resamples"):
        bootstrap_suite(small_suite(), seed=0, resamples=1)
    with pytest.raises(ValueError, match="repeat"):
        bootstrap_suite(small_suite() * 2, seed=0)
    with pytest.raises(ValueError, match="no tasks"):
        bootstrap_suite([], seed=0)
    with pytest.raises(ValueError, match="lower bound"):
        Task.single("x", [1.0, 0.0], lower_bound=1.0)
    with pytest.raises(ValueError, match="NaN"):
        Task.single("x", [1.0, float("nan")])
    with pytest.raises(ValueError, match="not unique"):
        Task.single("x", [1.0, 0.0], ids=["a", "a"])
    with pytest.raises(ValueError, match="denominators"):
        Task.single("x", [1.0, 0.0], denominators=[1.0])
