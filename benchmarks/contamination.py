"""Contamination signal: its false-positive rate on independent models, and its hits (issue 15, point 8).

    python benchmarks/contamination.py [--data ../shared/data] [--out contamination.json]

Reads each task's sampled test and reference questions once (`podium.eval.contamination_check`,
the same 50 + 50 seeded items `podium eval --contamination` uses), then measures every model
on every task:

- independent models: the four random-init demo models, and tiny GPT-2s (`workshop.memorised`)
  trained on other text: the GSM8K and ARC reference questions (a model trained on a task's
  train split must not be flagged on it) and the workshop corpus;
- contaminated models: tiny GPT-2s trained on the test questions of GSM8K, ARC and MMLU.
  Each is contaminated on its own task only; on the other tasks it counts as independent.

Prints one line per (model, task) and the false-positive rate over the independent pairs (with
its 95% upper bound) and the hit rate over the contaminated ones; `--out` writes them as JSON.
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
from dataclasses import asdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

TASKS = ("gsm8k", "arc", "winogrande", "mmlu", "mmlu_pro")
SUITE_OF = {"mmlu_pro": "openllm-v2"}
MEMORISED = ("gsm8k", "arc", "mmlu")


def questions(data: Path) -> dict:
    from podium.eval.contamination_check import questions as sampled
    from podium.eval.data.origins import DataPlan
    from podium.eval.suites import get_suite
    from podium.eval.taskindex import task_manager
    from podium.settings import current

    out = {}
    for key in TASKS:
        spec = get_suite(SUITE_OF.get(key, "openllm-v1")).select([key])
        with DataPlan.for_run(spec, None, data, current()).serving(spec):
            out[key] = sampled(spec[0].lm_eval_task, task_manager())
    return out


def models(data: Path, qs: dict, root: Path) -> dict[str, tuple[Path, str | None]]:
    """name -> (folder, the task it memorised or None)."""
    from podium.engine.demo import build_demo_models
    from workshop.corpus import corpus_lines
    from workshop.memorised import train_on

    found = {name.split("/")[-1]: (path, None) for name, path in build_demo_models(root / "demo", data).items()}
    lines = corpus_lines(data, limit=2000, broad=True)
    texts = {"trained-gsm8k-reference": (qs["gsm8k"][1], None), "trained-arc-reference": (qs["arc"][1], None),
             "trained-corpus": (corpus_lines(data, limit=50), None),
             **{f"memorised-{key}-test": (qs[key][0], key) for key in MEMORISED}}
    for name, (text, task) in texts.items():
        folder = root / name
        if not (folder / "model.safetensors").exists():
            train_on(text, folder, tokenizer_lines=lines)
        found[name] = (folder, task)
    return found


def measure(folder: Path, qs: dict) -> dict:
    from lm_eval.api.registry import get_model

    import podium.engine  # noqa: F401  (registers the backend)
    from podium.eval.contamination_check import measure as run

    lm = get_model("podium").create_from_arg_obj({"pretrained": str(folder), "dtype": "float32"},
                                                 {"batch_size": "auto", "device": "cpu"})
    return {key: run(lm, *qs[key]) for key in TASKS}


def upper95(k: int, n: int) -> float:
    """Clopper-Pearson 95% upper bound of a rate k/n."""
    from scipy.stats import beta

    return 1.0 if k == n else float(beta.ppf(0.975, k + 1, n - k))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data"))
    ap.add_argument("--root", default="/tmp/podium-contamination-models")
    ap.add_argument("--out")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    data, root = Path(args.data), Path(args.root)
    import torch

    torch.set_num_threads(1)  # tiny models: more threads only spin against each other on a shared machine
    t0 = time.monotonic()
    qs = questions(data)
    rows = []
    for name, (folder, task) in models(data, qs, root).items():
        for key, signal in measure(folder, qs).items():
            rows.append({"model": name, "task": key, "contaminated": task == key, **asdict(signal)})
            print(f"{name:28s} {key:11s} {'CONTAMINATED' if task == key else 'independent':12s} "
                  f"gap {signal.gap if signal.gap is not None else float('nan'):+.3f} z {signal.gap_z or 0:+7.2f} "
                  f"reproduced {signal.reproduced}/{signal.reproduction_items} flagged {signal.flagged}", flush=True)
    indep = [r for r in rows if not r["contaminated"]]
    hits = [r for r in rows if r["contaminated"]]
    fp = sum(r["flagged"] for r in indep)
    report = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "machine": platform.platform(),
        "cpus": os.cpu_count(), "commit": subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                                                          capture_output=True, text=True).stdout.strip(),
        "command": " ".join(sys.argv), "wall_seconds": round(time.monotonic() - t0, 1),
        "false_positives": fp, "independent_pairs": len(indep), "fp_upper95": round(upper95(fp, len(indep)), 3),
        "hits": sum(r["flagged"] for r in hits), "contaminated_pairs": len(hits),
        "max_independent_gap": max((r["gap"] for r in indep if r["gap"] is not None), default=None),
        "max_independent_z": max((r["gap_z"] for r in indep if r["gap_z"] is not None), default=None),
        "max_independent_reproduced": max(r["reproduced"] for r in indep), "rows": rows,
    }
    print(json.dumps({k: v for k, v in report.items() if k != "rows"}, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
