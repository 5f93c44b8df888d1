"""Operator settings of the platform: size caps, quotas, opt-outs, retries, power figures.

Read from a YAML file (PODIUM_PLATFORM_CONFIG, else `<PODIUM_HOME>/platform.yaml` when it
exists) over the defaults below; unknown keys are refused so a typo never silently keeps a
default; a partial table (`max_attempts: {timeout: 1}`) updates the default table. Example:

    quota_per_org: 10
    opt_out: [some-org, other-org/one-model]
    size_caps_billion: {bfloat16: 70}
    eval_extra_args: [--device, cuda, --batch-size, "8"]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from podium.errors import UsageError
from podium.eval.suites import DEFAULT_SUITE
from podium.platform.vocab import INFRASTRUCTURE_ERRORS
from podium.settings import EnvSettings, current


class Settings(BaseModel):
    """Everything an operator may tune. Defaults suit a single-GPU deployment."""

    model_config = ConfigDict(extra="forbid")

    # Submission rules.
    size_caps_billion: dict[str, float] = Field(
        default_factory=lambda: {
            "float32": 35.0, "float16": 100.0, "bfloat16": 100.0, "8bit": 140.0, "4bit": 280.0, "gptq": 280.0,
        },
        description="Largest parameter count (billions) accepted per precision.",
    )
    accepted_precisions: list[str] = Field(
        default_factory=lambda: ["float32", "float16", "bfloat16"],
        description="Precisions this deployment accepts; quantized ones also need a registered GPU worker that "
        "advertises them.",
    )
    quota_per_org: int = Field(5, description="Submissions per model organisation within quota_window_days "
                               "(official providers' models and operators' submissions are exempt).")
    quota_window_days: float = 7.0
    opt_out: list[str] = Field(
        default_factory=list,
        description="Organisations (`org`) or models (`org/name`) whose owners asked not to be evaluated.",
    )
    allow_pickle: bool = Field(False, description="Accept pickle-only weights (.bin/.pt); unsafe to load.")
    min_card_chars: int = 200
    default_suite: str = DEFAULT_SUITE

    # Queue and worker.
    lease_seconds: float = Field(30.0, description="A running job whose lease is this old goes back to pending.")
    heartbeat_seconds: float = 10.0
    poll_seconds: float = 2.0
    time_limit_seconds: float = Field(6 * 3600.0, description="Wall-clock budget of one evaluation attempt.")
    kill_grace_seconds: float = Field(10.0, description="Between SIGTERM and SIGKILL when a run is stopped.")
    max_attempts: dict[str, int] = Field(
        default_factory=lambda: {**{c: 3 for c in INFRASTRUCTURE_ERRORS}, "model_error": 2, "timeout": 2, "default": 1},
        description="Attempts per error class before a job fails: infrastructure failures 3; an unexpected "
        "exception (model_error) or a timeout, which a busy or flaky host can cause, 2; `default` covers the "
        "deterministic classes the evaluator reports (model_load, data_missing, chat_template, model_changed, "
        "...), which fail the same way again and are not retried.",
    )
    eval_command: list[str] = Field(
        default_factory=lambda: [sys.executable, "-m", "podium.cli.main", "eval"],
        description="The evaluation command; the worker appends --model, --suite, --output, ...",
    )
    eval_limit: int | None = Field(None, description="Passed as --limit (documents per task) when set.")
    eval_extra_args: list[str] = Field(
        default_factory=list, description="Appended to every evaluation, e.g. [--device, cuda, --batch-size, '8']; "
        "[--contamination] adds each task's contamination signal to its score (README)."
    )
    log_tail_lines: int = 40

    # The Ray executor (`podium worker --executor ray`, podium.platform.executors.ray).
    ray_lease_seconds: float = Field(
        600.0, gt=0, description="Lease of an attempt running on Ray, renewed by every dispatcher that sees its Ray "
        "job alive: a dispatcher may restart within it and adopt the job; past it the job goes back to pending and "
        "its Ray job is stopped.")
    ray_submit_grace_seconds: float = Field(
        60.0, gt=0, description="A claimed Ray attempt whose Ray job has not appeared after this is requeued (its "
        "dispatcher stopped between claim and submission).")
    ray_job_prefix: str = Field(
        "podium", pattern=r"^[a-z0-9]{1,40}$", description="Ray job ids are `<prefix>-job-<id>-attempt-<n>`; "
        "deployments sharing one Ray cluster need different prefixes.")

    # Model tracing (podium.tracing).
    trace_base: str | None = Field(
        None, description="Base model of the `trace` suite's match test; unset: PODIUM_TRACE_BASE, else GPT-2 "
        "(`podium.settings.trace_base`).")
    provenance_check: bool = Field(
        True, description="After an evaluation of full weights that declare a base model, test the claim with "
        "model tracing; a mismatch (or a base that cannot be compared) flags the model for an operator to review.")
    provenance_time_limit_seconds: float = Field(3600.0, description="Wall-clock budget of one provenance check.")
    trace_command: list[str] = Field(
        default_factory=lambda: [sys.executable, "-m", "podium.cli.main", "trace"],
        description="The tracing command the provenance check runs (`--check --json FILE` appended).",
    )

    # Hardware: a job's GPU count = ceil(params x bytes per parameter x memory_overhead / gpu_memory_gb).
    gpu_memory_gb: float = Field(80.0, gt=0, description="Memory of one GPU of this deployment's workers (H100: 80).")
    memory_overhead: float = Field(
        1.2, ge=1.0, description="Memory a job needs per byte of weights (KV cache, activations, packs).")
    worker_seen_seconds: float = Field(
        24 * 3600.0, description="Workers seen within this time are the deployment's: a submission none of them "
        "can run (quantized without a capable GPU worker, more GPUs than any holds) is refused.")

    # Footprint shown on the leaderboard: GPU-hours = wall hours x the job's GPUs;
    # CO2 kg = GPU-hours x gpu_power_kw x carbon_g_per_kwh / 1000.
    gpu_power_kw: float = Field(0.7, description="Board power of one GPU at load (H100 SXM: 700 W).")
    carbon_g_per_kwh: float = Field(
        269.8, description="Grid carbon intensity; 269.8 is the figure the Open LLM Leaderboard used."
    )

    @model_validator(mode="before")
    @classmethod
    def _merge_tables(cls, values):
        """A partial table (`max_attempts: {timeout: 1}`) updates the defaults instead of replacing them."""
        for name in ("size_caps_billion", "max_attempts"):
            if isinstance(values, dict) and isinstance(values.get(name), dict):
                values = {**values, name: {**cls.model_fields[name].default_factory(), **values[name]}}
        return values

    def attempts_for(self, error_class: str) -> int:
        return self.max_attempts.get(error_class, self.max_attempts.get("default", 2))


def load_settings(path: str | os.PathLike | None = None, *, env: EnvSettings | None = None, **overrides) -> Settings:
    """Defaults, then the operator's file (`path`, else the one the environment names), then
    explicit overrides (CLI flags, tests)."""
    path = Path(path) if path else (env or current()).platform_config_file()
    values: dict = {}
    if path is not None:
        if not path.exists():
            raise UsageError(f"The platform settings file {path} does not exist.")
        values = yaml.safe_load(path.read_text()) or {}
        if not isinstance(values, dict):
            raise UsageError(f"The platform settings file {path} must hold a mapping of setting: value.")
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings(**values)
    except ValidationError as err:
        raise UsageError(f"Invalid platform settings ({path or 'defaults'}): {err}") from err
