"""A stand-in for `podium eval` with the same command line and output files.

Stdlib only (plus the evaluator's content hash and the run record), so it starts in milliseconds. What it does
is read from `<model>/fake_eval.json`:
{"mode": "ok" | "raise" | "hang" | "exit_silent" | "oom" | "data_missing" | "orphan" | "no_results" | "old_schema",
 "seconds": run time of an "ok" run}. Like the real loader it refuses a damaged safetensors
file (error.json, kind model_load). With FAKE_EVAL_EVENTS set it appends one JSON line per
start and end, which the concurrency tests use to check that no job ever ran twice at once.
"""

from __future__ import annotations

import argparse
import json
import os
import struct
import subprocess
import sys
import time
from pathlib import Path

from podium.errors import PodiumError
from podium.modelref import content_hash, resolve
from podium.record import DataProvenance, ModelIdentity, Provenance, RunError, RunRecord, RunSettings, TaskScore

TASKS = {"arc": ("ARC", 0.25), "gsm8k": ("GSM8K", 0.0)}


def event(kind: str, **extra) -> None:
    path = os.environ.get("FAKE_EVAL_EVENTS")
    if path:
        line = json.dumps({"event": kind, "job": os.environ.get("PODIUM_JOB_ID"),
                           "worker": os.environ.get("PODIUM_WORKER_ID"),
                           "attempt": os.environ.get("PODIUM_JOB_ATTEMPT"), "pid": os.getpid(), "t": time.time(),
                           **extra})
        with open(path, "a") as f:
            f.write(line + "\n")


def write_json(path: Path, value: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(value))
    os.replace(tmp, path)


def damaged_weights(model: Path) -> str | None:
    for path in sorted(model.glob("*.safetensors")):
        data = path.read_bytes()
        (n,) = struct.unpack("<Q", data[:8]) if len(data) >= 8 else (len(data),)
        try:
            header = json.loads(data[8:8 + n])
            end = max((v["data_offsets"][1] for k, v in header.items() if k != "__metadata__"), default=0)
        except (ValueError, KeyError, TypeError):
            return f"{path.name}: invalid safetensors header"
        if end != len(data) - 8 - n:
            return f"{path.name}: file is truncated ({len(data)} bytes)"
    return None


def record(args, seconds: float) -> RunRecord:
    tasks = {}
    for key, (title, floor) in TASKS.items():
        raw = 0.3 + 0.1 * len(key) / 10
        tasks[key] = TaskScore(key=key, title=title, metric="acc", raw=raw,
                               normalized=100 * (raw - floor) / (1 - floor),
                               stderr=0.01, n_samples=args.limit or 10, lower_bound=floor)
    average = sum(t.normalized for t in tasks.values()) / len(tasks)
    ref = resolve(args.model)
    model = Path(ref.load_path)
    now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    provenance = Provenance(
        model=ModelIdentity(id=args.model, path=ref.load_path, source=ref.source, revision=args.revision,
                            content_hash=content_hash(model) if model.is_dir() else None, architecture=None,
                            model_type=None, has_chat_template=None, vocab_size=None, dtype=args.dtype or "float32",
                            chat_template=args.chat_template),
        run=RunSettings(backend="fake", device="cpu", dtype=args.dtype or "float32", batch_size=args.batch_size or 1,
                        limit=args.limit, gen_kwargs=None, seeds={}, command_line=" ".join(sys.argv),
                        started_at=now, finished_at=now, wall_seconds=seconds),
        versions={"fake_eval": "1"}, data=DataProvenance(mode="offline", dir=None, files={}, differences={}))
    return RunRecord(kind="lm-eval", suite=args.suite, suite_title=args.suite, suite_version="fake", tasks=tasks,
                     average=average, average_complete=True, provenance=provenance)


def main() -> int:
    parser = argparse.ArgumentParser()
    for flag in ("--model", "--revision", "--suite", "--output", "--backend", "--dtype", "--data-dir"):
        parser.add_argument(flag)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--gpus", type=int, default=1)
    parser.add_argument("--chat-template", action="store_true")
    args = parser.parse_args()
    out = Path(args.output)
    try:  # a mirrored id resolves to its folder, exactly as in the real evaluator
        model = Path(resolve(args.model).load_path)
    except PodiumError as err:
        write_json(out / "error.json", RunError(err.kind, err.render()).to_json())
        return 2
    spec = json.loads((model / "fake_eval.json").read_text()) if (model / "fake_eval.json").exists() else {}
    mode, seconds = spec.get("mode", "ok"), float(spec.get("seconds", 0.3))
    event("start")
    print(f"fake eval of {model.name} ({mode})", flush=True)
    damage = damaged_weights(model) if model.is_dir() else None
    if damage:
        write_json(out / "error.json", RunError("model_load", f"The model could not be loaded: {damage}.").to_json())
        return 2
    if mode == "raise":
        raise RuntimeError("forward pass exploded: shape mismatch in layer 3")
    if mode == "oom":
        raise MemoryError("could not allocate 17179869184 bytes")
    if mode == "exit_silent":
        os._exit(3)
    if mode == "data_missing":
        write_json(out / "error.json", RunError("data_missing", "Benchmark data arc is not on disk.").to_json())
        return 2
    if mode == "orphan":  # a grandchild that would outlive a careless supervisor
        grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        event("orphan", grandchild=grandchild.pid)
    steps = 1_000_000 if mode in ("hang", "orphan") else max(1, int(seconds / 0.05))
    for i in range(steps):
        write_json(out / "progress.json", {"task_index": 1 + i * len(TASKS) // steps, "task_count": len(TASKS),
                                           "task": "arc", "docs_done": i, "docs_total": steps,
                                           "eta_seconds": (steps - i) * 0.05, "updated_at": time.time()})
        time.sleep(seconds / steps if mode == "ok" else 0.05)
    if mode != "no_results":
        (out / "details").mkdir(exist_ok=True)
        for key in TASKS:
            (out / "details" / f"{key}.parquet").write_bytes(b"PAR1 fake")
        block = record(args, seconds).to_json()
        if mode == "old_schema":  # what an evaluator of another Podium version would write
            block["schema"] = 1
        write_json(out / "results.json", {"results": {}, "podium": block})
    event("end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
