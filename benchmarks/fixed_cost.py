"""Fixed cost of a short run: `podium eval` from the shell against what its model itself took.

Issue 14's two targets, measured as a user meets them (a new process each time, caches warm after
the first run, which is not counted):

  * `podium eval --suite openllm-v2 --tasks bbh --limit 1` under 6 s on the 2-core VM;
  * `podium eval --suite openllm-v2 --limit 1` (all six tasks) under 2x the time of loading the model
    plus forwarding its tokens, both read from the run's provenance (`timings.model_load`,
    `timings.model_forward`: wall seconds inside the model's forward passes).

    python benchmarks/fixed_cost.py --model .pytest_cache/podium-home/models/podium-demo/llama-tiny
    python benchmarks/fixed_cost.py --model /tmp/podium-bench/llama-4x256-4k-16k --only six
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = {"bbh": ["--tasks", "bbh"], "six": []}


def run_once(model: Path, extra: list[str], out: Path, data: Path | None) -> dict:
    command = [sys.executable, "-m", "podium.cli.main", "eval", "--model", str(model), "--suite", "openllm-v2",
               *extra, "--limit", "1", "--device", "cpu", "--output", str(out),
               *(["--data-dir", str(data)] if data else [])]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"podium eval failed ({done.returncode}):\n{done.stderr[-3000:]}")
    timings = json.loads((out / "results.json").read_text())["podium"]["timings"]
    model_seconds = timings["model_load"] + timings.get("model_forward", 0.0)
    return {"wall": wall, "model_load": timings["model_load"], "model_forward": timings.get("model_forward"),
            "ratio": wall / model_seconds, "load_avg": os.getloadavg()[0]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path, required=True, help="a model folder")
    ap.add_argument("--data", type=Path, default=None, help="benchmark data folder (default: podium's)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", choices=sorted(RUNS), action="append")
    args = ap.parse_args()
    report = {"model": str(args.model), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    with tempfile.TemporaryDirectory(prefix="fixed-cost-") as tmp:
        for name in args.only or RUNS:
            run_once(args.model, RUNS[name], Path(tmp) / f"{name}-warm", args.data)
            rows = [run_once(args.model, RUNS[name], Path(tmp) / f"{name}-{n}", args.data) for n in range(args.runs)]
            report[name] = rows
            for r in rows:
                print(f"{name}: wall {r['wall']:.2f} s, model load {r['model_load']:.2f} s, forward "
                      f"{r['model_forward'] or 0:.2f} s, wall / (load + forward) {r['ratio']:.2f} "
                      f"(load average {r['load_avg']:.1f})", flush=True)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
