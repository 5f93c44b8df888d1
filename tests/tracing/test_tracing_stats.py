"""Unit tests of the tracing statistics: MATCH, Spearman / Fisher in log space, chunked accumulation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats as st
import torch

from podium.tracing import stats
from podium.tracing.accumulate import CrossStats
from podium.tracing.matching import cosine_rows, match


def test_match_recovers_planted_permutation():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(300, 400))  # 300 units, 400 tokens
    perm = rng.permutation(300)
    b = a[perm] + 0.5 * rng.normal(size=a.shape)  # model-2 unit k is model-1 unit perm[k]
    m = match(cosine_rows(a, b, centre=True))
    assert m.keyed_on == "model1"
    # model-1 unit i is matched with the model-2 unit k where perm[k] == i
    assert np.array_equal(perm[m.partner], np.arange(300))


def test_match_rectangular_keys_the_smaller_side():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(50, 200))
    extra = rng.normal(size=(30, 200))
    b = np.vstack([a, extra])[rng.permutation(80)]
    m = match(cosine_rows(a, b))
    assert m.keyed_on == "model1" and len(m.partner) == 50
    assert np.allclose(b[m.partner], a)
    mt = match(cosine_rows(b, a))
    assert mt.keyed_on == "model2" and len(mt.partner) == 50
    assert np.allclose(b[mt.partner], a)


@pytest.mark.parametrize("n,noise", [(10, 2.0), (50, 2.0), (300, 2.0), (300, 50.0)])
def test_spearman_matches_scipy(n, noise):
    rng = np.random.default_rng(n)
    x = rng.normal(size=n)
    y = x + noise * rng.normal(size=n)
    ours = stats.spearman_test(x, y)
    ref = st.spearmanr(x, y, alternative="greater")
    assert ours.rho == pytest.approx(ref.statistic, abs=1e-12)
    assert math.exp(ours.log_p) == pytest.approx(ref.pvalue, rel=1e-9)


def test_spearman_ties_match_scipy():
    x = [1, 2, 2, 3, 4, 4, 4, 5, 6, 7]
    y = [2, 1, 3, 3, 5, 4, 6, 6, 7, 7]
    ours = stats.spearman_test(x, y)
    ref = st.spearmanr(x, y, alternative="greater")
    assert ours.rho == pytest.approx(ref.statistic, abs=1e-12)
    assert math.exp(ours.log_p) == pytest.approx(ref.pvalue, rel=1e-9)


@pytest.mark.parametrize("df,t", [(30, 5.0), (30, 200.0), (100, 40.0), (3000, 40.0), (3000, 3.0)])
def test_t_tail_in_log_space(df, t):
    assert stats.t_logsf(t, df) == pytest.approx(float(st.t.logsf(t, df)), rel=1e-9)
    # the series branch agrees with scipy where both are representable
    x = df / (df + t * t)
    assert math.log(0.5) + stats._log_betainc_small(df / 2, 0.5, x) == pytest.approx(float(st.t.logsf(t, df)), rel=1e-7)


def test_spearman_far_tail_is_finite_and_floored():
    n = 3072
    x = np.arange(n)
    y = x.copy()
    y[:30] = y[:30][::-1]  # nearly identical orderings: p far below 1e-300
    res = stats.spearman_test(x, y)
    assert math.isfinite(res.log_p) and res.log10_p < -1000
    exact = stats.spearman_test(x, x)  # rho == 1: the exact-test floor 1/n!
    assert exact.log_p == pytest.approx(-stats.log_factorial(n))
    assert exact.log_p <= res.log_p


def test_fisher_matches_scipy():
    p = [0.01, 0.2, 0.5, 0.03]
    log_p, x, df = stats.fisher_logp(np.log(p))
    ref = st.combine_pvalues(p, method="fisher")
    assert x == pytest.approx(ref.statistic) and df == 8
    assert math.exp(log_p) == pytest.approx(ref.pvalue, rel=1e-10)
    p = [1e-100, 1e-200, 0.5]
    log_p, _, _ = stats.fisher_logp(np.log(p))
    assert log_p / stats.LN10 == pytest.approx(math.log10(st.combine_pvalues(p).pvalue), rel=1e-10)


def test_fisher_far_beyond_double_range():
    log_ps = [-5000.0 * stats.LN10] * 12  # twelve blocks at p = 1e-5000
    log_p, _, _ = stats.fisher_logp(log_ps)
    assert math.isfinite(log_p) and log_p / stats.LN10 < -59000
    # against an independent arbitrary-precision evaluation (scipy's chi2.logsf gives -inf here)
    import mpmath  # installed with torch (through sympy): a missing one is an error, not a skip
    x = -2 * sum(log_ps)
    ref = float(mpmath.log(mpmath.gammainc(12, x / 2, mpmath.inf, regularized=True)))
    assert log_p == pytest.approx(ref, rel=1e-9)


def test_bonferroni_and_formatting():
    assert stats.bonferroni_min([math.log(0.01), math.log(0.5)]) == pytest.approx(math.log(0.02))
    assert stats.bonferroni_min([math.log(0.9), math.log(0.8)]) == 0.0
    assert stats.format_p(math.log(0.0312)) == "p = 0.0312"
    assert stats.format_p(-2000 * stats.LN10) == "log10 p = -2000.0"


def test_cross_stats_chunked_equals_full():
    torch.manual_seed(0)
    a = torch.randn(1000, 6) * 3 + 10
    b = torch.randn(1000, 9) + a[:, [0, 1, 2, 3, 4, 5, 0, 1, 2]] * 0.5 - 4
    cs = CrossStats(6, 9)
    for k in range(0, 1000, 170):
        cs.update(a[k : k + 170], b[k : k + 170])
    ref = np.corrcoef(a.double().numpy().T, b.double().numpy().T)[:6, 6:]
    assert np.abs(cs.correlation() - ref).max() < 1e-5
    d = ((a[:, :, None].double() - b[:, None, :].double()) ** 2).sum(0).numpy()
    assert np.abs(cs.neg_sqdist() + d).max() / d.max() < 1e-5


def test_cross_stats_dead_unit_is_nan_and_never_matched_first():
    a = torch.randn(200, 3)
    b = torch.cat([a[:, :2] + 0.1 * torch.randn(200, 2), torch.zeros(200, 1)], dim=1)
    cs = CrossStats(3, 3)
    cs.update(a, b)
    corr = cs.correlation()
    assert np.isnan(corr[:, 2]).all()
    m = match(corr)
    assert list(m.partner[:2]) == [0, 1]
