"""Closed-form intervals and standard errors against scipy, lm-eval and hand-computed cases."""

import math

import numpy as np
import pytest
from lm_eval.api.metrics import mean_stderr
from scipy import stats as scipy_stats

from podium.stats import (
    Subtask,
    Task,
    clustered_standard_error,
    jeffreys_interval,
    raw_standard_error,
    residual_standard_error,
    standard_error,
    stratified_standard_error,
    wilson_interval,
    z_value,
)

CASES = [(0, 10), (1, 10), (5, 10), (10, 10), (3, 198), (66, 198), (197, 198), (450, 1000), (1, 1)]


@pytest.mark.parametrize("k,n", CASES)
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_wilson_matches_scipy(k, n, confidence):
    expected = scipy_stats.binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    assert wilson_interval(k, n, confidence) == pytest.approx((expected.low, expected.high), abs=1e-12)


def test_wilson_closed_form_and_arrays():
    # k = 40 of n = 100 at z = 1.959964: centre (0.4 + z^2/200) / (1 + z^2/100),
    # half z/(1+z^2/100) sqrt(.0024 + z^2/40000)
    z = 1.959963984540054
    centre = (0.4 + z * z / 200) / (1 + z * z / 100)
    half = z / (1 + z * z / 100) * math.sqrt(0.4 * 0.6 / 100 + z * z / 40000)
    assert wilson_interval(40, 100) == pytest.approx((centre - half, centre + half), abs=1e-14)
    low, high = wilson_interval(np.array([k for k, _ in CASES]), np.array([n for _, n in CASES]))
    assert low.shape == (len(CASES),)
    for i, (k, n) in enumerate(CASES):
        assert (low[i], high[i]) == pytest.approx(wilson_interval(k, n), abs=1e-15)


@pytest.mark.parametrize("k,n", CASES)
def test_jeffreys_is_beta_quantiles(k, n):
    low, high = jeffreys_interval(k, n)
    expected_low = 0.0 if k == 0 else scipy_stats.beta.ppf(0.025, k + 0.5, n - k + 0.5)
    expected_high = 1.0 if k == n else scipy_stats.beta.ppf(0.975, k + 0.5, n - k + 0.5)
    assert (low, high) == pytest.approx((expected_low, expected_high), abs=1e-12)
    assert low <= k / n <= high


def test_interval_inputs_refused():
    for bad in [(11, 10), (-1, 10), (1.5, 10), (0, 0)]:
        with pytest.raises(ValueError):
            wilson_interval(*bad)
    with pytest.raises(ValueError, match="confidence"):
        jeffreys_interval(1, 10, confidence=1.0)
    assert z_value(0.95) == pytest.approx(1.959963984540054, abs=1e-12)


def test_standard_error_is_lm_evals():
    rng = np.random.default_rng(7)
    for values in [rng.integers(0, 2, 198).astype(float), rng.random(57), np.array([0.0, 1.0])]:
        assert standard_error(values) == pytest.approx(mean_stderr(list(values)), rel=1e-12)
    with pytest.raises(ValueError, match="at least 2"):
        standard_error([1.0])
    with pytest.raises(ValueError, match="NaN"):
        standard_error([1.0, float("nan")])


def test_clustered_standard_error_hand_computed():
    # xbar = 0.5; residual sums per cluster: a 0, b +1, c -1; sum of squares 2; n = 6, G = 3.
    values = [1, 0, 1, 1, 0, 0]
    clusters = ["a", "a", "b", "b", "c", "c"]
    assert clustered_standard_error(values, clusters, small_sample_correction=False) == pytest.approx(math.sqrt(2) / 6)
    assert clustered_standard_error(values, clusters) == pytest.approx(math.sqrt(2) / 6 * math.sqrt(3 / 2))
    # Cluster order and label type do not matter.
    assert clustered_standard_error(values[::-1], [3, 3, 2, 2, 1, 1]) == pytest.approx(math.sqrt(3) / 6)


def test_clustered_reduces_to_plain_with_singleton_clusters():
    values = np.random.default_rng(3).integers(0, 2, 50).astype(float)
    singletons = np.arange(50)
    assert clustered_standard_error(values, singletons) == pytest.approx(standard_error(values), rel=1e-12)
    assert clustered_standard_error(values, singletons, small_sample_correction=False) == pytest.approx(
        np.std(values) / math.sqrt(50), rel=1e-12)


def test_clustered_grows_with_shared_context():
    # Stories whose questions are all right or all wrong together: the plain SE understates the noise.
    rng = np.random.default_rng(5)
    story_right = rng.integers(0, 2, 40)
    values = np.repeat(story_right, 5).astype(float)
    stories = np.repeat(np.arange(40), 5)
    assert clustered_standard_error(values, stories) > 2 * standard_error(values)
    with pytest.raises(ValueError, match="2 clusters"):
        clustered_standard_error(values, np.zeros(200))
    with pytest.raises(ValueError, match="one label per document"):
        clustered_standard_error(values, stories[:-1])


def test_residual_and_stratified():
    assert residual_standard_error([0.5, -0.5], None) == pytest.approx(math.sqrt(2 * 0.5) / 2)
    assert stratified_standard_error([0.03, 0.04]) == pytest.approx(0.025)
    with pytest.raises(ValueError):
        stratified_standard_error([0.03, float("nan")])


def test_raw_standard_error_of_tasks():
    rng = np.random.default_rng(11)
    x = rng.integers(0, 2, 300).astype(float)
    assert raw_standard_error(Task.single("plain", x)) == pytest.approx(mean_stderr(list(x)), rel=1e-12)
    # BBH-like: stratified over subtasks, each its own lm-eval SE.
    parts = [x[:100], x[100:300]]
    bbh = Task("bbh", tuple(Subtask(p, 1 / 3, name=str(i)) for i, p in enumerate(parts)))
    assert raw_standard_error(bbh) == pytest.approx(math.sqrt(sum(mean_stderr(list(p)) ** 2 for p in parts)) / 2)
    # A ratio metric with every document counting 3 items is the mean of x / 3.
    counts = rng.integers(0, 4, 300).astype(float)
    ratio = Task.single("ratio", counts, denominators=np.full(300, 3.0))
    assert raw_standard_error(ratio) == pytest.approx(standard_error(counts / 3), rel=1e-12)
    # Stories as clusters: the CR1 clustered SE.
    stories = np.repeat(np.arange(60), 5)
    clustered = Task.single("musr", x, 0.5, clusters=stories)
    assert raw_standard_error(clustered) == pytest.approx(clustered_standard_error(x, stories), rel=1e-12)
