"""The lm-eval kind: each column is an lm-eval task (or group) scored by the suite's rules.

Build the model backend once -> run each lm-eval task (offline data served from the data
folder) -> score with the suite's rules -> write the per-sample details of public tasks. A
task whose data is missing is recorded as unavailable and the rest still runs.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import replace
from pathlib import Path

from podium.errors import DataMissingError, ModelLoadError, OutOfMemoryError, PodiumError
from podium.eval.kinds import KindOutput, KindRun, SuiteKind
from podium.eval.taskindex import task_manager

LM_EVAL_KEYS = ("results", "groups", "group_subtasks", "configs", "versions", "n-shot", "higher_is_better", "n-samples")


def build_lm(req, ref, run_device):
    """The lm-eval model object for the chosen backend (built once for all tasks), placed as
    `run_device` says (one device, or split over several GPUs: `podium.engine.placement`)."""
    from lm_eval.api.registry import get_model

    from podium.engine import placement
    from podium.engine.quantization import load_kwargs
    from podium.engine.routing import build_routed

    if req.backend == "podium":
        import podium.engine  # noqa: F401  (registers the backend)
    revision = ref.revision if ref.source == "hub" else None
    args = {"pretrained": ref.load_path, "dtype": run_device.dtype, "trust_remote_code": False,
            **placement.model_args(run_device, ref.load_path, revision), **load_kwargs(req.quantization, req.dtype),
            **req.extra_model_args, **ref.hub_kwargs}
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


@contextlib.contextmanager
def _without_environment_report():
    """lm-eval's `simple_evaluate` ends each call by describing the machine for its own results file:
    `git describe` in the working folder and torch's `collect_env` (pip, nvidia-smi and other
    subprocesses, about 0.3 s a task). Podium keeps none of it (`LM_EVAL_KEYS`: the run's provenance
    is its own), so those two are skipped for the call; the output's other keys are unchanged.
    Evaluations do not run concurrently within one process, so swapping them is safe."""
    from lm_eval import evaluator

    saved = evaluator.add_env_info, evaluator.get_git_commit_hash
    evaluator.add_env_info, evaluator.get_git_commit_hash = (lambda storage: None), (lambda: None)
    try:
        yield
    finally:
        evaluator.add_env_info, evaluator.get_git_commit_hash = saved


def evaluate_task(lm, name: str, num_fewshot: int | None, req, manager):
    """Run one lm-eval task (or group) exactly as `lm_eval.simple_evaluate` does for the CLI."""
    import lm_eval

    from podium.eval import provenance

    with _without_environment_report():
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


def data_plan(specs, req, data: Path | None):
    """Where each task's data comes from (`podium.eval.data.origins`): hub, data folder or private files."""
    from podium.eval.data.origins import DataPlan
    from podium.settings import current

    return DataPlan.for_run(specs, req.data_sources, data, current())


def run_groups(specs) -> list[tuple[str, int | None, list]]:
    """Specs that read the same lm-eval run (e.g. acc and acc_norm of one task) share it."""
    groups: dict[tuple[str, int | None], list] = {}
    for spec in specs:
        groups.setdefault((spec.lm_eval_task, spec.num_fewshot), []).append(spec)
    return [(name, shots, members) for (name, shots), members in groups.items()]


def contamination(lm, name: str, req, manager, timings: dict):
    """The task's contamination signal when the run asked for it (`--contamination`), timed apart."""
    if not req.contamination:
        return None
    from podium.eval.contamination_check import check

    started = time.monotonic()
    signal = check(lm, name, manager)
    timings[f"{name}:contamination"] = round(time.monotonic() - started, 3)
    return signal


def _merge_lm_eval(block: dict, out: dict) -> None:
    for key in LM_EVAL_KEYS:
        if key in out:
            block.setdefault(key, {}).update(out[key])


class LmEvalKind(SuiteKind):
    name = "lm-eval"

    def needs_hub(self, specs, request, data: Path | None) -> bool:
        return data_plan(specs, request, data).needs_hub

    def run(self, job: KindRun) -> KindOutput:
        from podium.eval.details import write_details
        from podium.eval.outcomes import run_task
        from podium.eval.progress import Progress
        from podium.eval.scoring import missing_score, score_task
        from podium.eval.uncertainty import with_uncertainty

        req, data = job.request, job.data
        runs = run_groups(job.specs)
        progress = Progress(job.output / "progress.json", task_count=len(runs))
        progress.update()
        from podium.engine import hardware

        started = time.monotonic()
        lm = build_lm(req, job.ref, job.run_device)
        hardware.observe(lm)
        loaded = round(time.monotonic() - started, 3)
        manager = task_manager()
        plan = data_plan(job.specs, req, data)
        lm_eval_block: dict = {}
        scores, details, timings, outcomes = {}, {}, {}, {}
        for index, (name, shots, members) in enumerate(runs):
            progress.update(task_index=index, task=name, docs_done=0, docs_total=None)
            started = time.monotonic()
            try:
                with plan.serving(members):
                    out = evaluate_task(lm, name, shots, req, manager)
                    signal = contamination(lm, name, req, manager, timings)
            except DataMissingError as err:
                for spec in members:
                    scores[spec.key] = missing_score(spec, "unavailable", err.render(), err.kind)
                continue
            except (MemoryError, RuntimeError) as err:
                if isinstance(err, MemoryError) or "out of memory" in str(err).lower():
                    raise OutOfMemoryError(f"Ran out of memory during task '{name}'.",
                                           hint="Try a smaller --batch-size or dtype.") from None
                raise
            timings[name] = round(time.monotonic() - started - timings.get(f"{name}:contamination", 0.0), 3)
            _merge_lm_eval(lm_eval_block, out)
            for spec in members:
                scores[spec.key] = replace(score_task(spec, out), contamination=signal)
                if (task := run_task(spec, out)) is not None:  # kept for the error bars, private tasks too
                    outcomes[spec.key] = task
            if not any(spec.private for spec in members):  # a private task's samples never leave the run
                details.update(write_details(out.get("samples", {}), job.output / "details"))
            n_docs = sum(scores[m.key].n_samples for m in members)
            progress.update(task_index=index + 1, docs_done=n_docs, docs_total=n_docs)
            if job.on_task_done:
                job.on_task_done(index, len(runs), name, [scores[m.key] for m in members])
        timings["model_load"] = loaded
        if (runner := getattr(lm, "runner", None)) is not None:  # the podium backend: time inside the model itself
            timings["model_forward"] = round(runner.stats.seconds, 3)
        tasks, average_uncertainty = with_uncertainty({spec.key: scores[spec.key] for spec in job.specs}, outcomes)
        return KindOutput(
            tasks=tasks, average_uncertainty=average_uncertainty,
            data_files={}, data=plan.block(),
            lm_eval=lm_eval_block, details={task: f"details/{fname}" for task, fname in details.items()},
            timings=timings, hardware=hardware.describe(lm, job.run_device, req.batch_size),
        )


LM_EVAL = LmEvalKind()
