"""Paired comparison on constructed pairs: exact McNemar, matching by id, calibration under no difference."""

import numpy as np
import pytest
from scipy import stats as scipy_stats

from podium.stats import MismatchedDocuments, Subtask, Task, compare, mcnemar_p_value, standard_error


def binary(rng, probabilities):
    return (rng.random(probabilities.shape) < probabilities).astype(float)


def test_mcnemar_hand_computed_and_against_scipy():
    # 1 vs 5 discordant: P(X <= 1) = 7/64, P(X = 1) = 6/64 under Binomial(6, 1/2).
    assert mcnemar_p_value(1, 5, "exact") == pytest.approx(14 / 64)
    assert mcnemar_p_value(1, 5) == pytest.approx(8 / 64)
    assert mcnemar_p_value(0, 0) == 1.0 and mcnemar_p_value(4, 4, "exact") == 1.0
    for a, b in [(3, 17), (40, 55), (0, 9), (12, 12)]:
        assert mcnemar_p_value(a, b, "exact") == pytest.approx(scipy_stats.binomtest(a, a + b).pvalue, rel=1e-10)
    vector = mcnemar_p_value(np.array([1, 3]), np.array([5, 17]), "exact")
    assert vector == pytest.approx([14 / 64, scipy_stats.binomtest(3, 20).pvalue])
    with pytest.raises(ValueError):
        mcnemar_p_value(-1, 3)
    with pytest.raises(ValueError):
        mcnemar_p_value(1, 3, "asymptotic")


def test_mcnemar_calibrated_for_identical_models():
    """Two models with the same per-question chances: mid-p rejects at about the nominal 5%, exact at most."""
    rng = np.random.default_rng(0)
    pairs, n = 4000, 400
    difficulty = rng.beta(2, 2, (pairs, n))
    a, b = binary(rng, difficulty), binary(rng, difficulty)
    only_a, only_b = ((a == 1) & (b == 0)).sum(axis=1), ((a == 0) & (b == 1)).sum(axis=1)
    mid, exact = mcnemar_p_value(only_a, only_b), mcnemar_p_value(only_a, only_b, "exact")
    assert 0.04 <= np.mean(mid < 0.05) <= 0.06
    assert np.mean(exact < 0.05) <= 0.05
    for level in (0.1, 0.25, 0.5):
        assert np.mean(mid < level) == pytest.approx(level, abs=0.025)


def test_identical_models_bootstrap_p_values_uniform():
    """Continuous scores (mc2-like) through the paired bootstrap: p-values look uniform (KS)."""
    rng = np.random.default_rng(1)
    ids = np.arange(200)
    p_values = []
    for trial in range(300):
        base = rng.random(200)
        a, b = np.clip(base + rng.normal(0, 0.2, 200), 0, 1), np.clip(base + rng.normal(0, 0.2, 200), 0, 1)
        result = compare([Task.single("mc2", a, ids=ids)], [Task.single("mc2", b, ids=ids)], seed=trial,
                         resamples=1000)
        assert result.tasks["mc2"].p_method == "paired bootstrap"
        p_values.append(result.tasks["mc2"].p_value)
    assert scipy_stats.kstest(p_values, "uniform").pvalue > 0.01
    assert np.mean(np.array(p_values) < 0.05) == pytest.approx(0.05, abs=0.035)


def test_shifted_model_detected():
    rng = np.random.default_rng(2)
    difficulty = rng.beta(0.5, 0.5, 1000)  # questions mostly easy or mostly hard for both models
    a, b = binary(rng, np.minimum(1, difficulty + 0.12)), binary(rng, difficulty)
    ids = np.array([f"doc-{i}" for i in range(1000)])
    musr_a = Task("musr", (Subtask(a[:500], 0.5, ids=ids[:500], name="x"),
                           Subtask(a[500:], 1 / 3, ids=ids[500:], name="y")))
    musr_b = Task("musr", (Subtask(b[:500], 0.5, ids=ids[:500], name="x"),
                           Subtask(b[500:], 1 / 3, ids=ids[500:], name="y")))
    result = compare([Task.single("gpqa", a, 0.25, ids=ids), musr_a], [Task.single("gpqa", b, 0.25, ids=ids), musr_b],
                     seed=0, resamples=5000)
    gpqa = result.tasks["gpqa"]
    assert gpqa.p_method == "mcnemar mid-p" and gpqa.p_value < 1e-3
    assert gpqa.raw.estimate == pytest.approx(a.mean() - b.mean())
    assert gpqa.raw.stderr == pytest.approx(standard_error(a - b), rel=1e-12)
    assert gpqa.normalized.ci_low > 0
    assert result.tasks["musr"].p_method == "paired bootstrap" and result.tasks["musr"].p_value < 0.01
    assert result.average.ci_low > 0 and result.average_p_value < 1e-3
    # Pairing removes the shared difficulty: far tighter than two independent scores.
    assert gpqa.raw.stderr < 0.8 * np.hypot(standard_error(a), standard_error(b))


def test_documents_matched_by_id_not_position():
    rng = np.random.default_rng(3)
    a, b = binary(rng, np.full(300, 0.5)), binary(rng, np.full(300, 0.6))
    ids = np.arange(300)
    order = rng.permutation(300)
    clusters = ids // 3
    straight = compare([Task.single("t", a, ids=ids, clusters=clusters)],
                       [Task.single("t", b, ids=ids, clusters=clusters)],
                       seed=5, resamples=2000)
    shuffled = compare([Task.single("t", a, ids=ids, clusters=clusters)],
                       [Task.single("t", b[order], ids=ids[order], clusters=clusters[order])], seed=5, resamples=2000)
    assert shuffled.tasks == straight.tasks
    assert straight.tasks["t"].p_method == "paired bootstrap"  # clustered: McNemar would ignore the clusters


def test_mismatched_results_refused():
    ids = np.arange(10)
    values = np.tile([0.0, 1.0], 5)
    a = [Task.single("t", values, ids=ids)]
    with pytest.raises(MismatchedDocuments, match="1 only in A.*1 only in B"):
        compare(a, [Task.single("t", values, ids=np.r_[ids[:-1], 99])], seed=0)
    with pytest.raises(MismatchedDocuments, match="different types"):
        compare(a, [Task.single("t", values, ids=ids.astype(str))], seed=0)
    with pytest.raises(MismatchedDocuments, match="ids are needed"):
        compare(a, [Task.single("t", values)], seed=0)
    with pytest.raises(MismatchedDocuments, match="different tasks"):
        compare(a, [Task.single("u", values, ids=ids)], seed=0)
    with pytest.raises(MismatchedDocuments, match="lower bounds"):
        compare(a, [Task.single("t", values, 0.25, ids=ids)], seed=0)
    with pytest.raises(MismatchedDocuments, match="clusters"):
        compare(a, [Task.single("t", values, ids=ids, clusters=ids // 2)], seed=0)
    with pytest.raises(MismatchedDocuments, match="different subtasks"):
        compare(a, [Task("t", (Subtask(values, ids=ids, name="other"),))], seed=0)
