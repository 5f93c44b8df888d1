"""Resolve and load the models to trace (local folders, ids in the local model mirror, hub ids)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from podium.errors import ModelLoadError
from podium.modelref.resolve import resolve as resolve_ref


@dataclass
class LoadedModel:
    name: str
    model: object
    tokenizer: object
    path: str | None = None


def resolve(ref: str | Path, revision: str | None = None) -> tuple[str, dict]:
    """(what from_pretrained loads, its keyword arguments): a local folder, a model in the
    mirror, or a hub id at `revision` (`podium.modelref`, as `podium eval`; the hub only when reachable)."""
    found = resolve_ref(str(ref), revision)
    return found.load_path, found.hub_kwargs


def load(ref, dtype: str = "float32", revision: str | None = None) -> LoadedModel:
    """Load a model for tracing; `dtype` 'bfloat16' halves memory for large models (statistics stay float32)."""
    if isinstance(ref, LoadedModel):
        return ref
    if isinstance(ref, tuple) and len(ref) in (2, 3):
        model, tok = ref[0], ref[1]
        name = ref[2] if len(ref) == 3 else type(model).__name__
        return LoadedModel(str(name), model.eval(), tok)
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    path, hub_kwargs = resolve(ref, revision)
    hf_logging.disable_progress_bar()
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=False, **hub_kwargs)
        model = AutoModelForCausalLM.from_pretrained(path, dtype=getattr(torch, dtype), trust_remote_code=False,
                                                     **hub_kwargs)
    except Exception as err:  # noqa: BLE001 - any loader failure becomes one clear message
        raise ModelLoadError(f"Cannot load the model in {path}: {type(err).__name__}: {err}") from err
    return LoadedModel(str(ref), model.eval(), tokenizer, str(path))
