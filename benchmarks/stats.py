"""Benchmark: the statistics core (podium.stats) at leaderboard sizes.

    python benchmarks/stats.py [--resamples 10000] [--models 10000] [--repeats 5]

A synthetic openllm-v2 result at the real document counts (IFEval 541 prompts with
instruction-level counts, BBH 24 subtasks / 5,761 questions, MATH Lvl 5 1,324, GPQA 1,192,
MuSR 756 questions clustered by story, MMLU-Pro 12,032) and a second result on the same
documents. Times (median of --repeats): the bootstrap of every task and the suite average,
the paired comparison, and rank intervals for --models synthetic models (from standard errors,
and from 1,000 models' bootstrap replicates).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from podium.stats import Subtask, Task, bootstrap_suite, compare, rank_intervals, rank_intervals_from_replicates

BBH_SIZES = [250] * 21 + [187, 146, 178]  # 24 leaderboard subtasks, 5,761 questions
MUSR = [("murder_mysteries", 250, 1, 0.5), ("object_placements", 256, 4, 0.2), ("team_allocation", 250, 1, 1 / 3)]


def synthetic_suite(rng: np.random.Generator, skill: float) -> list[Task]:
    def right(n, p):
        return (rng.random(n) < min(1.0, p + skill)).astype(float)

    counts = rng.integers(1, 4, 541).astype(float)
    followed = np.minimum(counts, rng.integers(0, 4, 541))
    ifeval = Task.single("ifeval", np.column_stack([right(541, 0.3), followed]),
                         denominators=np.column_stack([np.ones(541), counts]), ids=np.arange(541))
    bbh = Task("bbh", tuple(Subtask(right(n, 0.4), 1 / 3, ids=np.arange(n), name=f"bbh_{i}")
                            for i, n in enumerate(BBH_SIZES)))
    musr = Task("musr", tuple(Subtask(right(n, 0.4), lb, ids=np.arange(n), clusters=np.arange(n) // per_story,
                                      name=name)
                              for name, n, per_story, lb in MUSR))
    return [ifeval, bbh, Task.single("math_hard", right(1324, 0.05), ids=np.arange(1324)),
            Task.single("gpqa", right(1192, 0.28), 0.25, ids=np.arange(1192)), musr,
            Task.single("mmlu_pro", right(12032, 0.2), 0.1, ids=np.arange(12032))]


def timed(repeats: int, call) -> str:
    """Median wall time and median CPU time of this process (the CPU time is what a busy machine inflates least)."""
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return f"{statistics.median(walls) * 1000:.1f} ms wall, {statistics.median(cpus) * 1000:.1f} ms CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resamples", type=int, default=10_000)
    parser.add_argument("--models", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    a, b = synthetic_suite(rng, 0.05), synthetic_suite(rng, 0.0)
    print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}")
    print(f"bootstrap_suite, 6 tasks, {args.resamples} resamples: "
          + timed(args.repeats, lambda: bootstrap_suite(a, seed=1, resamples=args.resamples)))
    print(f"compare (paired), 6 tasks, {args.resamples} resamples: "
          + timed(args.repeats, lambda: compare(a, b, seed=1, resamples=args.resamples)))
    scores, stderrs = rng.normal(40, 10, args.models), rng.uniform(0.5, 3.5, args.models)
    print(f"rank_intervals, {args.models} models: " + timed(args.repeats, lambda: rank_intervals(scores, stderrs)))
    replicates = scores[:1000] + rng.normal(0, 1, (args.resamples, 1000)) * stderrs[:1000]
    print(f"rank_intervals_from_replicates, 1000 models x {args.resamples} resamples: "
          + timed(args.repeats, lambda: rank_intervals_from_replicates(scores[:1000], replicates)))


if __name__ == "__main__":
    main()
