"""Quantized weights: what this machine can run, and how transformers is asked to load them.

8bit/4bit quantize full-precision weights at load time with `bitsandbytes`; GPTQ and AWQ
models arrive quantized (their config's `quantization_config`) and load through the
transformers integration, which needs `gptqmodel` (GPTQ also `optimum`). All of them run on
CUDA only here: a quantized job is never run in another precision, it is refused with the
reason. The libraries are looked up without importing them (they pull CUDA code), so this
module is cheap to use on a CPU-only machine.
"""

from __future__ import annotations

import importlib.util

QUANTIZATIONS = ("8bit", "4bit", "gptq", "awq")
AT_LOAD_TIME = ("8bit", "4bit")  # bitsandbytes quantizes full-precision weights while loading
PREQUANTIZED = ("gptq", "awq")  # the weights are already quantized; the config says how
PACKAGES = {"8bit": ("bitsandbytes",), "4bit": ("bitsandbytes",), "gptq": ("gptqmodel", "optimum"),
            "awq": ("gptqmodel",)}


class QuantizationUnavailable(RuntimeError):
    """This machine cannot run the asked quantization; the message says why and what would."""


def _installed(package: str) -> bool:
    return importlib.util.find_spec(package) is not None


def cuda_devices() -> int:
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def unavailable_reason(method: str, *, device_type: str | None = None) -> str | None:
    """None when `method` can run here (on `device_type`, default: CUDA if present), else why not."""
    if method not in QUANTIZATIONS:
        return f"unknown quantization {method!r} (known: {', '.join(QUANTIZATIONS)})"
    if device_type == "cpu" or cuda_devices() == 0:
        where = "was asked to run on the CPU" if device_type == "cpu" else "has no CUDA device"
        return f"{method} weights run on CUDA GPUs only, and this evaluation {where}"
    missing = [p for p in PACKAGES[method] if not _installed(p)]
    if missing:
        return (f"{method} weights need {' and '.join(missing)}, which is not installed on this machine "
                f"(pip install {' '.join(missing)} on a CUDA host)")
    return None


def supported() -> tuple[str, ...]:
    """The quantizations this machine can run (what a worker advertises)."""
    return tuple(m for m in QUANTIZATIONS if unavailable_reason(m) is None)


def require(method: str, device: str | None) -> None:
    device_type = None if device in (None, "", "auto") else str(device).split(":")[0]
    reason = unavailable_reason(method, device_type=device_type)
    if reason:
        raise QuantizationUnavailable(reason[0].upper() + reason[1:] + ".")


def config_method(config: dict) -> str | None:
    """The quantization a model's config.json declares ('gptq', 'awq', ...), lower-cased."""
    method = (config.get("quantization_config") or {}).get("quant_method")
    return str(method).lower() if method else None


def load_kwargs(method: str | None, compute_dtype: str) -> dict:
    """Extra `from_pretrained` arguments: a BitsAndBytesConfig for 8bit/4bit (with the evaluation
    dtype as the compute dtype), nothing for GPTQ/AWQ (their config carries it) or full precision."""
    if method not in AT_LOAD_TIME:
        return {}
    import torch
    from transformers import BitsAndBytesConfig

    if method == "8bit":
        return {"quantization_config": BitsAndBytesConfig(load_in_8bit=True)}
    return {"quantization_config": BitsAndBytesConfig(load_in_4bit=True,
                                                      bnb_4bit_compute_dtype=getattr(torch, compute_dtype))}
