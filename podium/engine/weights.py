"""Adapter and delta weights: turn "base + something" into a plain model folder.

Both backends (and tracing) load an ordinary transformers folder, so the overlay is applied
once, before loading, and the merged weights are written where the evaluation reads them:

- **Adapter**: a PEFT adapter (LoRA and the other types `peft` loads) is applied to the base
  in float32 and merged with `merge_and_unload()`.
- **Delta**: every base tensor plus the delta's tensor of the same name, in float32, shard by
  shard (one tensor in memory at a time); names and shapes must match exactly.

The merged tensors are then stored in the evaluation's dtype (rounding the float32 sum once,
as loading a float32 folder in that dtype would). Config, generation config and tokenizer
come from the base; an adapter that ships its own tokenizer files overrides the tokenizer.
`check_adapter` and `check_delta` find bad input without loading any weights of the base.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

ADAPTER_CONFIG = "adapter_config.json"
ADAPTER_WEIGHTS = ("adapter_model.safetensors", "adapter_model.bin")
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".ckpt")
WEIGHT_INDEXES = ("model.safetensors.index.json", "pytorch_model.bin.index.json")
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.json", "merges.txt",
                   "tokenizer.model", "added_tokens.json", "chat_template.jinja", "chat_template.json")
SKIPPED = ("README.md", "LICENSE", ADAPTER_CONFIG)
SHOWN_NAMES = 3

Shapes = dict[str, list[int]]  # tensor name -> shape


class WeightsError(ValueError):
    """Adapter or delta weights that cannot be applied to the base; the message says why."""


# -- adapters ----------------------------------------------------------------------------------
def adapter_config(folder: Path) -> dict:
    """The adapter's `adapter_config.json`, or WeightsError when it is not a PEFT adapter."""
    path = Path(folder) / ADAPTER_CONFIG
    try:
        config = json.loads(path.read_text())
    except FileNotFoundError:
        raise WeightsError(f"{folder} is not a PEFT adapter: it has no {ADAPTER_CONFIG}.") from None
    except (OSError, ValueError) as err:
        raise WeightsError(f"The adapter's {ADAPTER_CONFIG} cannot be read ({err}).") from None
    if not isinstance(config, dict) or not config.get("peft_type"):
        raise WeightsError(f"The adapter's {ADAPTER_CONFIG} names no peft_type, so peft cannot load it.")
    return config


def _names(names, what: str) -> str:
    names = sorted(names)
    more = f" and {len(names) - SHOWN_NAMES} more" if len(names) > SHOWN_NAMES else ""
    return f"{what} {', '.join(names[:SHOWN_NAMES])}{more}"


def _attach(model, adapter_dir: Path, *, meta: bool):
    """PeftModel over `model`; WeightsError when the adapter's modules, tensors or shapes do not fit."""
    from peft import PeftModel
    from peft.utils import get_peft_model_state_dict
    from safetensors import safe_open

    try:
        peft_model = PeftModel.from_pretrained(model, str(adapter_dir), low_cpu_mem_usage=meta, is_trainable=False)
    except (RuntimeError, ValueError, KeyError) as err:  # peft: missing target modules; torch: size mismatch
        lines = [line.strip() for line in str(err).splitlines() if line.strip()]
        detail = "; ".join(lines[:3]) if lines else type(err).__name__
        raise WeightsError(f"The adapter does not fit the base model: {detail}") from None
    weights = Path(adapter_dir) / ADAPTER_WEIGHTS[0]
    if weights.exists():
        with safe_open(str(weights), framework="pt") as f:
            stored = set(f.keys())
        expected = set(get_peft_model_state_dict(peft_model).keys())
        if stored - expected:
            raise WeightsError("The adapter does not fit the base model: "
                               + _names(stored - expected, "the base has no module for adapter tensors") + ".")
    return peft_model


def check_adapter(base_dir: Path, adapter_dir: Path) -> str:
    """Apply the adapter to the base's architecture on the meta device (no weights loaded):
    missing target modules, extra tensors and shape mismatches raise WeightsError. Returns the peft type."""
    import torch
    import transformers

    peft_type = adapter_config(adapter_dir)["peft_type"]
    config = transformers.AutoConfig.from_pretrained(str(base_dir), trust_remote_code=False)
    with torch.device("meta"):
        model = transformers.AutoModelForCausalLM.from_config(config, trust_remote_code=False)
    _attach(model, Path(adapter_dir), meta=True)
    return peft_type


def merge_adapter(base_dir: Path, adapter_dir: Path, out: Path, dtype: str) -> dict:
    """Base + adapter merged in float32, saved as a plain folder in `dtype`; returns what was merged."""
    import torch
    import transformers

    config = adapter_config(adapter_dir)
    base = transformers.AutoModelForCausalLM.from_pretrained(str(base_dir), dtype=torch.float32,
                                                             trust_remote_code=False)
    merged = _attach(base, Path(adapter_dir), meta=False).merge_and_unload()
    out.mkdir(parents=True, exist_ok=True)
    _copy_side_files(base_dir, out)
    merged.to(getattr(torch, dtype)).save_pretrained(str(out), safe_serialization=True)
    if (Path(adapter_dir) / "tokenizer_config.json").exists():
        for name in TOKENIZER_FILES:
            if (Path(adapter_dir) / name).exists():
                shutil.copy2(Path(adapter_dir) / name, out / name)
    return {"kind": "adapter", "peft_type": config["peft_type"], "merged_in": "float32", "stored_as": dtype,
            "tokenizer": "adapter" if (Path(adapter_dir) / "tokenizer_config.json").exists() else "base"}


# -- deltas ------------------------------------------------------------------------------------
def check_delta(base: Shapes, delta: Shapes) -> None:
    """The delta must hold exactly the base's tensors, each with the base's shape."""
    problems = []
    if set(delta) - set(base):
        problems.append(_names(set(delta) - set(base), "the base has no tensor"))
    if set(base) - set(delta):
        problems.append(_names(set(base) - set(delta), "the delta has no tensor"))
    wrong = {n for n in set(base) & set(delta) if list(base[n]) != list(delta[n])}
    if wrong:
        first = sorted(wrong)[0]
        problems.append(f"{len(wrong)} tensor{'s' if len(wrong) > 1 else ''} differ in shape "
                        f"(e.g. {first}: base {list(base[first])}, delta {list(delta[first])})")
    if problems:
        raise WeightsError("The delta weights do not match the base model: " + "; ".join(problems) + ".")


def _shards(folder: Path) -> list[Path]:
    shards = sorted(Path(folder).glob("*.safetensors"))
    if not shards:
        raise WeightsError(f"{folder} has no safetensors weights (delta weights are applied tensor by tensor "
                           "from safetensors files only).")
    return shards


def safetensors_shapes(folder: Path) -> dict[str, tuple[Path, list[int]]]:
    """tensor name -> (file, shape), read from the headers only."""
    from safetensors import safe_open

    found: dict[str, tuple[Path, list[int]]] = {}
    for shard in _shards(folder):
        with safe_open(str(shard), framework="pt") as f:
            for name in f.keys():
                found[name] = (shard, list(f.get_slice(name).get_shape()))
    return found


def apply_delta(base_dir: Path, delta_dir: Path, out: Path, dtype: str) -> dict:
    """Write base + delta, shard by shard with the base's sharding, in `dtype`."""
    import torch
    from safetensors import safe_open
    from safetensors.torch import save_file

    base, delta = safetensors_shapes(base_dir), safetensors_shapes(delta_dir)
    check_delta({n: s for n, (_, s) in base.items()}, {n: s for n, (_, s) in delta.items()})
    out.mkdir(parents=True, exist_ok=True)
    _copy_side_files(base_dir, out)
    target = getattr(torch, dtype)
    total = 0
    for shard in _shards(base_dir):
        tensors = {}
        with safe_open(str(shard), framework="pt") as f:
            metadata = f.metadata()
            for name in f.keys():
                with safe_open(str(delta[name][0]), framework="pt") as d:
                    summed = f.get_tensor(name).to(torch.float32) + d.get_tensor(name).to(torch.float32)
                tensors[name] = summed.to(target) if summed.is_floating_point() else summed
                total += tensors[name].numel() * tensors[name].element_size()
        save_file(tensors, str(out / shard.name), metadata=metadata)
    index = Path(base_dir) / WEIGHT_INDEXES[0]
    if index.exists():
        data = json.loads(index.read_text())
        data.setdefault("metadata", {})["total_size"] = total
        (out / index.name).write_text(json.dumps(data, indent=2))
    config = json.loads((out / "config.json").read_text())
    config["dtype"] = dtype
    (out / "config.json").write_text(json.dumps(config, indent=2))
    return {"kind": "delta", "tensors": len(base), "merged_in": "float32", "stored_as": dtype}


def _copy_side_files(base_dir: Path, out: Path) -> None:
    """Everything of the base but its weights (config, generation config, tokenizer)."""
    for path in Path(base_dir).iterdir():
        if path.is_file() and not path.name.startswith(".") and path.name not in SKIPPED \
                and not path.name.endswith(WEIGHT_SUFFIXES) and path.name not in WEIGHT_INDEXES:
            shutil.copy2(path, out / path.name)
