"""Where a run computes and in which dtype, decided once before the model loads.

`--device auto` (the default) is CUDA when a GPU is visible, else the CPU. `--dtype auto`
is float32 on the CPU (bfloat16 on the CPU only when asked for) and, on a GPU, the
checkpoint's own dtype when it is float16 or bfloat16 (float32 otherwise). The worker
always passes the submission's precision explicitly. An explicit dtype is honoured or
refused with the reason, never replaced by another: bfloat16 on a GPU without bfloat16
support is refused. `--gpus N` splits the model over the first N visible GPUs
(`placement.py`); it needs CUDA and at least N visible GPUs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from podium.errors import UsageError

DTYPES = ("auto", "float32", "bfloat16", "float16")


@dataclass(frozen=True)
class RunDevice:
    """The resolved device, dtype and GPU count of one run, with what was asked for."""

    device: str
    """"cpu", "cuda" or "cuda:N": where inputs go (the first GPU of a split model)."""
    dtype: str
    gpus: int
    """GPUs the model is placed on: 0 on the CPU, 1 for one GPU, N for a split model."""
    requested: dict = field(default_factory=dict)

    @property
    def on_cuda(self) -> bool:
        return self.device.startswith("cuda")


def cuda_count() -> int:
    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def bf16_supported() -> bool:
    return bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported())


def checkpoint_dtype(load_path: str, revision: str | None = None) -> str | None:
    """The dtype the checkpoint declares in its config (`dtype` / `torch_dtype`), if any."""
    from transformers import AutoConfig

    kwargs = {"revision": revision} if revision else {}
    config = AutoConfig.from_pretrained(load_path, trust_remote_code=False, **kwargs)
    declared = getattr(config, "dtype", None) or getattr(config, "torch_dtype", None)
    if declared is None:
        return None
    return str(declared).removeprefix("torch.")


def resolve(
    device: str,
    dtype: str,
    gpus: int = 1,
    *,
    checkpoint: Callable[[], str | None] = lambda: None,
    visible_gpus: int | None = None,
    bf16: bool | None = None,
) -> RunDevice:
    """Apply the rules above. `visible_gpus` and `bf16` default to what torch reports (tests pass them)."""
    visible = cuda_count() if visible_gpus is None else visible_gpus
    requested = {"device": device, "dtype": dtype, "gpus": gpus}
    if dtype not in DTYPES:
        raise UsageError(f"Unknown dtype '{dtype}'.", hint=f"Choose among: {', '.join(DTYPES)}.")
    if not isinstance(gpus, int) or gpus < 1:
        raise UsageError(f"--gpus must be a positive whole number, got {gpus!r}.")
    kind = _device_kind(device, visible)
    if kind == "cpu":
        if gpus > 1:
            raise UsageError(f"--gpus {gpus} needs CUDA, but the run is on the CPU.",
                             hint="Use --device cuda on a host with that many GPUs, or drop --gpus.")
        return RunDevice("cpu", "float32" if dtype == "auto" else dtype, 0, requested)
    index = int(device.split(":", 1)[1]) if ":" in device else 0
    if index + gpus > visible:
        raise UsageError(
            f"The run asks for {gpus} GPU(s) from cuda:{index}, but only {visible} GPU(s) are visible.",
            hint="Run on a host (or worker) with enough GPUs, or lower --gpus.",
        )
    if gpus > 1 and index != 0:
        raise UsageError("A model split over several GPUs starts at cuda:0; pass --device cuda.",
                         hint="Select the GPUs with CUDA_VISIBLE_DEVICES instead.")
    resolved = dtype if dtype != "auto" else _gpu_default_dtype(checkpoint())
    supports_bf16 = bf16_supported() if bf16 is None else bf16
    if resolved == "bfloat16" and not supports_bf16:
        name = torch.cuda.get_device_name(index) if torch.cuda.is_available() else "this GPU"
        raise UsageError(
            f"bfloat16 was {'asked for' if dtype != 'auto' else 'chosen (the checkpoint dtype)'}, but {name} "
            "does not support bfloat16; no other dtype is substituted.",
            hint="Pass --dtype float16 or --dtype float32 explicitly, or run on a GPU with bfloat16 support.",
        )
    return RunDevice(device if device != "auto" else "cuda", resolved, gpus, requested)


def _device_kind(device: str, visible: int) -> str:
    if device == "auto":
        return "cuda" if visible else "cpu"
    if device == "cpu":
        return "cpu"
    if device == "cuda" or (device.startswith("cuda:") and device[5:].isdigit()):
        if not visible:
            raise UsageError(f"--device {device} was asked for, but no CUDA GPU is visible "
                             "(or this torch build has no CUDA).",
                             hint="Use --device auto or cpu, or install torch's CUDA build (see README).")
        return "cuda"
    raise UsageError(f"Unknown device '{device}'.", hint="Choose among: auto, cpu, cuda, cuda:N.")


def _gpu_default_dtype(declared: str | None) -> str:
    return declared if declared in ("float16", "bfloat16") else "float32"
