"""Validation of model tracing on tiny trained models (issue 7).

    python benchmarks/tracing_validation.py [--pairs 30] [--jobs 2] [--out tracing_validation.json]

Builds (and caches under PODIUM_TRACE_CACHE, default podium-data/tracing-cache) tiny GPT-2
and Llama models trained on GSM8K text with a shared byte-level BPE tokenizer, then:

- derived pairs: base vs fine-tuned copy (MMLU text), copy with weight noise, copy with
  MLP units and residual dimensions permuted (outputs verified unchanged), for Llama a copy
  with a rotated residual stream (norm gains folded, outputs verified), a copy with one
  block re-initialised and retrained, and a permuted-then-fine-tuned copy. Expected:
  combined p < 1e-10 for the robust test.
- independent pairs: `--pairs` disjoint pairs of models with the same config and data and
  different seeds. Expected: p-values ~ Uniform(0,1): Kolmogorov-Smirnov p > 0.05 and a
  rejection rate at alpha = 0.05 within [0, 10%].
The exact identity tests run on every pair too, for contrast.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DERIVED = [  # (label, how, parameters); defaults in workshop.trained.TrainedModels.DERIVED_DEFAULTS
    ("finetune", "finetune", {}),
    ("noise-0.5", "noise", {"scale": 0.5}),
    ("permute", "permute", {}),
    ("rotate", "rotate", {}),  # Llama only: GPT-2's LayerNorm pins the basis unless it is folded first
    ("retrain-block-0", "retrain-layer", {"layer": 0}),
    ("retrain-block-1", "retrain-layer", {"layer": 1}),
    ("permute+finetune", "permute+finetune", {}),
]


def base_spec(arch: str, steps: int):
    from workshop.toys import ToySpec

    return ToySpec(arch=arch, width=64, layers=2, heads=4, kv_heads=4, mlp=256, context=64, dropout=0.0, steps=steps,
                   batch=16, lr=3e-3, seed=1)


# Seeds of the independent pairs. GPT-2 seeds 1000-1059 were used while choosing the GPT-2 test's design
# (residual alignment, views); the GPT-2 validation therefore uses fresh seeds. Nothing was tuned on Llama.
NULL_SEED0 = {"gpt2": 2000, "llama": 1000}


def null_specs(arch: str, steps: int, pairs: int, seed0: int | None = None):
    spec = base_spec(arch, steps)
    s0 = NULL_SEED0[arch] if seed0 is None else seed0
    return [(replace(spec, seed=s0 + 2 * k), replace(spec, seed=s0 + 1 + 2 * k)) for k in range(pairs)]


def _train_one(args):
    spec, threads = args
    import torch

    torch.set_num_threads(threads)
    from workshop.trained import TrainedModels

    t = time.perf_counter()
    _, info = TrainedModels().pretrained(spec)
    return spec.key(), time.perf_counter() - t, info


def _derive_one(args):
    spec, how, kw, threads = args
    import torch

    torch.set_num_threads(threads)
    from workshop.trained import TrainedModels

    w = TrainedModels()
    if how == "permute+finetune":
        # fine-tune the permuted copy: the robust test must see through both
        perm, _ = w.derived(spec, "permute", seed=100)
        name = f"{spec.key()}--permute-s100--finetune"
        path = w.path(name)
        if not (path / "podium-tiny.json").exists():
            import copy

            from workshop.training import eval_loss, train

            m = copy.deepcopy(perm)
            losses = train(m, w.stream("mmlu"), steps=spec.steps // 2, batch=spec.batch, context=spec.context,
                           lr=spec.lr / 10, seed=101)
            info = {"how": how, "finetune_loss_last": sum(losses[-10:]) / 10,
                    "heldout_loss": eval_loss(m, w.heldout(), context=spec.context)}
            return w.cached(name, lambda: (m, info))[1]
        return json.loads((path / "podium-tiny.json").read_text())
    return w.derived(spec, how, seed=100, **kw)[1]


def train_all(arch_list, steps, pairs, jobs, threads, seed0=None):
    from workshop.trained import TrainedModels

    TrainedModels()  # tokenizer first, once
    todo = []
    for arch in arch_list:
        todo.append(base_spec(arch, steps))
        for a, b in null_specs(arch, steps, pairs, seed0):
            todo += [a, b]
    t = time.perf_counter()
    with ProcessPoolExecutor(max_workers=jobs) as ex:
        for key, secs, info in ex.map(_train_one, [(s, threads) for s in todo]):
            print(f"  trained {key} in {secs:.0f}s: held-out loss {info['heldout_loss_init']:.2f} -> "
                  f"{info['heldout_loss']:.2f}", flush=True)
        derived_jobs = [(base_spec(arch, steps), how, kw, threads) for arch in arch_list for _, how, kw in DERIVED
                        if not (how == "rotate" and arch == "gpt2")]
        list(ex.map(_derive_one, derived_jobs))
    print(f"training done in {time.perf_counter() - t:.0f}s", flush=True)


def trace_pair(ws, m1, m2, test, tokens):
    from podium.tracing import run_trace

    tok = ws.tokenizer
    r = run_trace((m1, tok, "a"), (m2, tok, "b"), test=test, n_tokens=tokens)
    return {"log10_p": r.log10_p, "rhos": [block.rho for block in r.per_layer], "test": r.test,
            "runtime_s": r.runtime_s}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", type=int, default=30)
    ap.add_argument("--archs", default="gpt2,llama")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--tokens", type=int, default=4096)
    ap.add_argument("--jobs", type=int, default=2, help="training processes (1 torch thread each by default)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--train-only", action="store_true")
    ap.add_argument("--null-seed0", type=int,
                    help="first seed of the independent pairs (default: 2000 GPT-2, 1000 Llama)")
    ap.add_argument("--plain-alignment", action="store_true",
                    help="GPT-2: align residual dimensions on the full embedding (the design the validation rejected)")
    ap.add_argument("--skip-derived", action="store_true")
    ap.add_argument("--out", default="tracing_validation.json")
    args = ap.parse_args(argv)
    os.environ.setdefault("PODIUM_TRACE_CACHE", str(Path("podium-data/tracing-cache").resolve()))

    import numpy as np
    import torch
    from scipy import stats as st

    from workshop.trained import TrainedModels

    archs = args.archs.split(",")
    t0 = time.perf_counter()
    if args.plain_alignment:
        from podium.tracing import procedures

        procedures.shared_structure_rank = lambda d_model: 0
    train_all(archs, args.steps, args.pairs, args.jobs, args.threads, args.null_seed0)
    if args.train_only:
        return 0
    torch.set_num_threads(max(1, args.threads * args.jobs))
    ws = TrainedModels()
    robust = {"gpt2": "gpt2-fc-proj", "llama": "glu-gate-up"}
    exact = ["weights-identity", "activations-identity"]
    report = {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "machine": platform.platform(),
              "cpus": os.cpu_count(), "command": " ".join(sys.argv), "tokens": args.tokens,
              "plain_alignment": args.plain_alignment, "archs": {}}
    ok = True
    for arch in archs:
        spec = base_spec(arch, args.steps)
        base, binfo = ws.pretrained(spec)
        out = {"base": binfo, "derived": {}, "null": []}
        print(f"\n== {arch}: base held-out loss {binfo['heldout_loss_init']:.2f} -> {binfo['heldout_loss']:.2f}",
              flush=True)
        for label, how, kw in DERIVED:
            if args.skip_derived or (how == "rotate" and arch == "gpt2"):
                continue
            if how == "permute+finetune":
                from transformers import AutoModelForCausalLM

                path = ws.path(f"{spec.key()}--permute-s100--finetune")
                d = AutoModelForCausalLM.from_pretrained(path).eval()
                info = json.loads((path / "podium-tiny.json").read_text())
            else:
                d, info = ws.derived(spec, how, seed=100, **kw)
            row = {"info": info}
            for test in [robust[arch], *exact]:
                row[test] = trace_pair(ws, base, d, test, args.tokens)
            out["derived"][label] = row
            passed = row[robust[arch]]["log10_p"] < -10
            ok &= passed
            extra = f", max |logit diff| {info['max_logit_diff']:.1e}" if "max_logit_diff" in info else ""
            print(f"  derived {label:17s} robust log10 p {row[robust[arch]]['log10_p']:9.1f}  "
                  f"weights-id {row['weights-identity']['log10_p']:8.1f}  "
                  f"act-id {row['activations-identity']['log10_p']:8.1f}"
                  f"  (held-out loss {info.get('heldout_loss', float('nan')):.2f}{extra}) "
                  f"{'OK' if passed else 'FAIL'}", flush=True)
        for a, b in null_specs(arch, args.steps, args.pairs, args.null_seed0):
            m1, _ = ws.pretrained(a)
            m2, _ = ws.pretrained(b)
            row = {"seeds": [a.seed, b.seed]}
            for test in [robust[arch], *exact]:
                row[test] = trace_pair(ws, m1, m2, test, args.tokens)
            out["null"].append(row)
        for test in [robust[arch], *exact]:
            ps = np.array([10 ** r[test]["log10_p"] for r in out["null"]])
            ks = st.kstest(ps, "uniform")
            rej = float((ps < 0.05).mean())
            rhos = np.array([x for r in out["null"] for x in r[test]["rhos"]])
            summary = {"n": len(ps), "ks_stat": float(ks.statistic), "ks_p": float(ks.pvalue), "reject_rate_0.05": rej,
                       "min_p": float(ps.min()), "median_p": float(np.median(ps)), "rho_mean": float(rhos.mean()),
                       "rho_sd": float(rhos.std(ddof=1))}
            out[f"null_summary_{test}"] = summary
            passed = ks.pvalue > 0.05 and rej <= 0.10
            if test == robust[arch]:
                ok &= passed
                verdict = "OK" if passed else "FAIL"
            else:  # the exact tests are shown for contrast; the criterion is the robust test's
                verdict = "(contrast)"
            print(f"  null {test:21s} n={len(ps)} KS p={ks.pvalue:.3f} reject@0.05={rej:.1%} min p={ps.min():.3g} "
                  f"rho mean {rhos.mean():+.4f} sd {rhos.std(ddof=1):.4f} {verdict}", flush=True)
        report["archs"][arch] = out
    report["runtime_s"] = time.perf_counter() - t0
    report["passed"] = bool(ok)
    Path(args.out).write_text(json.dumps(report, indent=1, default=float))
    print(f"\n{'PASSED' if ok else 'FAILED'} in {report['runtime_s']:.0f}s; wrote {args.out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
