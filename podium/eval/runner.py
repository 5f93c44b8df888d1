"""`podium eval`: run a suite on one model and write its run record with provenance.

Pipeline: resolve the model and check it loads -> pick the suite's columns -> let the
suite's kind run them (`podium.eval.kinds`: lm-eval tasks, or tracing) -> average the
columns that count -> write results.json (lm-eval's own blocks beside the `podium` block,
which is the serialised `RunRecord`), atomically.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from podium import paths
from podium.engine import devices
from podium.engine.routing import require_vllm
from podium.engine.sizing import parse_batch_size
from podium.errors import DataMissingError, UsageError
from podium.eval import provenance
from podium.eval import weights as overlays
from podium.eval.kinds import KindOutput, KindRun
from podium.eval.normalize import suite_average
from podium.eval.suites import DEFAULT_SUITE, get_suite
from podium.eval.versions import suite_version
from podium.modelref import DTYPES, ModelRef, resolve
from podium.modelref.checks import require_loadable
from podium.record import DataProvenance, ModelIdentity, Provenance, RunRecord, RunSettings
from podium.settings import set_library_switches

BACKENDS = ("hf", "podium", "vllm")


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
    data_sources: str | None = None
    """Each task's data source, `task=source,...` (see podium.eval.data.origins); default PODIUM_DATA_SOURCES."""
    gen_kwargs: dict | None = None
    """Overrides of the tasks' generation settings (e.g. max_gen_toks). Off the leaderboard's
    protocol: for quick checks only, and recorded in the results."""
    command_line: str = ""
    extra_model_args: dict = field(default_factory=dict)
    trace_base: str | None = None
    """Base model of the tracing suite's match test (default: PODIUM_TRACE_BASE, else GPT-2)."""
    weights: str = "original"
    """"adapter" or "delta": `model` is applied to `base_model` (pinned by `base_revision`), see eval/weights."""
    base_model: str | None = None
    base_revision: str | None = None
    quantization: str | None = None
    """8bit, 4bit (bitsandbytes, at load time), gptq or awq (pre-quantized); CUDA only."""
    contamination: bool = False
    """Also compute each task's contamination signal (`podium.eval.contamination`)."""


def _check_request(req: EvalRequest) -> None:
    if req.backend not in BACKENDS:
        raise UsageError(f"Unknown backend '{req.backend}'.", hint=f"Choose among: {', '.join(BACKENDS)}.")
    if req.dtype not in ("auto", *DTYPES):
        raise UsageError(f"Unknown dtype '{req.dtype}'.", hint=f"Choose among: auto, {', '.join(DTYPES)}.")
    if req.backend == "vllm":
        require_vllm(req.gpus)
    if req.limit is not None and req.limit <= 0:
        raise UsageError(f"--limit must be positive, got {req.limit}.")
    overlays.check_options(req.weights, req.base_model, req.base_revision, req.quantization, req.backend)
    try:
        parse_batch_size(req.batch_size)
    except ValueError as err:
        raise UsageError(f"--batch-size: {err}.", hint="Pass auto (the default) or a positive integer.") from None
    if req.data_dir is not None and not Path(req.data_dir).is_dir():
        raise DataMissingError(
            f"The data folder {req.data_dir} does not exist.",
            hint="Point --data-dir (or PODIUM_DATA_DIR) at a folder laid out as described in DATA.md.",
        )


def _write_json_atomic(path: Path, payload: dict) -> None:
    from lm_eval.utils import handle_non_serializable

    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2, default=handle_non_serializable, ensure_ascii=False))
    os.replace(tmp, path)


def run_evaluation(req: EvalRequest, on_task_done=None) -> RunRecord:
    """Evaluate `req.model` on the suite; write `results.json` (and the kind's files) under `req.output`."""
    started_at, t0 = provenance.now_iso(), time.monotonic()
    _check_request(req)
    suite = get_suite(req.suite)
    ref = resolve(req.model, req.revision)
    run_device = devices.resolve(req.device, req.dtype, req.gpus, checkpoint=lambda: _checkpoint_dtype(req, ref))
    req = dataclasses.replace(req, device=run_device.device, dtype=run_device.dtype,
                              batch_size=parse_batch_size(req.batch_size))
    overlays.check_quantization(req.quantization, req.device, ref.load_path)
    with overlays.applied(ref, weights=req.weights, base_model=req.base_model, base_revision=req.base_revision,
                          dtype=req.dtype) as (load_ref, overlay):
        return _evaluate(req, run_device, suite, ref, load_ref, overlay, started_at, t0, on_task_done)


def _checkpoint_dtype(req: EvalRequest, ref: ModelRef) -> str | None:
    """The dtype the weights were saved in (what `--dtype auto` runs on a GPU); an overlay's is its base's."""
    if req.weights in overlays.OVERLAYS and req.base_model:
        ref = resolve(req.base_model)
    return devices.checkpoint_dtype(ref.load_path, ref.revision if ref.source == "hub" else None)


def _evaluate(req: EvalRequest, run_device, suite, ref: ModelRef, load_ref: ModelRef, overlay: dict | None,
              started_at: str, t0: float, on_task_done) -> RunRecord:
    """The run itself; `load_ref` is what the backends load (the merged folder of an adapter or delta)."""
    specs = suite.kind.select(suite, req.tasks)
    facts = require_loadable(load_ref, chat_template=req.chat_template)
    data = paths.data_dir(req.data_dir)
    # With a local model and local data nothing needs the hub: never wait on it.
    needs_hub = suite.kind.needs_hub(specs, req, data)
    set_library_switches(nltk_data=paths.nltk_data_dir(), hub_offline=load_ref.is_local and not needs_hub)

    output = Path(req.output)
    output.mkdir(parents=True, exist_ok=True)
    out = suite.kind.run(KindRun(req, suite, specs, load_ref, data, output, on_task_done, run_device))
    average, complete = suite_average({k: s.normalized for k, s in out.tasks.items() if s.in_average})
    version = suite_version(suite.version, out.lm_eval, out.data_files, provenance.versions().get("lm_eval"))
    record = RunRecord(
        kind=suite.kind.name, suite=suite.name, suite_title=suite.title, suite_version=version,
        tasks=out.tasks, average=average, average_complete=complete and average is not None,
        provenance=_provenance(req, ref, facts, overlay, data, out, started_at, t0), details=out.details,
        average_uncertainty=out.average_uncertainty,
    )
    _write_json_atomic(output / "results.json", {**out.lm_eval, "podium": record.to_json()})
    return record


def _provenance(req: EvalRequest, ref: ModelRef, facts: dict, overlay: dict | None, data: Path | None,
                out: KindOutput, started_at: str, t0: float) -> Provenance:
    """The model, run, versions and data every result carries, with the kind's own record."""
    machine = out.hardware or {}
    peaks = machine.get("peak_gpu_memory_mb") or []
    return Provenance(
        model=ModelIdentity(id=ref.name, path=ref.load_path, source=ref.source, revision=ref.revision,
                            content_hash=ref.content_hash, architecture=facts["architecture"],
                            model_type=facts["model_type"], has_chat_template=facts["has_chat_template"],
                            vocab_size=facts["vocab_size"], dtype=req.dtype, chat_template=req.chat_template,
                            weights=overlay),
        run=RunSettings(backend=req.backend, device=req.device, dtype=req.dtype, batch_size=req.batch_size,
                        limit=req.limit, gen_kwargs=req.gen_kwargs,
                        seeds={**provenance.SEEDS, "bootstrap_seed": provenance.BOOTSTRAP_SEED},
                        quantization=req.quantization,
                        command_line=req.command_line or provenance.command_line(), started_at=started_at,
                        finished_at=provenance.now_iso(), wall_seconds=round(time.monotonic() - t0, 3),
                        gpu_name=(machine.get("gpu_models") or [None])[0], gpu_count=machine.get("gpu_count"),
                        peak_gpu_memory_mb=max(peaks) if peaks else None, hardware=machine or None),
        versions=provenance.versions(),
        data=DataProvenance(**out.data) if out.data else DataProvenance(
            mode="offline" if data is not None else "hub", dir=str(data) if data is not None else None,
            files=out.data_files, differences=out.data_differences),
        timings=out.timings, kind_detail=out.kind_detail,
    )
