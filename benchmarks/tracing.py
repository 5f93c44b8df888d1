"""Benchmark: model tracing on a GPT-2-small-sized pair (12 layers, 768 wide, 3,072 MLP units).

    python benchmarks/tracing.py [--tokens 4096] [--pairs derived,independent] [--out tracing_bench.json]

Builds (once, cached under PODIUM_TRACE_CACHE/bench-gpt2-small) three GPT-2-small-sized
models with the default GPT2Config (124M parameters, vocabulary 50,257): a base (seed 0),
a derived copy (MLP units and residual dimensions permuted, then weight noise at 0.1 of
each tensor's std) and an independent model (seed 1). The Hub is unreachable here, so the
weights are random-init and the tokenizer is the tiny byte-level BPE of the validation
(its ids < 2,048 are a subset of the models' vocabulary): the work per token, the matrix
sizes and the matching sizes are those of GPT-2 small. Each pair is traced end to end by
the CLI (`podium trace`) in a fresh process, so runtime includes loading both models and
peak RSS is that of the whole process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build(folder: Path) -> dict[str, Path]:
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    from workshop.derive import add_weight_noise, permute_hidden_units
    from workshop.trained import TrainedModels

    tok = TrainedModels().tokenizer
    paths = {name: folder / name for name in ("base", "derived", "independent")}
    if all((p / "config.json").exists() for p in paths.values()):
        return paths
    torch.manual_seed(0)
    base = GPT2LMHeadModel(GPT2Config()).eval()
    torch.manual_seed(1)
    indep = GPT2LMHeadModel(GPT2Config()).eval()
    import copy

    derived = copy.deepcopy(base)
    diff = permute_hidden_units(derived, seed=3, check=True)
    add_weight_noise(derived, 0.1, seed=4)
    print(f"derived: permuted (max |logit diff| {diff:.1e}) + noise 0.1", flush=True)
    for name, m in (("base", base), ("derived", derived), ("independent", indep)):
        m.save_pretrained(paths[name])
        tok.save_pretrained(paths[name])
    return paths


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokens", type=int, default=4096)
    ap.add_argument("--seq-len", type=int, default=512)
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--pairs", default="derived,independent")
    ap.add_argument("--out", default="tracing_bench.json")
    args = ap.parse_args(argv)
    os.environ.setdefault("PODIUM_TRACE_CACHE", str((ROOT / "podium-data" / "tracing-cache").resolve()))
    folder = Path(os.environ["PODIUM_TRACE_CACHE"]) / "bench-gpt2-small"
    paths = build(folder)
    rows = []
    for pair in args.pairs.split(","):
        out = folder / f"trace-{pair}-{args.tokens}.json"
        cmd = [sys.executable, "-m", "podium.cli.main", "trace", "--base", str(paths["base"]),
               "--model", str(paths[pair]),
               "--tokens", str(args.tokens), "--seq-len", str(args.seq_len), "--batch-size", str(args.batch_size),
               "--json", str(out)]
        load_before = os.getloadavg()[0]
        t = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        wall = time.perf_counter() - t
        print(proc.stdout, proc.stderr[-2000:] if proc.returncode else "", flush=True)
        if proc.returncode:
            return proc.returncode
        rec = json.loads(out.read_text())
        rows.append({"pair": pair, "tokens": rec["n_tokens"], "wall_s": round(wall, 1), "runtime_s": rec["runtime_s"],
                     "timings": rec["timings"], "peak_rss_mb": rec["peak_rss_mb"], "log10_p": rec["log10_p"],
                     "test": rec["test"], "loadavg_before": round(load_before, 2),
                     "loadavg_after": round(os.getloadavg()[0], 2)})
    report = {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "machine": platform.platform(),
              "cpus": os.cpu_count(), "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]), "rows": rows}
    Path(args.out).write_text(json.dumps(report, indent=1))
    print(f"{'pair':12s} {'tokens':>6s} {'wall s':>7s} {'trace s':>8s} {'load':>5s} {'fwd+acc':>8s} {'match':>6s} "
          f"{'CPU s':>6s} {'peak MB':>8s} {'log10 p':>9s} {'loadavg':>8s}")
    for r in rows:
        t = r["timings"]
        print(f"{r['pair']:12s} {r['tokens']:6d} {r['wall_s']:7.1f} {r['runtime_s']:8.1f} {t['load_s']:5.1f} "
              f"{t['forward_accumulate_s']:8.1f} {t['match_test_s']:6.1f} {t['cpu_s']:6.1f} "
              f"{r['peak_rss_mb']:8.0f} {r['log10_p']:9.1f} "
              f"{r['loadavg_before']:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
