"""`podium eval`: run a suite on one model through lm-eval and write results with provenance.

Pipeline: resolve the model and check it loads -> pick the suite's tasks -> build the
model backend once -> run each lm-eval task (offline data served from the data folder)
-> score with the suite's rules -> write details, then results.json, atomically.
A task whose data is missing is recorded as unavailable and the rest still runs.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from podium import paths
from podium.engine import devices, hardware, placement
from podium.engine.devices import RunDevice
from podium.engine.routing import build_routed, require_vllm
from podium.engine.sizing import parse_batch_size
from podium.errors import DataMissingError, ModelLoadError, OutOfMemoryError, PodiumError, UsageError
from podium.eval import provenance
from podium.eval.model_ref import ModelRef, check_loadable, resolve_model
from podium.eval.normalize import suite_average
from podium.eval.progress import Progress
from podium.eval.scoring import TaskScore, score_task
from podium.eval.suites import DEFAULT_SUITE, TaskSpec, get_suite

PODIUM_TASKS_DIR = Path(__file__).parent / "tasks"
BACKENDS = ("hf", "podium", "vllm")
DTYPES = ("auto", "float32", "bfloat16", "float16")
LM_EVAL_KEYS = ("results", "groups", "group_subtasks", "configs", "versions", "n-shot", "higher_is_better", "n-samples")


@dataclass
class EvalRequest:
    model: str
    output: Path
    suite: str = DEFAULT_SUITE
    tasks: list[str] | None = None
    revision: str | None = None
    limit: float | None = None
    backend: str = "podium"
    """"podium" (the exact prefix-sharing engine), "hf" (lm-eval's own backend, for comparison) or "vllm"
    (generation through vLLM, log-likelihood exact: podium.engine.routing)."""
    device: str = "auto"
    dtype: str = "auto"
    batch_size: int | str = "auto"
    gpus: int = 1
    """GPUs the model is split over (podium.engine.placement)."""
    chat_template: bool = False
    data_dir: Path | None = None
    gen_kwargs: dict | None = None
    """Overrides of the tasks' generation settings (e.g. max_gen_toks). Off the leaderboard's
    protocol: for quick checks only, and recorded in the results."""
    command_line: str = ""
    extra_model_args: dict = field(default_factory=dict)
    trace_base: str | None = None
    """Base model of the `trace` suite's match test (default: PODIUM_TRACE_BASE, else GPT-2)."""


def _check_request(req: EvalRequest) -> None:
    if req.backend not in BACKENDS:
        raise UsageError(f"Unknown backend '{req.backend}'.", hint=f"Choose among: {', '.join(BACKENDS)}.")
    if req.dtype not in DTYPES:
        raise UsageError(f"Unknown dtype '{req.dtype}'.", hint=f"Choose among: {', '.join(DTYPES)}.")
    if req.backend == "vllm":
        require_vllm(req.gpus)
    if req.limit is not None and req.limit <= 0:
        raise UsageError(f"--limit must be positive, got {req.limit}.")
    try:
        parse_batch_size(req.batch_size)
    except ValueError as err:
        raise UsageError(f"--batch-size: {err}.", hint="Pass auto (the default) or a positive integer.") from None
    if req.data_dir is not None and not Path(req.data_dir).is_dir():
        raise DataMissingError(
            f"The data folder {req.data_dir} does not exist.",
            hint="Point --data-dir (or PODIUM_DATA_DIR) at a folder laid out as described in DATA.md.",
        )


def _go_offline(ref: ModelRef, data: Path | None) -> None:
    """With a local model and local data nothing needs the hub: never wait on it."""
    if ref.source != "hub" and data is not None:
        for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
            os.environ.setdefault(var, "1")


def build_lm(req: EvalRequest, ref: ModelRef, run_device: RunDevice):
    """The lm-eval model object for the chosen backend (built once for all tasks)."""
    from lm_eval.api.registry import get_model

    if req.backend == "podium":
        import podium.engine  # noqa: F401  (registers the backend)
    revision = ref.revision if ref.source == "hub" else None
    args = {"pretrained": ref.load_path, "dtype": run_device.dtype, "trust_remote_code": False,
            **placement.model_args(run_device, ref.load_path, revision), **req.extra_model_args}
    if revision:
        args["revision"] = revision
    try:
        if req.backend == "vllm":
            return build_routed(args, req.batch_size, run_device.device, run_device.gpus)
        return get_model(req.backend).create_from_arg_obj(args, {"batch_size": req.batch_size,
                                                                 "device": run_device.device})
    except PodiumError:
        raise
    except (MemoryError, RuntimeError) as err:
        if isinstance(err, MemoryError) or "out of memory" in str(err).lower():
            raise OutOfMemoryError(
                f"Model '{ref.name}' does not fit in memory on {req.device} in {req.dtype}.",
                hint="Try a smaller dtype (bfloat16), a larger machine, or a smaller model.",
            ) from None
        raise ModelLoadError(f"Model '{ref.name}' could not be loaded: {err}",
                             hint="Check that the weights are complete safetensors files.") from None
    except Exception as err:
        raise ModelLoadError(f"Model '{ref.name}' could not be loaded: {type(err).__name__}: {err}",
                             hint="Check that the weights are complete safetensors files.") from None


@functools.lru_cache(maxsize=1)
def task_manager():
    """lm-eval's task index (stock tasks plus Podium's own); indexing takes seconds, so once per process."""
    from lm_eval.tasks import TaskManager

    return TaskManager(include_path=str(PODIUM_TASKS_DIR))


def evaluate_task(lm, name: str, num_fewshot: int | None, req: EvalRequest, manager, data: Path | None, usage):
    """Run one lm-eval task (or group) exactly as `lm_eval.simple_evaluate` does for the CLI."""
    import contextlib

    import lm_eval

    from podium.eval.data import offline_datasets

    context = offline_datasets(data, usage) if data is not None else contextlib.nullcontext()
    with context:
        return lm_eval.simple_evaluate(
            model=lm,
            tasks=[name],
            num_fewshot=num_fewshot,
            limit=req.limit,
            log_samples=True,
            apply_chat_template=req.chat_template,
            fewshot_as_multiturn=req.chat_template,
            task_manager=manager,
            gen_kwargs=req.gen_kwargs,
            **provenance.SEEDS,
        )


def _run_groups(specs: tuple[TaskSpec, ...]) -> list[tuple[str, int | None, list[TaskSpec]]]:
    """Specs that read the same lm-eval run (e.g. acc and acc_norm of one task) share it."""
    groups: dict[tuple[str, int | None], list[TaskSpec]] = {}
    for spec in specs:
        groups.setdefault((spec.lm_eval_task, spec.num_fewshot), []).append(spec)
    return [(name, shots, members) for (name, shots), members in groups.items()]


def _merge_lm_eval(block: dict, out: dict) -> None:
    for key in LM_EVAL_KEYS:
        if key in out:
            block.setdefault(key, {}).update(out[key])


def _write_json_atomic(path: Path, payload: dict) -> None:
    from lm_eval.utils import handle_non_serializable

    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2, default=handle_non_serializable, ensure_ascii=False))
    os.replace(tmp, path)


def run_evaluation(req: EvalRequest, on_task_done=None) -> dict:
    """Evaluate `req.model` on the suite; write `results.json` and `details/` under `req.output`."""
    from podium.eval.data import DataUsage
    from podium.eval.details import write_details

    started_at, t0 = provenance.now_iso(), time.monotonic()
    _check_request(req)
    suite = get_suite(req.suite)
    specs = suite.select(req.tasks) if suite.kind == "lm-eval" else suite.tasks  # trace: both columns, always
    ref = resolve_model(req.model, req.revision)
    facts = check_loadable(ref, chat_template=req.chat_template)
    run_device = devices.resolve(req.device, req.dtype, req.gpus, checkpoint=lambda: devices.checkpoint_dtype(
        ref.load_path, ref.revision if ref.source == "hub" else None))
    req = dataclasses.replace(req, device=run_device.device, dtype=run_device.dtype,
                              batch_size=parse_batch_size(req.batch_size))
    data = paths.data_dir(req.data_dir)
    _go_offline(ref, data)
    paths.ensure_nltk_data()

    output = Path(req.output)
    output.mkdir(parents=True, exist_ok=True)
    if suite.kind == "trace":
        return _run_trace_suite(req, suite, ref, facts, data, output, started_at, t0, run_device)
    runs = _run_groups(specs)
    progress = Progress(output / "progress.json", task_count=len(runs))
    progress.update()
    lm = build_lm(req, ref, run_device)
    hardware.observe(lm)
    manager = task_manager()
    usage = DataUsage(data_dir=data) if data is not None else None

    lm_eval_block: dict = {}
    scores: dict[str, TaskScore] = {}
    detail_files: dict[str, str] = {}
    for index, (name, shots, members) in enumerate(runs):
        progress.update(task_index=index, task=name, docs_done=0, docs_total=None)
        try:
            out = evaluate_task(lm, name, shots, req, manager, data, usage)
        except DataMissingError as err:
            for spec in members:
                scores[spec.key] = TaskScore.missing(spec, "unavailable", err.render(), err.kind)
            continue
        except (MemoryError, RuntimeError) as err:
            if isinstance(err, MemoryError) or "out of memory" in str(err).lower():
                raise OutOfMemoryError(f"Ran out of memory during task '{name}'.",
                                       hint="Try a smaller --batch-size or dtype.") from None
            raise
        _merge_lm_eval(lm_eval_block, out)
        for spec in members:
            scores[spec.key] = score_task(spec, out)
        detail_files.update(write_details(out.get("samples", {}), output / "details"))
        n_docs = sum(s.n_samples for s in (scores[m.key] for m in members))
        progress.update(task_index=index + 1, docs_done=n_docs, docs_total=n_docs)
        if on_task_done:
            on_task_done(index, len(runs), name, [scores[m.key] for m in members])

    counted = {k: s.normalized for k, s in scores.items() if s.in_average}
    average, complete = suite_average(counted)
    podium_block = {
        **_block_head(suite, {key: scores[key].as_dict() for key in (s.key for s in specs)}, average, complete),
        "missing_tasks": [k for k, s in scores.items() if s.status != "ok"],
        **_provenance(req, ref, facts, started_at, t0, hardware.describe(lm, run_device, req.batch_size)),
        "data": _data_block(data, usage.files if usage else {}, usage.differences if usage else {}),
        "details": {task: f"details/{fname}" for task, fname in detail_files.items()},
    }
    payload = {**lm_eval_block, "podium": podium_block}
    _write_json_atomic(output / "results.json", payload)
    return payload


def _block_head(suite, tasks: dict, average: float | None, complete: bool) -> dict:
    return {"schema": 1, "suite": suite.name, "suite_title": suite.title, "tasks": tasks, "average": average,
            "average_complete": complete}


def _data_block(data: Path | None, files: dict, differences: dict) -> dict:
    """Where the data came from, and the sha256 of every file read."""
    return {"mode": "offline" if data is not None else "hub", "dir": str(data) if data is not None else None,
            "files": files, "differences": differences}


def _provenance(req: EvalRequest, ref: ModelRef, facts: dict, started_at: str, t0: float, machine: dict) -> dict:
    """The model, run and versions blocks every result carries."""
    return {
        "model": {**ref.as_dict(), **facts, "dtype": req.dtype, "chat_template": req.chat_template},
        "run": {
            "backend": req.backend,
            "device": req.device,
            "dtype": req.dtype,
            "batch_size": req.batch_size,
            "hardware": machine,
            "limit": req.limit,
            "gen_kwargs": req.gen_kwargs,
            "seeds": provenance.SEEDS,
            "command_line": req.command_line or provenance.command_line(),
            "started_at": started_at,
            "finished_at": provenance.now_iso(),
            "wall_seconds": round(time.monotonic() - t0, 3),
        },
        "versions": provenance.versions(),
    }


def _run_trace_suite(req: EvalRequest, suite, ref: ModelRef, facts: dict, data: Path | None, output: Path,
                     started_at: str, t0: float, run_device: RunDevice) -> dict:
    """The `trace` suite: perplexity and the match test against the base (podium.tracing.suite)."""
    from podium.tracing.suite import data_files, evaluate_trace_suite

    progress = Progress(output / "progress.json", task_count=1)
    progress.update(task_index=0, task="trace")
    tasks, extra = evaluate_trace_suite(suite, ref.load_path, base=req.trace_base, data=data, dtype=req.dtype,
                                        revision=ref.revision if ref.source == "hub" else None)
    progress.update(task_index=1)
    podium_block = {
        **_block_head(suite, tasks, None, False),
        "missing_tasks": [k for k, t in tasks.items() if t["status"] != "ok"],
        **_provenance(req, ref, facts, started_at, t0, hardware.describe(None, run_device, req.batch_size)),
        "data": _data_block(data, data_files(data), {}),
        **extra,
    }
    payload = {"podium": podium_block}
    _write_json_atomic(output / "results.json", payload)
    return payload
