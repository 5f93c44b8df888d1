"""The one place the `podium` backend loads weights, so that other weight kinds extend one function.

`load_causal_lm` loads a stock `AutoModelForCausalLM` (never `trust_remote_code`) in the
run's dtype, either on one device or over several GPUs with an explicit device map
(`placement.plan_device_map`). Adapters, delta weights or quantized checkpoints are
added here, so the engine above never needs to know how the weights were made.
"""

from __future__ import annotations

import torch
import transformers
from lm_eval.models.utils_hf import get_dtype


def load_causal_lm(
    pretrained: str,
    *,
    revision: str | None,
    subfolder: str,
    dtype: str | torch.dtype | None,
    device: torch.device,
    device_map: dict | None = None,
    **model_kwargs,
):
    """The model on `device`, or spread as `device_map` says (a split model: accelerate's hooks)."""
    return transformers.AutoModelForCausalLM.from_pretrained(
        pretrained,
        revision=revision,
        dtype=get_dtype(dtype),
        trust_remote_code=False,
        subfolder=subfolder,
        device_map=device_map if device_map is not None else {"": str(device)},
        **model_kwargs,
    )
