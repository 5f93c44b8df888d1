"""`podium trace`: is a model derived from a base model? (model tracing, issue 7)

    podium trace --base BASE --model MODEL [--perplexity] [--test auto|...] [--json FILE]
    podium trace --model MODEL --perplexity          # perplexity / bits per byte only
    podium trace --base BASE --model MODEL --check   # provenance check: does the claim hold? (ok | review)
"""

from __future__ import annotations

import json
from pathlib import Path

from podium.errors import UsageError
from podium.modelref.precision import DTYPES


def _print_perplexity(label: str, detail: dict) -> None:
    print(
        f"{label}: perplexity {detail['perplexity']:.4f}, bits/byte {detail['bits_per_byte']:.4f} "
        f"({detail['tokens_scored']} tokens, {detail['bytes_scored']} bytes, {detail['windows']} window(s) of "
        f"{detail['context_length']}, stride {detail['stride']}, BOS id {detail['bos_token_id']})"
    )


def _run(args) -> int:
    from podium.tracing import stats
    from podium.tracing.api import model_perplexity, run_trace
    from podium.tracing.verdict import DERIVED_LOG10_P, is_derived

    data = Path(args.data_dir).expanduser().resolve() if args.data_dir else None
    if not args.base:
        if not args.perplexity:
            raise UsageError(
                "podium trace needs --base (the model to trace against) unless only --perplexity is asked.")
        detail = model_perplexity(args.model, data_dir=data, revision=args.revision)
        _print_perplexity(args.model, detail)
        print(f"protocol: {detail['protocol']}")
        if args.json:
            Path(args.json).write_text(json.dumps({"model": args.model, **detail}, indent=1))
        return 0
    if args.check:
        return _check(args, data)
    res = run_trace(
        args.base, args.model, test=args.test, perplexity=args.perplexity, n_tokens=args.tokens,
        seq_len=args.seq_len, batch_size=args.batch_size, metric=args.metric, data_dir=data, dtype=args.dtype,
        model_revision=args.revision,
    )
    print(f"base:  {res.base}\nmodel: {res.model}")
    print(f"test:  {res.test}: {res.test_description}")
    if res.n_tokens:
        print(f"inputs: {res.n_tokens} tokens of {res.inputs}; similarity {res.metric}")
    else:
        print(f"inputs: weights only (tokenizers checked on {res.inputs}); similarity {res.metric}")
    depth_note = any(block.candidates > 1 for block in res.per_layer)
    print(f"{'block':>5} {'vs':>4} {'rho':>9} {'units':>6} {'log10 p':>10}"
          + ("  (Bonferroni over blocks)" if depth_note else ""))
    for block in res.per_layer:
        rho = "nan" if block.rho != block.rho else f"{block.rho:.4f}"
        print(f"{block.layer:>5} {block.model_layer:>4} {rho:>9} {block.n:>6} {block.log10_p:>10.2f}")
    print(f"combined (Fisher, {2 * len(res.per_layer)} df): {stats.format_p(res.log10_p * stats.LN10)}"
          + (f"  -> derived from the base (p < 1e{DERIVED_LOG10_P:.0f})" if is_derived(res.log10_p) else ""))
    if res.perplexity is not None:
        _print_perplexity("perplexity of model", res.perplexity_detail)
    t = res.timings
    print(f"runtime {res.runtime_s:.1f} s (load {t.get('load_s', 0):.1f}, forward+accumulate "
          f"{t.get('forward_accumulate_s', 0):.1f}, match+test {t.get('match_test_s', 0):.1f}; "
          f"CPU {t.get('cpu_s', 0):.1f} s), peak RSS {res.peak_rss_mb:.0f} MB")
    if args.json:
        Path(args.json).write_text(json.dumps(res.to_dict(), indent=1))
        print(f"wrote {args.json}")
    return 0


def _check(args, data: Path | None) -> int:
    """The worker's provenance check: exit 0 with a verdict whenever both models load."""
    from podium.tracing.api import provenance_check

    res = provenance_check(args.model, args.base, test=args.test, n_tokens=args.tokens, seq_len=args.seq_len,
                           batch_size=args.batch_size, metric=args.metric, data_dir=data, dtype=args.dtype,
                           model_revision=args.revision)
    print(f"provenance of {args.model} (declared base {args.base}): {res.provenance['status']}: "
          f"{res.provenance['reason']}")
    if args.json:
        Path(args.json).write_text(json.dumps(res.to_dict(), indent=1))
    return 0


def register(subparsers) -> None:
    from podium.tracing.catalog import DEFAULT_SEQ_LEN, DEFAULT_TOKENS, TESTS

    p = subparsers.add_parser(
        "trace",
        help="test whether a model was derived from a base model (neuron matching); perplexity on the passage",
        description="Model tracing: per-layer neuron-matching statistics and a combined p-value (low p: the model "
        "was derived from the base). Both models must share a tokenizer.",
    )
    p.add_argument("--base", help="base model: local folder or id in the model mirror")
    p.add_argument("--model", required=True, help="model to trace: local folder, id in the model mirror, or hub id")
    p.add_argument("--revision", help="branch, tag or commit sha of a hub --model")
    p.add_argument("--perplexity", action="store_true", help="also score the model on perplexity/passage.txt")
    p.add_argument("--test", default="auto", choices=["auto", *TESTS],
                   help="tracing test (auto: the robust test of the architecture)")
    p.add_argument("--tokens", type=int, default=DEFAULT_TOKENS,
                   help=f"tokens fed to both models (default {DEFAULT_TOKENS})")
    p.add_argument("--seq-len", type=int, default=DEFAULT_SEQ_LEN,
                   help="tokens per sequence, BOS included (capped by the context)")
    p.add_argument("--batch-size", type=int, default=8, help="sequences per forward chunk")
    p.add_argument("--metric", default="cosine", choices=["cosine", "sqdist"], help="similarity used by MATCH")
    p.add_argument("--dtype", default="float32", choices=DTYPES,
                   help="weights dtype when loading (bfloat16 halves memory; statistics stay float32)")
    p.add_argument("--data-dir", help="data folder (default PODIUM_DATA_DIR or ../shared/data)")
    p.add_argument("--json", help="write the full result as JSON to this file")
    p.add_argument("--check", action="store_true", help="provenance check: say whether the weights support the "
                   "declared base (ok) or need an operator's review; needs --base")
    p.set_defaults(func=_run)
