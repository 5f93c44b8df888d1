"""`podium eval`: run a suite on one model through lm-eval and write results with provenance.

Pipeline: resolve the model and check it loads -> pick the suite's tasks -> build the
model backend once -> run each lm-eval task (offline data served from the data folder)
-> score with the suite's rules -> write details, then results.json, atomically.
A task whose data is missing is recorded as unavailable and the rest still runs.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from podium import paths
from podium.errors import DataMissingError, ModelLoadError, OutOfMemoryError, UsageError
from podium.eval import provenance
from podium.modelref import DTYPES, ModelRef, resolve
from podium.modelref.checks import require_loadable
from podium.settings import current, set_library_switches
from podium.eval.normalize import suite_average
from podium.eval.progress import Progress
from podium.eval.scoring import TaskScore, score_task
from podium.eval.suites import DEFAULT_SUITE, TaskSpec, get_suite
from podium.eval.taskindex import task_manager

BACKENDS = ("hf", "podium")
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
    """"podium" (the exact prefix-sharing engine) or "hf" (lm-eval's own backend, for comparison)."""
    device: str = "cpu"
    dtype: str = "float32"
    batch_size: int = 1
    chat_template: bool = False
    data_dir: Path | None = None
    data_sources: str | None = None
    """Each task's data source, `task=source,...` (see podium.eval.data.origins); default PODIUM_DATA_SOURCES."""
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
    if req.limit is not None and req.limit <= 0:
        raise UsageError(f"--limit must be positive, got {req.limit}.")
    if req.batch_size < 1:
        raise UsageError(f"--batch-size must be at least 1, got {req.batch_size}.")
    if req.data_dir is not None and not Path(req.data_dir).is_dir():
        raise DataMissingError(
            f"The data folder {req.data_dir} does not exist.",
            hint="Point --data-dir (or PODIUM_DATA_DIR) at a folder laid out as described in DATA.md.",
        )


def build_lm(req: EvalRequest, ref: ModelRef):
    """The lm-eval model object for the chosen backend (built once for all tasks)."""
    from lm_eval.api.registry import get_model

    if req.backend == "podium":
        import podium.engine  # noqa: F401  (registers the backend)
    args = {"pretrained": ref.load_path, "dtype": req.dtype, "trust_remote_code": False, **req.extra_model_args,
            **ref.hub_kwargs}
    try:
        return get_model(req.backend).create_from_arg_obj(args, {"batch_size": req.batch_size, "device": req.device})
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


def evaluate_task(lm, name: str, num_fewshot: int | None, req: EvalRequest, manager):
    """Run one lm-eval task (or group) exactly as `lm_eval.simple_evaluate` does for the CLI."""
    import lm_eval

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
    from podium.eval.data.origins import DataPlan
    from podium.eval.details import write_details

    started_at, t0 = provenance.now_iso(), time.monotonic()
    _check_request(req)
    suite = get_suite(req.suite)
    specs = suite.select(req.tasks) if suite.kind == "lm-eval" else suite.tasks  # trace: both columns, always
    ref = resolve(req.model, req.revision)
    facts = require_loadable(ref, chat_template=req.chat_template)
    data = paths.data_dir(req.data_dir)
    plan = DataPlan.for_run(specs, req.data_sources, data, current()) if suite.kind == "lm-eval" else None
    # With a local model and local data nothing needs the hub: never wait on it.
    set_library_switches(nltk_data=paths.nltk_data_dir(),
                         hub_offline=ref.is_local and (not plan.needs_hub if plan else data is not None))

    output = Path(req.output)
    output.mkdir(parents=True, exist_ok=True)
    if suite.kind == "trace":
        return _run_trace_suite(req, suite, ref, facts, data, output, started_at, t0)
    runs = _run_groups(specs)
    progress = Progress(output / "progress.json", task_count=len(runs))
    progress.update()
    lm = build_lm(req, ref)
    manager = task_manager()

    lm_eval_block: dict = {}
    scores: dict[str, TaskScore] = {}
    detail_files: dict[str, str] = {}
    for index, (name, shots, members) in enumerate(runs):
        progress.update(task_index=index, task=name, docs_done=0, docs_total=None)
        try:
            with plan.serving(members):
                out = evaluate_task(lm, name, shots, req, manager)
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
        **_provenance(req, ref, facts, started_at, t0),
        "data": plan.block(),
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


def _provenance(req: EvalRequest, ref: ModelRef, facts: dict, started_at: str, t0: float) -> dict:
    """The model, run and versions blocks every result carries."""
    return {
        "model": {**ref.as_dict(), **facts, "dtype": req.dtype, "chat_template": req.chat_template},
        "run": {
            "backend": req.backend,
            "device": req.device,
            "dtype": req.dtype,
            "batch_size": req.batch_size,
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
                     started_at: str, t0: float) -> dict:
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
        **_provenance(req, ref, facts, started_at, t0),
        "data": _data_block(data, data_files(data), {}),
        **extra,
    }
    payload = {"podium": podium_block}
    _write_json_atomic(output / "results.json", payload)
    return payload
