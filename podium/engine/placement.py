"""Models larger than one GPU: pipeline placement over N GPUs, planned once for both backends.

The plan is what `from_pretrained(device_map="auto", max_memory=...)` computes
(transformers' own `get_balanced_memory` + `infer_auto_device_map`, on a meta copy of the
model built from its config), restricted to the first N GPUs and never spilling to the
CPU or disk: a model that does not fit is refused with the sizes, not silently
offloaded. The same explicit map is passed to `hf` (`parallelize=True, device_map=...`,
lm-eval's own path) and to `podium` (`loading.load_causal_lm`), so both backends run the
same layers on the same GPUs.

On a split model accelerate's hooks move each block's inputs to its GPU; the top-level
hook brings the outputs back to the device of `input_ids`, so the engine feeds inputs on
the first layer's device (`input_device`) and reads logits there. Each KV-cache layer is
allocated on the device of its attention layer (`kvcache.BufferLayer` takes the device of
the keys it is given), so packs and caches follow the layers.
"""

from __future__ import annotations

import torch

from podium.errors import OutOfMemoryError

# Share of each GPU's free memory the weights may take; the rest is for activations and KV.
WEIGHT_SHARE = 0.8


def free_gpu_memory(gpus: int) -> dict[int, int]:
    """Free bytes of GPUs 0..gpus-1, as `max_memory` for the planner."""
    return {i: int(torch.cuda.mem_get_info(i)[0] * WEIGHT_SHARE) for i in range(gpus)}


def meta_model(config, dtype: str):
    """A weightless copy of the model (on the meta device) for planning."""
    import transformers
    from accelerate import init_empty_weights

    with init_empty_weights():
        model = transformers.AutoModelForCausalLM.from_config(config, dtype=getattr(torch, dtype),
                                                              trust_remote_code=False)
    model.tie_weights()
    return model


def plan_device_map(config, dtype: str, gpus: int, max_memory: dict[int, int | str] | None = None) -> dict[str, int]:
    """{module name: GPU index} spreading the model over GPUs 0..gpus-1 (balanced, as `device_map="auto"`)."""
    from transformers.integrations.accelerate import compute_module_sizes, get_balanced_memory, infer_auto_device_map

    budget = dict(max_memory) if max_memory is not None else free_gpu_memory(gpus)
    budget = {k: v for k, v in budget.items() if isinstance(k, int) and k < gpus}
    if sorted(budget) != list(range(gpus)):
        raise ValueError(f"max_memory must give GPUs 0..{gpus - 1}, got {sorted(budget)}")
    model = meta_model(config, dtype)
    no_split = model._no_split_modules
    balanced = get_balanced_memory(model, max_memory=dict(budget), no_split_module_classes=no_split)
    plan = infer_auto_device_map(model, max_memory=balanced, no_split_module_classes=no_split)
    spilled = [name for name, dev in plan.items() if not isinstance(dev, int)]
    if spilled:
        size = compute_module_sizes(model)[0][""]
        total = sum(int(v) if not isinstance(v, str) else _bytes(v) for v in budget.values())
        raise OutOfMemoryError(
            f"The model ({size / 2**30:.1f} GiB in {dtype}) does not fit in {gpus} GPU(s) "
            f"({total / 2**30:.1f} GiB for weights); {len(spilled)} module(s) would be offloaded to "
            f"{', '.join(sorted({str(plan[n]) for n in spilled}))}, which Podium does not do.",
            hint="Give the job more GPUs (--gpus), use a GPU with more memory, or a smaller dtype.",
        )
    return dict(plan)


def _bytes(text: str) -> int:
    from accelerate.utils import convert_file_size_to_int

    return convert_file_size_to_int(text)


def model_args(run_device, load_path: str, revision: str | None = None) -> dict:
    """Backend model_args for a run: nothing for one device; `parallelize` + an explicit plan for N GPUs."""
    if run_device.gpus <= 1:
        return {}
    import transformers

    kwargs = {"revision": revision} if revision else {}
    config = transformers.AutoConfig.from_pretrained(load_path, trust_remote_code=False, **kwargs)
    return {"parallelize": True, "device_map": plan_device_map(config, run_device.dtype, run_device.gpus)}


def input_device(model) -> torch.device:
    """Where a model wants its `input_ids`: the device of its input embeddings."""
    embeddings = model.get_input_embeddings() if hasattr(model, "get_input_embeddings") else None
    weight = getattr(embeddings, "weight", None)
    return weight.device if weight is not None else next(model.parameters()).device


def is_split(model) -> bool:
    devices = {str(d) for d in (getattr(model, "hf_device_map", None) or {}).values()}
    return len(devices) > 1


def keep_selection_on_host(model) -> None:
    """Let `logits_to_keep` reach the model unmoved on a split model.

    The top-level accelerate hook moves every tensor argument to the first GPU, but the
    selection is applied to the hidden states on the last GPU, and a GPU tensor cannot be
    indexed by a mask on another GPU. A CPU mask indexes a tensor on any device, so the
    engine passes it on the CPU and the hook is told to leave it alone."""
    top = getattr(model, "_hf_hook", None)
    for hook in getattr(top, "hooks", [top] if top is not None else []):
        if not hasattr(hook, "skip_keys"):
            continue
        skip = [hook.skip_keys] if isinstance(hook.skip_keys, str) else list(hook.skip_keys or [])
        if "logits_to_keep" not in skip:
            hook.skip_keys = [*skip, "logits_to_keep"]
