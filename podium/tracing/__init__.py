"""Model tracing: is a model derived from a base model? (issue 7)

Neuron-matching independence tests after "Independence Tests for Language Models"
(arXiv 2502.12292): per block, two matchings of MLP units (Hungarian algorithm) are
compared with a Spearman test; block p-values are combined with Fisher's method in log
space. Plus the perplexity / bits-per-byte of a model on the leaderboard's fixed passage.

Public API: `run_trace`, `provenance_check`, `TraceResult` (its `to_dict()` is the trace
record), `leaderboard_record` (perplexity always, p-value when comparable),
`model_perplexity`; `verdict` (the derivation threshold and the board's words, no torch).
The API is imported on first use, so `podium.tracing.verdict` stays light. Tracing imports
nothing from `podium.eval`'s suites: the `trace` suite is the tracing kind of suite in
`podium.eval.kinds.tracing`, which calls in here.
"""

__all__ = ["TraceResult", "leaderboard_record", "model_perplexity", "provenance_check", "run_trace"]


def __getattr__(name: str):
    if name in __all__:
        from podium.tracing import api

        return getattr(api, name)
    raise AttributeError(f"module 'podium.tracing' has no attribute {name!r}")
