"""What a run ran on, for the result's provenance: device, GPUs, dtype, batch size, peak GPU memory.

`describe(lm, run_device)` works for every backend: the `podium` engine reports its
resolved batch plan and per-GPU peaks; for lm-eval's `hf`, `observe(lm)` records the batch
sizes its own "auto" detection picks (lm-eval keeps them in locals), without changing
what it does; the `vllm` backend reports both of its sides.
"""

from __future__ import annotations

import contextlib
import functools
import os
import platform

import torch

from podium.engine.memory import cuda_peaks


def cpu_model() -> str:
    with contextlib.suppress(OSError):  # no /proc (macOS, containers without it): the platform's own name
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def gpu_indices(run_device) -> list[int]:
    if not run_device.on_cuda:
        return []
    first = int(run_device.device.split(":", 1)[1]) if ":" in run_device.device else 0
    return list(range(first, first + max(1, run_device.gpus)))


def observe(lm) -> None:
    """Record the batch sizes lm-eval's `hf` auto detection chooses (on `lm.detected_batch_sizes`)."""
    detect = getattr(lm, "_detect_batch_size", None)
    if detect is None or hasattr(lm, "detected_batch_sizes"):
        return
    lm.detected_batch_sizes = []

    @functools.wraps(detect)
    def recording(*args, **kwargs):
        size = detect(*args, **kwargs)
        lm.detected_batch_sizes.append(int(size))
        return size

    lm._detect_batch_size = recording


def resolved_batch(lm, requested) -> object:
    """The batch settings actually used: the engine's plan, `hf`'s detected sizes, or the integer."""
    if lm is None:
        return None
    if hasattr(lm, "describe_batch"):
        return lm.describe_batch()
    if requested == "auto" or str(requested).startswith("auto"):
        sizes = sorted(set(getattr(lm, "detected_batch_sizes", [])))
        return {"detected": sizes} if sizes else {"detected": "none (no batched request ran)"}
    return requested


def peak_gpu_mb(lm, indices: list[int]) -> list[float] | None:
    if not indices:
        return None
    now = cuda_peaks()
    engine = getattr(lm, "cuda_peaks", None) or []
    peaks = [max(now[i] if i < len(now) else 0, engine[i] if i < len(engine) else 0) for i in indices]
    return [round(p / 2**20, 1) for p in peaks]


def model_dtype(lm) -> str | None:
    model = getattr(lm, "model", None)
    dtype = getattr(model, "dtype", None)
    return str(dtype).removeprefix("torch.") if dtype is not None else None


def describe(lm, run_device, batch_size) -> dict:
    """The `hardware` block of a result."""
    indices = gpu_indices(run_device)
    model = getattr(lm, "model", None)
    device_map = getattr(model, "hf_device_map", None) or {}
    placed = sorted({str(d) for d in device_map.values()})
    return {
        "device": run_device.device,
        "device_kind": "cuda" if run_device.on_cuda else "cpu",
        "gpu_count": len(indices),
        "gpu_models": [torch.cuda.get_device_name(i) for i in indices],
        "visible_gpus": torch.cuda.device_count() if torch.cuda.is_available() else 0,
        "cuda_version": torch.version.cuda,
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "dtype": run_device.dtype,
        "model_dtype": model_dtype(lm),
        "requested": run_device.requested,
        "placement": {"devices": placed, "modules": len(device_map)} if len(placed) > 1 else None,
        "batch_size": {"requested": batch_size, "resolved": resolved_batch(lm, batch_size)},
        "peak_gpu_memory_mb": peak_gpu_mb(lm, indices),
    }
