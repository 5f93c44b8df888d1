"""What `podium eval` loads when the weights are not a standalone model, or are quantized.

`--weights adapter|delta --base-model B [--base-revision R]`: the named model is an overlay on
B. The base is resolved and pinned like any model (content hash or hub revision), the overlay
is applied once into a scratch folder (`podium.engine.weights`), and that folder is what the
backends load; the scores stay the overlay's, with both identities in the provenance.
`--quantization 8bit|4bit|gptq|awq` is checked against this machine and the model's config
before anything loads, so a quantized run is never silently run in another precision.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from podium.errors import ModelLoadError, UsageError
from podium.modelref import ModelRef, is_repo_id, resolve
from podium.modelref.resolve import BadRevision
from podium.paths import models_root, podium_home

WEIGHTS = ("original", "adapter", "delta")
OVERLAYS = ("adapter", "delta")


def check_options(weights: str, base_model: str | None, base_revision: str | None, quantization: str | None,
                  backend: str) -> None:
    """The flag combinations `podium eval` accepts (UsageError with the reason otherwise)."""
    from podium.engine.quantization import AT_LOAD_TIME, PREQUANTIZED, QUANTIZATIONS

    if weights not in WEIGHTS:
        raise UsageError(f"Unknown --weights '{weights}'.", hint=f"Choose among: {', '.join(WEIGHTS)}.")
    if weights in OVERLAYS and not base_model:
        raise UsageError(f"--weights {weights} needs --base-model: the model the {weights} applies to.")
    if weights == "original" and (base_model or base_revision):
        raise UsageError("--base-model and --base-revision apply only with --weights adapter or delta.")
    if quantization is not None and quantization not in QUANTIZATIONS:
        raise UsageError(f"Unknown --quantization '{quantization}'.", hint=f"Choose among: {', '.join(QUANTIZATIONS)}.")
    if backend == "hf" and quantization in AT_LOAD_TIME:
        # HFLM (lm-eval 0.4.13) passes its own quantization_config to from_pretrained as well as ours.
        raise UsageError(f"The hf comparison backend cannot quantize at load time ({quantization}): lm-eval 0.4.13's "
                         "HFLM accepts no quantization_config argument.", hint="Use --backend podium.")
    if weights in OVERLAYS and quantization in PREQUANTIZED:
        raise UsageError(f"{weights.capitalize()} weights are merged into a full-precision base, so they cannot be "
                         f"{quantization} models.", hint="Use 8bit or 4bit to quantize the merged model at load time.")


def _where(name: str) -> str:
    path = Path(name).expanduser()
    if path.is_dir():
        return str(path.resolve())
    if is_repo_id(name) and (models_root() / name).is_dir():
        return str((models_root() / name).resolve())
    return name.strip().lower()


def same_model(named: str, declared: str) -> bool:
    """Does the base an adapter names (its adapter_config.json) denote the declared base?
    The same id (any case), or two names of the same local folder."""
    return named.strip().lower() == declared.strip().lower() or _where(named) == _where(declared)


def _local_folder(ref: ModelRef) -> Path:
    """Files on disk for a resolved model (a hub model is downloaded at its pinned revision)."""
    if ref.source != "hub":
        return Path(ref.load_path)
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(ref.load_path, revision=ref.revision))
    except Exception as err:
        raise ModelLoadError(f"Could not download '{ref.name}' at revision {ref.revision}: {type(err).__name__}.",
                             hint="Check the hub id and revision, or use a local copy of the model.") from None


def _check_base_pin(base: ModelRef, pinned: str | None) -> None:
    if pinned and base.source != "hub" and base.content_hash != pinned:
        raise ModelLoadError(
            f"The base model '{base.name}' is not the one pinned: its files hash to {base.content_hash[:12]}, "
            f"the pinned revision is {pinned[:12]}.",
            hint="Restore the base model's files, or evaluate without --base-revision.")


def _merge(weights: str, base_dir: Path, overlay_dir: Path, out: Path, dtype: str, base_name: str) -> dict:
    from podium.engine.weights import WeightsError, adapter_config, apply_delta, merge_adapter

    try:
        if weights == "adapter":
            named = adapter_config(overlay_dir).get("base_model_name_or_path")
            if not named or not same_model(named, base_name):
                raise WeightsError(f"The adapter was trained on {named or 'an unnamed base'} (base_model_name_or_path "
                                   f"in its adapter_config.json), not on the declared base {base_name}.")
            return merge_adapter(base_dir, overlay_dir, out, dtype)
        return apply_delta(base_dir, overlay_dir, out, dtype)
    except WeightsError as err:
        raise ModelLoadError(str(err), hint=f"Give the base model the {weights} was made from.") from None


@contextlib.contextmanager
def applied(ref: ModelRef, *, weights: str, base_model: str | None, base_revision: str | None,
            dtype: str) -> Iterator[tuple[ModelRef, dict | None]]:
    """(the model reference to load, the provenance block of the overlay or None). The merged
    folder lives in PODIUM_HOME/scratch for the length of the run."""
    if weights not in OVERLAYS:
        yield ref, None
        return
    try:
        base = resolve(base_model, base_revision)
    except BadRevision:  # a local base asked for at another content hash: say it is not the pinned one
        base = resolve(base_model)
    _check_base_pin(base, base_revision)
    scratch = podium_home() / "scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    out = Path(tempfile.mkdtemp(prefix=f"{weights}-", dir=scratch))
    try:
        info = _merge(weights, _local_folder(base), _local_folder(ref), out / "model", dtype, base_model)
        merged = dataclasses.replace(ref, load_path=str(out / "model"), source="path")
        yield merged, {**info, "base": base.as_dict()}
    finally:
        shutil.rmtree(out, ignore_errors=True)


def check_quantization(quantization: str | None, device: str, load_path: str) -> None:
    """Refuse a quantized run this machine cannot do, or whose model config says otherwise."""
    import json

    from podium.engine.quantization import PREQUANTIZED, QuantizationUnavailable, config_method, require

    config_file = Path(load_path) / "config.json"
    declared = config_method(json.loads(config_file.read_text())) if config_file.is_file() else None
    if declared and declared not in PREQUANTIZED:
        raise UsageError(f"The model is {declared}-quantized (its config's quantization_config), which Podium does "
                         "not run.", hint="Evaluate its full-precision weights (with --quantization 8bit or 4bit to "
                         "quantize them at load time), or a GPTQ or AWQ version.")
    if declared and declared != quantization:
        raise UsageError(f"The model is {declared}-quantized (its config's quantization_config); evaluate it with "
                         f"--quantization {declared}.")
    if quantization in PREQUANTIZED and config_file.is_file() and declared != quantization:
        raise UsageError(f"--quantization {quantization} needs a model whose config has a {quantization} "
                         "quantization_config.")
    if quantization is None:
        return
    try:
        require(quantization, device)
    except QuantizationUnavailable as err:
        raise UsageError(str(err), hint="Run it on a CUDA host with the library installed; Podium never runs "
                         "quantized weights in another precision.") from None
