"""The tracing tests: per-layer statistics from matchings, combined over layers.

Every test produces one Spearman statistic per compared block pair, from two matchings
of MLP units, and a one-sided p-value (see stats.py). The four tests:

- "glu-gate-up" (robust, GLU models): MATCH units by gate_proj output activations and,
  separately, by up_proj output activations on the same tokens; the statistic is the
  Spearman correlation of the two matchings. Both matchings are computed from
  activations, so any permutation of model 2's MLP units and any function-preserving
  transformation of its residual stream (permutation, rotation) leaves them aligned.
- "gpt2-fc-proj" (robust, GPT-2): GPT-2 has no gate/up pair, so the two views of a unit
  are its input side and its output side. (1) Align the residual bases: MATCH the
  embedding dimensions (columns of wte over the shared vocabulary, centred, without the
  d/8 leading principal components that all trained models share; see
  `residual_alignment`).
  (2) Per block, MATCH units by c_fc output activations (pre-GELU) on the tokens, and
  separately by their c_proj rows (the vector each unit writes into the residual stream)
  compared in the aligned basis (cosine). The statistic is the Spearman correlation of the
  two matchings. The two views are different parameters of the unit (never a
  pre-activation against its own post-activation, which would agree on any pair of
  models), so for independent models the two matchings are unrelated. It survives
  permutations of MLP units and of residual dimensions (the function-preserving symmetries
  of GPT-2: its LayerNorm gains pin the residual basis, so rotations are not).
- "weights-identity" (exact, unpermuted models): MATCH units by their input weight vectors
  (up_proj rows / c_fc columns, cosine) and test the matching against the identity.
- "activations-identity" (exact, unpermuted models): MATCH units by up_proj / c_fc
  activations and test the matching against the identity.

The identity tests are exact under the null when model 2's distribution is invariant to
permuting its hidden units (any i.i.d. initialisation): the matching is then a uniformly
random permutation. They lose all power once units are permuted.

Layers: when depths agree, block i of model 1 is compared with block i of model 2. When
they differ, every pair (i, j) is compared and block i keeps min_j p_ij times the number
of candidates (Bonferroni), a valid p-value. Per-block p-values are combined with Fisher's
method (chi-square, 2L degrees of freedom) in log space.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import torch

from podium.tracing import arch as archmod
from podium.tracing import stats
from podium.tracing.matching import Matching, match, weight_similarity


@dataclass
class LayerStat:
    layer: int  # block of model 1 (the base)
    model_layer: int  # block of model 2 it was compared with (the best one when depths differ)
    rho: float
    n: int
    log10_p: float  # this block's p-value (Bonferroni-adjusted when depths differ)
    candidates: int = 1  # blocks of model 2 compared with this one

    def to_dict(self) -> dict:
        d = asdict(self)
        d["rho"] = None if math.isnan(self.rho) else round(self.rho, 6)
        d["log10_p"] = round(self.log10_p, 4)
        return d


def act_site(a: archmod.Arch) -> str:
    return "up" if a.family == "glu" else "fc"


def _identity_keys(m: Matching) -> np.ndarray:
    return np.arange(len(m.partner))


def _spearman_of(m_a: Matching, m_b: Matching | None) -> stats.SpearmanTest:
    other = _identity_keys(m_a) if m_b is None else m_b.partner
    return stats.spearman_test(m_a.partner, other)


def shared_structure_rank(d_model: int) -> int:
    """How many leading principal components of the embedding matrix `residual_alignment` removes."""
    return max(1, d_model // 8)


def _without_leading_components(e: torch.Tensor, k: int) -> torch.Tensor:
    """Centred columns of e [vocab, d] minus their projection on the k leading principal axes.

    Same result as subtracting the rank-k SVD, computed from the d x d covariance (a
    GPT-2-sized embedding takes ~1 s instead of ~15 s for a thin SVD)."""
    e = e.to(torch.float32)
    e = e - e.mean(dim=0, keepdim=True)
    if k <= 0:
        return e
    cov = (e.T @ e).double()
    _, vecs = torch.linalg.eigh(cov)  # ascending eigenvalues
    top = vecs[:, -k:].to(torch.float32)
    return e - (e @ top) @ top.T


def residual_alignment(model1, model2) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (k1, k2) of residual dimensions, from MATCH on embedding columns.

    Each embedding matrix (rows: the shared vocabulary) is centred and stripped of its d/8
    leading principal components before the columns are compared (cosine). Every model trained
    on similar text shares those leading directions (token frequency first of all): left in,
    they make the dimensions of independent models look alike and the alignment carries that
    shared structure into the output-side matching, so that units both models learned
    ("universal" units) coincide in both matchings more often than chance (measured on tiny
    GPT-2s: 6.1 coinciding units per block instead of ~1, 13% rejections at alpha 0.05;
    without the leading components 1.7 and 3%, see BENCHMARKS.md). A derived model keeps
    the whole embedding, leading components included, up to its residual permutation, so its
    alignment is unaffected. Removing components is permutation-equivariant.
    """
    e1, e2 = archmod.embedding_matrix(model1), archmod.embedding_matrix(model2)
    v = min(e1.shape[0], e2.shape[0])
    k = shared_structure_rank(min(e1.shape[1], e2.shape[1]))
    a = _without_leading_components(e1[:v], k)
    b = _without_leading_components(e2[:v], k)
    a = a / a.norm(dim=0, keepdim=True).clamp_min(1e-12)
    b = b / b.norm(dim=0, keepdim=True).clamp_min(1e-12)
    m = match((a.T @ b).double().numpy())  # cosine similarity of embedding columns
    if m.keyed_on == "model1":
        return np.arange(len(m.partner)), m.partner
    return m.partner, np.arange(len(m.partner))


def block_statistic(
    test: str,
    i: int,
    j: int,
    *,
    model1,
    arch1,
    model2,
    arch2,
    cross: dict | None,
    metric: str,
    alignment=None,
) -> stats.SpearmanTest:
    if test == "glu-gate-up":
        m_gate = match(cross[(i, j, "gate")].similarity(metric))
        m_up = match(cross[(i, j, "up")].similarity(metric))
        return _spearman_of(m_gate, m_up)
    if test == "gpt2-fc-proj":
        m_in = match(cross[(i, j, "fc")].similarity(metric))
        k1, k2 = alignment
        p1 = archmod.output_unit_weights(model1, arch1, i).double().numpy()[:, k1]
        p2 = archmod.output_unit_weights(model2, arch2, j).double().numpy()[:, k2]
        m_out = match(weight_similarity(p1, p2, metric))
        return _spearman_of(m_in, m_out)
    if test == "activations-identity":
        return _spearman_of(match(cross[(i, j, act_site(arch1))].similarity(metric)), None)
    if test == "weights-identity":
        w1 = archmod.input_unit_weights(model1, arch1, i).double().numpy()
        w2 = archmod.input_unit_weights(model2, arch2, j).double().numpy()
        return _spearman_of(match(weight_similarity(w1, w2, metric)), None)
    raise ValueError(f"unknown test {test!r}")


def combine(per_pair: dict[tuple[int, int], stats.SpearmanTest], n1: int, n2: int) -> tuple[list[LayerStat], float]:
    """Per-block p-values (Bonferroni over candidates when depths differ) and Fisher's combination (log p)."""
    layers: list[LayerStat] = []
    for i in range(n1):
        cands = {j: t for (ii, j), t in per_pair.items() if ii == i}
        if not cands:
            continue
        j_best = min(cands, key=lambda j: cands[j].log_p)
        best = cands[j_best]
        log_p = stats.bonferroni_min([t.log_p for t in cands.values()]) if len(cands) > 1 else best.log_p
        layers.append(LayerStat(i, j_best, best.rho, best.n, log_p / stats.LN10, len(cands)))
    log_p, _, _ = stats.fisher_logp([block.log10_p * stats.LN10 for block in layers])
    return layers, log_p

