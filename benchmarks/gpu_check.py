"""GPU check: `podium` against lm-eval's `hf` on one GPU, two model shapes, a v1 and a v2 subset.

For a GPT-2-small-shaped and a ~1B Llama-shaped random model (bfloat16 by default) it
prints, per task: each backend's wall time and the speed-up, the exact-sharing bound
(`hf` tokens / trie minimum), max |delta log-likelihood| (absolute, and relative to
max(1, |ll|), the issue's 1e-2 bfloat16 target), per-document metric agreement,
identical generations and peak GPU memory. It reuses `benchmarks/engine.py`'s machinery
(same requests for both backends, one after the other, in one process).

    bash benchmarks/gpu_check.sh                 # on a GPU host, under 6 minutes
    bash benchmarks/gpu_check.sh --smoke         # tiny shapes, 2 docs per task, 16-token generations, on
                                                 # the CPU: checks the script runs end to end

Without the data folder it runs on the synthetic fixture tasks and says so.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import engine  # noqa: E402  (benchmarks/engine.py)

# (lm-eval task, few-shot, limit, kind); v1 then v2 (lm-eval's leaderboard_* tasks)
TASKS = [
    ("v1", "arc_challenge", 25, 16, "ll"),
    ("v1", "hellaswag", 10, 16, "ll"),
    ("v1", "gsm8k", 5, 16, "gen"),
    ("v2", "leaderboard_bbh_boolean_expressions", 3, 16, "ll"),
    ("v2", "leaderboard_musr_murder_mysteries", 0, 8, "ll"),
    ("v2", "leaderboard_mmlu_pro", 5, 16, "ll"),
    ("v2", "leaderboard_ifeval", 0, 8, "gen"),
]


def model_specs(smoke: bool):
    from workshop.toys import ToySpec

    if smoke:
        return {
            "gpt2-tiny": ToySpec("gpt2", layers=2, width=64, heads=2, vocab=1024, context=2048, corpus_limit=400),
            "llama-tiny": ToySpec("llama", layers=2, width=64, heads=4, vocab=1024, context=2048, corpus_limit=400),
        }
    return {
        "gpt2-small": ToySpec.gpt2_small(),
        "llama-1b": ToySpec("llama", layers=16, width=2048, heads=16, kv_heads=8, mlp=5632, vocab=32000,
                            context=2048, broad_corpus=True),
    }


def data_folder(given: Path | None) -> tuple[Path, bool]:
    from podium import paths
    from podium.eval.data.fixtures import write_fixture_data

    found = given or paths.data_dir()
    if found is not None:
        return found, False
    return write_fixture_data(Path(tempfile.mkdtemp(prefix="podium-gpu-check-data-"))), True


def check_model(name: str, model_dir: Path, args, data: Path) -> list[dict]:
    import torch
    from lm_eval.models.huggingface import HFLM

    from podium.engine.backend import PodiumLM

    t0 = time.perf_counter()
    hf = HFLM(pretrained=str(model_dir), device=args.device, dtype=args.dtype, batch_size=args.hf_batch_size)
    pm = PodiumLM.create_from_arg_obj({"pretrained": str(model_dir), "device": args.device, "dtype": args.dtype})
    hf_box, _handle = engine.count_forward_tokens(hf.model)
    params = sum(p.numel() for p in hf.model.parameters())
    print(f"\n#### {name}: {params / 1e6:.0f}M parameters, {args.dtype} on {args.device}"
          f"{' (' + torch.cuda.get_device_name(0) + ')' if args.device.startswith('cuda') else ''}; "
          f"podium mode {pm.runner.caps.mode}, batch {pm.describe_batch()}; hf batch_size={args.hf_batch_size}; "
          f"loaded in {time.perf_counter() - t0:.0f} s", flush=True)
    rows = []
    for suite, task, shots, limit, kind in TASKS:
        lim = max(1, round(limit * args.scale))
        tasks = engine.build_requests(task, shots, lim, data)
        instances = [inst for t in tasks for inst in t.instances]
        if kind == "gen" and args.max_gen_toks:
            for inst in instances:  # the same cap for both backends (a smoke run only checks the pipeline)
                inst.arguments[1]["max_gen_toks"] = args.max_gen_toks
        docs = sum(len({i.doc_id for i in t.instances}) for t in tasks)
        res = engine.TaskResult(task, kind, docs, len(instances), engine.BackendRun(), engine.BackendRun())
        if kind == "ll":
            res.trie_tokens = engine.trie_minimum(pm, instances)
        before = pm.engine_stats()
        res.hf = engine.run_backend(hf, instances, kind, lambda: hf_box["tokens"])
        res.podium = engine.run_backend(pm, instances, kind, lambda: pm.runner.stats.tokens)  # noqa: F821 (bound above; ruff misreads the later del)
        after = pm.engine_stats()
        res.podium_stats = {k: v - before.get(k, 0) for k, v in after.items()
                            if isinstance(v, (int, float)) and not isinstance(v, bool)}
        engine.compare(tasks, kind, res.hf.responses, res.podium.responses, res)
        engine.print_task(res, shots, lim)
        print(f"   peak GPU MB hf {res.hf.peak_gpu_mb}   podium {res.podium.peak_gpu_mb}", flush=True)
        rows.append(summary_row(name, suite, res))
    del hf, pm
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    return rows


def summary_row(model: str, suite: str, r) -> dict:
    return {
        "model": model, "suite": suite, "task": r.task, "kind": r.kind, "docs": r.docs, "requests": r.requests,
        "hf_s": round(r.hf.seconds, 2), "podium_s": round(r.podium.seconds, 2), "speedup": round(r.speedup, 2),
        "bound": round(r.bound, 2) if r.kind == "ll" else None,
        "speedup_over_bound": round(r.speedup / r.bound, 2) if r.kind == "ll" else None,
        "max_abs_ll_diff": r.max_abs_ll_diff if r.kind == "ll" else None,
        "max_rel_ll_diff": max(abs(a[0] - b[0]) / max(1.0, abs(a[0]))
                               for a, b in zip(r.hf.responses, r.podium.responses))
        if r.kind == "ll" else None,
        "metric_mismatches": len(r.metric_mismatches), "tie_mismatches": len(r.tie_mismatches),
        "identical_generations": f"{r.identical_generations}/{r.requests}" if r.kind == "gen" else None,
        "peak_gpu_mb": {"hf": r.hf.peak_gpu_mb, "podium": r.podium.peak_gpu_mb},
    }


def print_table(rows: list[dict]) -> None:
    print("\n== GPU check summary")
    print(f"{'model':11s} {'suite':5s} {'task':38s} {'hf s':>7s} {'pd s':>7s} {'speedup':>8s} {'bound':>6s} "
          f"{'sp/bnd':>6s} {'max|dll|':>9s} {'rel':>8s} {'mism':>5s} {'gen same':>9s} {'GPU MB hf/pd':>15s}")
    for r in rows:
        bound = f"{r['bound']:6.2f}" if r["bound"] is not None else "     -"
        spb = f"{r['speedup_over_bound']:6.2f}" if r["speedup_over_bound"] is not None else "     -"
        dll = f"{r['max_abs_ll_diff']:9.1e}" if r["max_abs_ll_diff"] is not None else "        -"
        rel = f"{r['max_rel_ll_diff']:8.1e}" if r["max_rel_ll_diff"] is not None else "       -"
        gpu = "/".join(f"{v:.0f}" if v is not None else "-" for v in r["peak_gpu_mb"].values())
        print(f"{r['model']:11s} {r['suite']:5s} {r['task']:38s} {r['hf_s']:7.1f} {r['podium_s']:7.1f} "
              f"{r['speedup']:7.2f}x {bound} {spb} {dll} {rel} {r['metric_mismatches']:5d} "
              f"{r['identical_generations'] or '-':>9s} {gpu:>15s}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--smoke", action="store_true", help="tiny models and limits on the CPU (checks the script)")
    ap.add_argument("--device", default=None, help="default: cuda (cpu with --smoke)")
    ap.add_argument("--dtype", default="bfloat16")
    ap.add_argument("--hf-batch-size", default=None, help="hf batch_size (default: auto on GPU, 1 with --smoke)")
    ap.add_argument("--scale", type=float, default=None, help="multiply every limit (default 1; 0.25 with --smoke)")
    ap.add_argument("--max-gen-toks", type=int, default=None, help="cap generations (default: the tasks' own; "
                    "16 with --smoke)")
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--models-dir", type=Path, default=Path(tempfile.gettempdir()) / "podium-gpu-check")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    args.device = args.device or ("cpu" if args.smoke else "cuda")
    args.hf_batch_size = args.hf_batch_size or ("1" if args.smoke else "auto")
    args.scale = args.scale if args.scale is not None else (0.125 if args.smoke else 1.0)
    args.max_gen_toks = args.max_gen_toks or (16 if args.smoke else None)

    logging.basicConfig(level=logging.WARNING)
    for noisy in ("lm_eval", "transformers", "datasets", "podium"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        ap.error("no CUDA GPU visible: run on a GPU host, or pass --smoke for the CPU check")
    from podium import paths
    from workshop.toys import build_toy_model

    paths.ensure_nltk_data()
    started = time.perf_counter()
    data, synthetic = data_folder(args.data)
    print(f"data: {data}{' (synthetic fixture tasks: figures check the pipeline, not speed)' if synthetic else ''}")
    rows = []
    for name, spec in model_specs(args.smoke).items():
        t0 = time.perf_counter()
        model_dir = build_toy_model(spec, args.models_dir / name, data)
        print(f"built {name} in {time.perf_counter() - t0:.0f} s", flush=True)
        rows += check_model(name, model_dir, args, data)
    print_table(rows)
    print(f"total {time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps({"device": args.device, "dtype": args.dtype, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
