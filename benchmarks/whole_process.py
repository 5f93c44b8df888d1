"""Whole process: `podium eval` against lm-eval's own CLI, from the shell, on issue 14's v2 workload.

Each log-likelihood task of the v2 suite runs as its own process under each tool, at the issue's
limits (BBH 2 documents per subtask, MMLU-Pro 40 questions, MuSR 3 stories per subtask), on the
issue's model shape (Llama, 12 layers, 768 wide, 4,096 positions, a 3k BPE; random init), CPU,
float32. lm-eval's CLI cannot fetch these datasets offline, so it runs under Podium's
`datasets.load_dataset` shim, which serves the same files as `podium eval` reads. Both runs
start from warm caches: each tool first runs each task once at `--limit 1`, unmeasured (lm-eval's
task index, the dataset caches, the OS file cache), unless `--no-warm-up`.

The target compares the summed wall times with the exact-sharing bound of the combined
workload (`hf` tokens forwarded / distinct token prefixes), which `engine.py --suite
openllm-v2-whole` measures on the same model and limits (`--bound-json`, or run here with `--bound`).

    python benchmarks/whole_process.py --bound          # ~15 min on 2 cores
    python benchmarks/whole_process.py --bound-json engine-whole.json
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
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from engine_suites import SUITES  # noqa: E402

SUITE = SUITES["openllm-v2-whole"]
PODIUM_KEYS = {"leaderboard_bbh": "bbh", "leaderboard_mmlu_pro": "mmlu_pro", "leaderboard_musr": "musr"}
LM_EVAL_CLI = ("import sys; from podium.eval.data import offline_datasets; import lm_eval.__main__ as m\n"
               "with offline_datasets(sys.argv.pop(1)): m.cli_evaluate()")


def podium_command(model: Path, task: str, limit: int, out: Path, data: Path) -> list[str]:
    return [sys.executable, "-m", "podium.cli.main", "eval", "--model", str(model), "--suite", "openllm-v2",
            "--tasks", PODIUM_KEYS[task], "--limit", str(limit), "--device", "cpu", "--dtype", "float32",
            "--data-dir", str(data), "--output", str(out)]


def lm_eval_command(model: Path, task: str, limit: int, out: Path, data: Path) -> list[str]:
    return [sys.executable, "-c", LM_EVAL_CLI, str(data), "--model", "hf", "--model_args",
            f"pretrained={model},dtype=float32", "--device", "cpu", "--batch_size", "1", "--tasks", task,
            "--limit", str(limit), "--output_path", str(out)]


def timed(command: list[str], log: Path) -> float:
    started = time.perf_counter()
    with log.open("w") as sink:
        done = subprocess.run(command, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT,
                              env={**os.environ, "PYTHONPATH": str(ROOT), "TOKENIZERS_PARALLELISM": "false"})
    seconds = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"{command[:4]}... failed ({done.returncode}); see {log}")
    return seconds


def combined_bound(path: Path) -> tuple[float, dict]:
    tasks = json.loads(path.read_text())["tasks"]
    hf, trie = sum(t["hf"]["tokens"] for t in tasks), sum(t["trie_tokens"] for t in tasks)
    return hf / trie, {t["task"]: {"bound": t["bound"], "ll_speedup": t["speedup"]} for t in tasks}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=None, help="benchmark data folder (default: ../shared/data)")
    ap.add_argument("--model-dir", type=Path, default=Path("/tmp/podium-bench") / SUITE.model_dir)
    ap.add_argument("--bound", action="store_true", help="measure the bound first (engine.py, same model and limits)")
    ap.add_argument("--bound-json", type=Path, help="engine.py --suite openllm-v2-whole --json output to read")
    ap.add_argument("--no-warm-up", action="store_true")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()

    from podium import paths
    from workshop.toys import build_toy_model

    data = args.data or paths.data_dir()
    if data is None:
        ap.error("no data folder: pass --data or place it at ../shared/data")
    model = build_toy_model(SUITE.spec, args.model_dir, data)
    bound_json = args.bound_json
    if args.bound:
        bound_json = Path(tempfile.mkdtemp(prefix="whole-bound-")) / "engine.json"
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "engine.py"), "--suite", "openllm-v2-whole",
                        "--model-dir", str(model), "--data", str(data), "--json", str(bound_json)], check=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="whole-process-") as tmp:
        work = Path(tmp)
        for task, _shots, limit, _kind in SUITE.tasks:
            for tool, command in (("podium", podium_command), ("lm-eval", lm_eval_command)):
                argv = command(model, task, limit, work / f"{tool}-{task}", data)
                if not args.no_warm_up:
                    timed(command(model, task, 1, work / f"{tool}-{task}-warm", data), work / f"{tool}-{task}-warm.log")
                seconds = timed(argv, work / f"{tool}-{task}.log")
                rows.append({"task": task, "limit": limit, "tool": tool, "seconds": seconds,
                             "load_avg": os.getloadavg()[0]})
                print(f"{task:24s} limit {limit:3d}  {tool:8s} {seconds:7.1f} s  (load {rows[-1]['load_avg']:.1f})",
                      flush=True)
    total = {tool: sum(r["seconds"] for r in rows if r["tool"] == tool) for tool in ("podium", "lm-eval")}
    ratio = total["lm-eval"] / total["podium"]
    print(f"\nwhole process, summed over the three tasks: lm-eval CLI {total['lm-eval']:.1f} s, "
          f"podium eval {total['podium']:.1f} s: {ratio:.2f}x")
    report = {"model": SUITE.model, "rows": rows, "total": total, "ratio": ratio,
              "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cpus": os.cpu_count()}
    if bound_json:
        bound, per_task = combined_bound(bound_json)
        report |= {"bound": bound, "per_task": per_task, "target": 0.7 * bound}
        print(f"exact-sharing bound of the combined workload {bound:.2f}x; target (0.7 of it) {0.7 * bound:.2f}x: "
              f"{'met' if ratio >= 0.7 * bound else 'NOT met'} ({ratio / bound:.2f} of the bound)")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
