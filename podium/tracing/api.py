"""`run_trace(base, model)` and `provenance_check(model, base)`: the public API of tracing."""

from __future__ import annotations

import platform
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from podium.errors import UsageError
from podium.modelref.precision import DTYPES
from podium.tracing import arch as archmod
from podium.tracing import stats
from podium.tracing.capture import cross_statistics, layer_pairs
from podium.tracing.catalog import DEFAULT_SEQ_LEN, DEFAULT_TOKENS, ROBUST, TESTS
from podium.tracing.errors import TokenizerMismatchError, UnsupportedArchitectureError
from podium.tracing.inputs import build_inputs
from podium.tracing.loading import load
from podium.tracing.procedures import LayerStat, act_site, block_statistic, combine, residual_alignment
from podium.tracing.verdict import DERIVED_LOG10_P, is_derived

METHOD_VERSION = "podium-trace/1"
# Budget for the n1 x n2 Gram matrices kept at once; more layer pairs run in several passes.
GRAM_BUDGET_BYTES = 3 * 1024**3


def peak_rss_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024.0 if sys.platform != "darwin" else kb / 1024.0 / 1024.0


def versions() -> dict:
    import numpy
    import scipy
    import transformers

    from podium import __version__

    return {
        "podium": __version__,
        "method": METHOD_VERSION,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "scipy": scipy.__version__,
        "numpy": numpy.__version__,
        "python": platform.python_version(),
    }


@dataclass
class TraceResult:
    base: str
    model: str
    test: str | None
    test_description: str | None
    log10_p: float | None
    per_layer: list[LayerStat] = field(default_factory=list)
    perplexity: float | None = None
    bits_per_byte: float | None = None
    perplexity_detail: dict | None = None
    base_perplexity: float | None = None
    inputs: str | None = None
    n_tokens: int = 0
    metric: str = "cosine"
    runtime_s: float = 0.0
    timings: dict = field(default_factory=dict)
    peak_rss_mb: float = 0.0
    versions: dict = field(default_factory=versions)
    provenance: dict | None = None
    error: dict | None = None

    @property
    def p_value(self) -> float | None:
        if self.log10_p is None:
            return None
        return stats.log_to_p(self.log10_p * stats.LN10)

    def to_dict(self) -> dict:
        """JSON-able record for the store (keys fixed by the platform contract)."""
        return {
            "base": self.base,
            "model": self.model,
            "test": self.test,
            "test_description": self.test_description,
            "log10_p": None if self.log10_p is None else round(self.log10_p, 4),
            "p_value": self.p_value,
            "per_layer": [block.to_dict() for block in self.per_layer],
            "perplexity": self.perplexity,
            "bits_per_byte": self.bits_per_byte,
            "perplexity_detail": self.perplexity_detail,
            "base_perplexity": self.base_perplexity,
            "inputs": self.inputs,
            "n_tokens": self.n_tokens,
            "metric": self.metric,
            "runtime_s": round(self.runtime_s, 3),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "versions": self.versions,
            "provenance": self.provenance,
            "error": self.error,
        }


def _choose_test(test: str, a1: archmod.Arch, a2: archmod.Arch) -> str:
    if a1.family != a2.family:
        raise UnsupportedArchitectureError(
            f"Cannot trace a {a2.model_type} model against a {a1.model_type} base: the tests compare MLP units of the "
            "same architecture family (GPT-2 with GPT-2, GLU with GLU).",
        )
    if test == "auto":
        return ROBUST[a1.family]
    if test not in TESTS:
        raise UsageError(f"Unknown tracing test {test!r}.", hint=f"Choose one of: auto, {', '.join(TESTS)}.")
    if test in ("glu-gate-up", "gpt2-fc-proj") and ROBUST[a1.family] != test:
        raise UsageError(f"Test {test!r} does not apply to {a1.model_type} models.", hint=f"Use {ROBUST[a1.family]!r}.")
    if test == "weights-identity" and a1.d_model != a2.d_model:
        raise UsageError(
            f"Test 'weights-identity' needs the same residual width ({a1.d_model} vs {a2.d_model}).",
            hint="Use the robust test (--test auto).",
        )
    return test


def _sites(test: str, a: archmod.Arch) -> tuple[str, ...]:
    if test == "glu-gate-up":
        return ("gate", "up")
    if test == "gpt2-fc-proj":
        return ("fc",)
    if test == "activations-identity":
        return (act_site(a),)
    return ()


def run_trace(
    base,
    model,
    *,
    test: str = "auto",
    perplexity: bool = False,
    base_perplexity: bool = False,
    n_tokens: int = DEFAULT_TOKENS,
    seq_len: int = DEFAULT_SEQ_LEN,
    batch_size: int = 8,
    metric: str = "cosine",
    data_dir: Path | None = None,
    dtype: str = "float32",
    model_revision: str | None = None,
) -> TraceResult:
    """Trace `model` against `base`: per-layer statistics and the combined p-value (low = derived).
    `model_revision` pins a hub model (branch, tag or commit), as `podium eval --revision`.

    `base` / `model`: a local folder, an id in the model mirror, a `LoadedModel`, or a
    `(model, tokenizer[, name])` tuple.
    """
    if dtype not in DTYPES:
        raise UsageError(f"Unknown dtype {dtype!r}.", hint=f"Use one of {', '.join(DTYPES)} (default float32).")
    if metric not in ("cosine", "sqdist"):
        raise UsageError(f"Unknown metric {metric!r}.", hint="Use 'cosine' or 'sqdist'.")
    if perplexity or base_perplexity:
        from podium.tracing.perplexity import passage_path

        passage_path(data_dir)  # fail before the heavy work when the passage is missing
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    timings: dict[str, float] = {}
    lb, lm = load(base, dtype), load(model, dtype, model_revision)
    timings["load_s"] = time.perf_counter() - t0
    a1, a2 = archmod.detect(lb.model), archmod.detect(lm.model)
    chosen = _choose_test(test, a1, a2)

    t = time.perf_counter()
    seq_len = max(2, min(seq_len, a1.context, a2.context))
    vocab_limit = min(archmod.embedding_matrix(lb.model).shape[0], archmod.embedding_matrix(lm.model).shape[0])
    inputs = build_inputs(
        lb.tokenizer, lm.tokenizer, n_tokens=n_tokens, seq_len=seq_len, vocab_limit=vocab_limit,
        data=data_dir, names=(lb.name, lm.name),
    )
    timings["inputs_s"] = time.perf_counter() - t

    sites = _sites(chosen, a1)
    block_pairs = sorted({(i, j) for i, j, _ in layer_pairs(a1.n_layers, a2.n_layers, ("x",))})
    per_pair: dict[tuple[int, int], stats.SpearmanTest] = {}
    t = time.perf_counter()
    alignment = residual_alignment(lb.model, lm.model) if chosen == "gpt2-fc-proj" else None
    t_fwd, t_match = 0.0, time.perf_counter() - t
    if sites:
        all_pairs = [(i, j, s) for i, j in block_pairs for s in sites]
        # keep all sites of a block pair in the same pass
        group_size = max(len(sites), (GRAM_BUDGET_BYTES // (4 * a1.n_units * a2.n_units)) // len(sites) * len(sites))
        for k in range(0, len(all_pairs), group_size):
            group = all_pairs[k : k + group_size]
            t = time.perf_counter()
            cross = cross_statistics(lb.model, a1, lm.model, a2, inputs.input_ids, group, batch_size=batch_size,
                                     skip_first=inputs.bos_prefixed)
            t_fwd += time.perf_counter() - t
            t = time.perf_counter()
            for i, j in sorted({(i, j) for i, j, _ in group}):
                per_pair[(i, j)] = block_statistic(chosen, i, j, model1=lb.model, arch1=a1, model2=lm.model, arch2=a2,
                                                   cross=cross, metric=metric, alignment=alignment)
            t_match += time.perf_counter() - t
            del cross
    else:
        t = time.perf_counter()
        for i, j in block_pairs:
            per_pair[(i, j)] = block_statistic(chosen, i, j, model1=lb.model, arch1=a1, model2=lm.model, arch2=a2,
                                               cross=None, metric=metric)
        t_match += time.perf_counter() - t
    timings["forward_accumulate_s"] = t_fwd
    timings["match_test_s"] = t_match
    per_layer, log_p = combine(per_pair, a1.n_layers, a2.n_layers)

    result = TraceResult(
        base=lb.name, model=lm.name, test=chosen, test_description=TESTS[chosen], log10_p=log_p / stats.LN10,
        per_layer=per_layer, inputs=inputs.description, n_tokens=inputs.n_tokens if sites else 0, metric=metric,
    )
    if perplexity or base_perplexity:
        from podium.tracing.perplexity import passage_perplexity

        t = time.perf_counter()
        if perplexity:
            ppl = passage_perplexity(lm.model, lm.tokenizer, data_dir)
            result.perplexity, result.bits_per_byte = ppl.perplexity, ppl.bits_per_byte
            result.perplexity_detail = ppl.to_dict()
        if base_perplexity:
            result.base_perplexity = passage_perplexity(lb.model, lb.tokenizer, data_dir).perplexity
        timings["perplexity_s"] = time.perf_counter() - t
    result.runtime_s = time.perf_counter() - t0
    timings["cpu_s"] = time.process_time() - cpu0  # all threads; below wall x threads when the CPUs are shared
    result.timings = timings
    result.peak_rss_mb = peak_rss_mb()
    return result


def model_perplexity(model, *, data_dir: Path | None = None, revision: str | None = None) -> dict:
    """Perplexity / bits per byte of one model on the passage (no base needed)."""
    from podium.tracing.perplexity import passage_perplexity

    lm = load(model, revision=revision)
    return passage_perplexity(lm.model, lm.tokenizer, data_dir).to_dict()


def provenance_check(
    model_path,
    base_path,
    *,
    threshold_log10_p: float = DERIVED_LOG10_P,
    **kw,
) -> TraceResult:
    """Does the model's weights support its declared base? Never raises for a mismatch: the
    result's `provenance` says `consistent` (combined p below 10^threshold) or flags
    `review` with the reason (no evidence of derivation, different tokenizer or architecture)."""
    t0 = time.perf_counter()
    try:
        res = run_trace(base_path, model_path, **kw)
    except (TokenizerMismatchError, UnsupportedArchitectureError) as err:
        res = TraceResult(base=str(base_path), model=str(model_path), test=None, test_description=None, log10_p=None,
                          error={"kind": err.kind, "message": err.render()})
        res.runtime_s = time.perf_counter() - t0
        res.peak_rss_mb = peak_rss_mb()
        res.provenance = {
            "declared_base": str(base_path),
            "status": "review",
            "consistent": False,
            "threshold_log10_p": threshold_log10_p,
            "reason": f"cannot compare with the declared base: {err.render()}",
        }
        return res
    ok = is_derived(res.log10_p, threshold_log10_p)
    res.provenance = {
        "declared_base": str(base_path),
        "status": "ok" if ok else "review",
        "consistent": ok,
        "threshold_log10_p": threshold_log10_p,
        "reason": (
            f"combined {stats.format_p(res.log10_p * stats.LN10)} with test {res.test}: "
            + ("the weights support derivation from the declared base" if ok
               else "no evidence that the model derives from the declared base; an operator should review the claim")
        ),
    }
    return res


def leaderboard_record(model, base, **kw) -> dict:
    """The tracing board's record for `model`: perplexity always, the match p-value against `base`
    when the two are comparable (same tokenizer and architecture family); otherwise `test`,
    `log10_p` and `p_value` are None and `error` says why (kind + message). The model is
    loaded once, for both."""
    from podium.tracing.perplexity import passage_path, passage_perplexity

    t0 = time.perf_counter()
    passage_path(kw.get("data_dir"))  # fail before loading anything when the passage is missing
    lm = load(model, kw.get("dtype", "float32"), kw.pop("model_revision", None))
    load_s = time.perf_counter() - t0
    try:
        record = run_trace(base, lm, perplexity=True, **kw).to_dict()
        record["timings"]["model_load_s"] = round(load_s, 3)  # loaded here, before run_trace's clock
        record["runtime_s"] = round(time.perf_counter() - t0, 3)
        return record
    except (TokenizerMismatchError, UnsupportedArchitectureError) as err:
        ppl = passage_perplexity(lm.model, lm.tokenizer, kw.get("data_dir"))
        res = TraceResult(base=str(base), model=lm.name, test=None, test_description=None, log10_p=None,
                          perplexity=ppl.perplexity, bits_per_byte=ppl.bits_per_byte, perplexity_detail=ppl.to_dict(),
                          error={"kind": err.kind, "message": err.render()})
        res.runtime_s = time.perf_counter() - t0
        res.peak_rss_mb = peak_rss_mb()
        return res.to_dict()
