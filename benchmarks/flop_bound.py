"""The exact-sharing bound in arithmetic, not only in tokens: what `hf` computes over what a backend that
forwards every distinct prefix once must compute, attention included.

`engine.py`'s bound counts tokens (`hf tokens / trie minimum`), as if every token cost the same. A token
at position p also attends to p + 1 keys: 2 (p + 1) x heads x head_dim multiply-adds per layer, beside
the layer's fixed matrix products. Prefix sharing removes the early tokens of every repeated context,
the cheap ones, and keeps the questions that follow a long shared prefix, the expensive ones; where
attention is a large part of a token's cost (a small model with long prompts) the token bound
overstates what any exact sharing can reach. This script counts multiply-adds for both:

  * `hf`: every distinct model input (lm-eval's inputs after truncation; identical inputs, such as the
    choices of a one-token-answer question, forwarded once as its logits cache does), all positions,
    with the vocabulary projection at every position (`hf` computes logits for the whole sequence);
  * the minimum: each distinct prefix token once at its own position, the vocabulary projection only
    where a continuation token is scored.

    python benchmarks/flop_bound.py --suite openllm-v2-whole --model-dir /tmp/podium-bench/llama-12x768-4k-3k
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine import build_requests, model_inputs  # noqa: E402
from engine_suites import SUITES  # noqa: E402


def shape(config) -> dict:
    """Multiply-adds per token: the layers' fixed matrix products, attention per key, the vocabulary projection."""
    d, layers, heads = config.hidden_size, config.num_hidden_layers, config.num_attention_heads
    head_dim = getattr(config, "head_dim", None) or d // heads
    kv = getattr(config, "num_key_value_heads", heads)
    per_layer = d * heads * head_dim + 2 * d * kv * head_dim + heads * head_dim * d + 3 * d * config.intermediate_size
    return {"linear": layers * per_layer, "per_key": layers * 2 * heads * head_dim, "vocab": d * config.vocab_size}


def macs(positions: range, cost: dict) -> int:
    """Multiply-adds of forwarding the tokens at `positions` (0-based) after everything before them."""
    n, first, last = len(positions), positions.start + 1, positions.stop  # keys attended: p + 1
    return n * cost["linear"] + cost["per_key"] * (first + last) * n // 2 if n else 0


def bounds(seqs: list[tuple[list[int], int]], cost: dict) -> dict:
    distinct = {tuple(s) for s, _ in seqs}
    hf_tokens = sum(len(s) for s in distinct)
    hf = sum(macs(range(len(s)), cost) + len(s) * cost["vocab"] for s in distinct)
    from podium.engine.trie import common_prefix_length

    minimum, trie_tokens, previous = 0, 0, ()
    for s in sorted(distinct):
        shared = common_prefix_length(previous, s)
        minimum += macs(range(shared, len(s)), cost)
        trie_tokens += len(s) - shared
        previous = s
    minimum += sum(n for _, n in seqs) * cost["vocab"]
    return {"hf_tokens": hf_tokens, "trie_tokens": trie_tokens, "token_bound": hf_tokens / trie_tokens,
            "hf_gmacs": hf / 1e9, "minimum_gmacs": minimum / 1e9, "flop_bound": hf / minimum}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--suite", choices=sorted(SUITES), default="openllm-v2-whole")
    ap.add_argument("--model-dir", type=Path, required=True)
    ap.add_argument("--data", type=Path, default=None)
    args = ap.parse_args()
    logging.disable(logging.WARNING)
    from podium import paths
    from podium.engine.backend import PodiumLM

    data = args.data or paths.data_dir()
    lm = PodiumLM.create_from_arg_obj({"pretrained": str(args.model_dir), "device": "cpu", "dtype": "float32"})
    cost = shape(lm._model.config)
    rows, total = [], []
    for name, shots, limit, kind in SUITES[args.suite].tasks:
        if kind != "ll":
            continue
        seqs = model_inputs(lm, [i for t in build_requests(name, shots, limit, data) for i in t.instances])
        total += seqs
        rows.append((name, bounds(seqs, cost)))
    rows.append(("combined (sums)", {k: sum(r[k] for _, r in rows) for k in ("hf_tokens", "trie_tokens", "hf_gmacs",
                                                                             "minimum_gmacs")}))
    last = rows[-1][1]
    last |= {"token_bound": last["hf_tokens"] / last["trie_tokens"],
             "flop_bound": last["hf_gmacs"] / last["minimum_gmacs"]}
    print(f"model: {args.model_dir.name}, multiply-adds per token: {cost}")
    print("| task | hf tokens | trie minimum | token bound | hf GMACs | minimum GMACs | arithmetic bound |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, r in rows:
        print(f"| {name} | {r['hf_tokens']:,} | {r['trie_tokens']:,} | {r['token_bound']:.2f} | {r['hf_gmacs']:,.0f} | "
              f"{r['minimum_gmacs']:,.0f} | {r['flop_bound']:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
