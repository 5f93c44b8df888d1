"""What a job needs from a worker, and whether a worker has it. Pure functions, no database.

A job's GPU count is fixed at submission: weights (parameters x bytes per parameter of the
precision) times `memory_overhead` (KV cache, activations), over the memory of one GPU
(`gpu_memory_gb`), rounded up. Quantized precisions run on CUDA only, through a library the
worker must have (`podium.engine.quantization`); full precisions run on any worker, and a
CPU worker runs them in its RAM, so for it the GPU count does not apply.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from podium.platform.vocab import QUANTIZED_PRECISIONS

BYTES_PER_PARAMETER = {"float32": 4.0, "float16": 2.0, "bfloat16": 2.0, "8bit": 1.0, "4bit": 0.5, "gptq": 0.5}


@dataclass(frozen=True)
class Needs:
    precision: str
    gpus: int

    @property
    def cuda(self) -> bool:
        return self.precision in QUANTIZED_PRECISIONS


@dataclass(frozen=True)
class Capabilities:
    """What one worker can run: its device kind, GPUs of one host, and quantization libraries."""

    device_kind: str  # "cpu" | "cuda"
    gpu_count: int = 0
    gpu_memory_gb: float | None = None
    gpu_name: str | None = None
    quantization: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.device_kind == "cpu":
            return "CPU only"
        quant = f", quantization: {', '.join(self.quantization)}" if self.quantization else ", no quantization"
        return f"{self.gpu_count} x {self.gpu_name or 'GPU'} ({self.gpu_memory_gb or 0:.0f} GB each){quant}"


def gpus_needed(params_billion: float | None, precision: str, gpu_memory_gb: float, overhead: float) -> int:
    """GPUs of one host that hold the weights plus the overhead (at least 1)."""
    if not params_billion:
        return 1
    gigabytes = params_billion * BYTES_PER_PARAMETER[precision] * overhead
    return max(1, math.ceil(gigabytes / gpu_memory_gb))


def cannot_run(caps: Capabilities, needs: Needs) -> str | None:
    """None when the worker can run the job, else why not (one clause)."""
    if caps.device_kind != "cuda":
        return f"{needs.precision} runs on CUDA GPUs only" if needs.cuda else None
    if needs.cuda and needs.precision not in caps.quantization:
        return f"{needs.precision} needs a library the GPU worker lacks"
    if caps.gpu_count < needs.gpus:
        return f"the job needs {needs.gpus} GPUs, the worker has {caps.gpu_count}"
    return None
