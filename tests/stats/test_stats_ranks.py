"""Rank intervals on constructed boards, against a brute-force count, and their joint coverage."""

import numpy as np
import pytest
from scipy import stats as scipy_stats

from podium.stats import rank_intervals, rank_intervals_from_replicates, sidak_critical_value
from podium.stats.ranks import ranks_from_bounds


def test_separated_models_get_single_ranks_and_ties_overlap():
    scores = [80.0, 60.0, 40.0, 40.2, 20.0]
    result = rank_intervals(scores, [0.5] * 5)
    assert result.rank_lo.tolist() == [1, 2, 3, 3, 5]
    assert result.rank_hi.tolist() == [1, 2, 4, 4, 5]
    # Input order is kept; the best model first or last makes no difference.
    reversed_result = rank_intervals(scores[::-1], [0.5] * 5)
    assert reversed_result.rank_lo.tolist() == result.rank_lo.tolist()[::-1]


def test_noisy_board_gives_wide_intervals():
    result = rank_intervals([50.0, 51.0, 52.0, 53.0], [3.3] * 4)
    assert result.rank_lo.tolist() == [1, 1, 1, 1] and result.rank_hi.tolist() == [4, 4, 4, 4]


def test_counts_match_brute_force():
    rng = np.random.default_rng(0)
    scores, stderrs = rng.normal(40, 8, 400).round(1), rng.uniform(0, 3, 400)
    result = rank_intervals(scores, stderrs)
    lo, hi = result.ci_low, result.ci_high
    better = (lo[None, :] > hi[:, None]).sum(axis=1)
    worse = (hi[None, :] < lo[:, None]).sum(axis=1)
    assert np.array_equal(result.rank_lo, 1 + better)
    assert np.array_equal(result.rank_hi, 400 - worse)
    assert np.all(result.rank_lo <= result.rank_hi)


def test_sidak_critical_value():
    assert sidak_critical_value(1) == pytest.approx(1.959963984540054)
    assert sidak_critical_value(10) == pytest.approx(scipy_stats.norm.ppf(0.5 + 0.95 ** 0.1 / 2))
    not_joint = rank_intervals([1.0, 2.0], [1.0, 1.0], joint=False)
    assert not_joint.critical_value == pytest.approx(1.959963984540054)


def test_joint_coverage_of_true_ranks():
    """All true ranks inside their intervals at once, in at least 95% of simulated boards."""
    rng = np.random.default_rng(1)
    truth = np.linspace(30, 60, 20)
    true_rank = 1 + (truth[None, :] > truth[:, None]).sum(axis=1)
    stderrs = rng.uniform(1, 4, 20)
    hits = 0
    for _ in range(1000):
        result = rank_intervals(truth + rng.normal(0, stderrs), stderrs)
        hits += bool(np.all((result.rank_lo <= true_rank) & (true_rank <= result.rank_hi)))
    assert hits / 1000 >= 0.95


def test_replicates_give_the_same_board():
    rng = np.random.default_rng(2)
    scores = np.array([80.0, 60.0, 40.0, 40.2, 20.0])
    replicates = scores + rng.normal(0, 0.5, (20_000, 5))
    result = rank_intervals_from_replicates(scores, replicates)
    assert result.rank_lo.tolist() == [1, 2, 3, 3, 5] and result.rank_hi.tolist() == [1, 2, 4, 4, 5]
    # Independent normal replicates: the max-t value is close to Sidak's.
    assert result.critical_value == pytest.approx(sidak_critical_value(5), rel=0.03)
    assert (rank_intervals_from_replicates(scores, replicates, joint=False).critical_value
            == pytest.approx(1.96, rel=0.03))
    constant = rank_intervals_from_replicates([1.0, 2.0], np.tile([1.0, 2.0], (10, 1)))
    assert constant.rank_lo.tolist() == [2, 1] and constant.critical_value == 0.0


def test_bad_input_refused():
    with pytest.raises(ValueError, match="standard error"):
        rank_intervals([1.0, 2.0], [0.5, float("nan")])
    with pytest.raises(ValueError, match="same non-zero length"):
        rank_intervals([1.0, 2.0], [0.5])
    with pytest.raises(ValueError, match="shape"):
        rank_intervals_from_replicates([1.0, 2.0], np.zeros((10, 3)))
    with pytest.raises(ValueError, match="lower <= upper"):
        ranks_from_bounds([2.0], [1.0])
