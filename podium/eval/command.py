"""The `podium eval` command line for a model on the platform: what the worker runs and what
an entry page offers to reproduce, built in one place so the two never drift apart.

A hub model is pinned by `--revision` (local copies are identified by their content hash,
which the result records); a precision that is a dtype becomes `--dtype`; a quantized one
becomes `--quantization` with its compute dtype, so it is never run in another precision.
Adapter and Delta weights name their pinned base. A reproduce line also names what the run
recorded: device, batch size, data folder and generation overrides.
"""

from __future__ import annotations

from dataclasses import dataclass

from podium.modelref.precision import QUANTIZED, QUANTIZED_COMPUTE_DTYPE, dtype_for


@dataclass(frozen=True)
class EvalCommand:
    model: str
    """How the command names the model: an id (mirror or hub) or a folder."""
    source: str
    suite: str
    revision: str | None = None
    precision: str | None = None
    chat_template: bool = False
    limit: float | None = None
    backend: str | None = None
    extra: tuple[str, ...] = ()
    """The suite kind's own arguments (the tracing kind: `--trace-base`)."""
    weight_type: str | None = "Original"
    """Original, Adapter or Delta (the latter two are applied to `base_model` at load time)."""
    base_model: str | None = None
    base_revision: str | None = None
    device: str | None = None
    gpus: int = 1
    """GPUs the model is split over (`--gpus`; the job's GPU count where the worker has GPUs)."""
    batch_size: int | str | None = None
    data_dir: str | None = None
    """The offline data folder (the entry page shows it to the public as a label)."""
    gen_kwargs: tuple[tuple[str, object], ...] = ()
    """Generation overrides a run was given (off the leaderboard's protocol, so shown when used)."""

    def args(self, output: str) -> list[str]:
        """The arguments after `podium eval`."""
        cmd = ["--model", self.model, "--suite", self.suite, "--output", str(output)]
        if self.source == "hub" and self.revision:
            cmd += ["--revision", self.revision]
        if self.precision in QUANTIZED:
            cmd += ["--quantization", self.precision, "--dtype", QUANTIZED_COMPUTE_DTYPE]
        dtype = dtype_for(self.precision or "")
        if dtype:
            cmd += ["--dtype", dtype]
        if self.weight_type and self.weight_type != "Original":
            cmd += ["--weights", self.weight_type.lower(), "--base-model", str(self.base_model)]
            if self.base_revision:
                cmd += ["--base-revision", self.base_revision]
        if self.chat_template:
            cmd.append("--chat-template")
        if self.limit:
            cmd += ["--limit", str(self.limit)]
        if self.backend:
            cmd += ["--backend", self.backend]
        if self.device:
            cmd += ["--device", self.device]
        if self.gpus > 1:
            cmd += ["--gpus", str(self.gpus)]
        if self.batch_size is not None:
            cmd += ["--batch-size", str(self.batch_size)]
        if self.data_dir:
            cmd += ["--data-dir", self.data_dir]
        if self.gen_kwargs:
            cmd += ["--gen-kwargs", ",".join(f"{k}={v}" for k, v in self.gen_kwargs)]
        cmd += list(self.extra)
        return cmd
