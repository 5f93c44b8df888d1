"""Submission rules of Adapter and Delta weights: the base must exist, load without remote code,
and be the one the overlay was made for, with matching tensors.

An adapter is applied to the base's architecture on the meta device (no base weights are
read; `podium.engine.weights.check_adapter`), which catches missing target modules and shape
mismatches of every PEFT type. A delta is compared with the base through the safetensors
headers only. Both are checked again when the worker merges them.
"""

from __future__ import annotations

from podium.platform.errors import SubmissionRejected
from podium.platform.facts import ModelFacts
from podium.platform.model_source import ResolvedModel
from podium.platform.validation import SubmissionRequest


def missing_base(base_model: str, err: SubmissionRejected) -> SubmissionRejected:
    """The base could not be resolved: say it is the base that is missing."""
    return SubmissionRejected("base_model", f"The declared base model {base_model} cannot be used. {err.message}",
                              hint=err.hint)


def _shapes(model: ResolvedModel) -> dict[str, list[int]]:
    return {name: list(info["shape"]) for header in model.safetensors_headers().values()
            for name, info in header.items()}


def check_adapter_base(request: SubmissionRequest, model: ResolvedModel, facts: ModelFacts) -> None:
    from podium.engine.weights import WeightsError, adapter_config
    from podium.eval.weights import same_model

    try:
        adapter_config(model.meta_dir)
    except WeightsError as err:
        raise SubmissionRejected("adapter", str(err), hint="Save the adapter with peft's save_pretrained, or "
                                 "submit full weights as Original.") from None
    if not facts.adapter_base:
        raise SubmissionRejected(
            "adapter", f"{request.model}'s adapter_config.json does not name its base (base_model_name_or_path).",
            hint="Save it with peft's save_pretrained from the base model.")
    if not same_model(facts.adapter_base, request.base_model):
        raise SubmissionRejected(
            "base_model", f"The adapter was trained on {facts.adapter_base} (base_model_name_or_path in its "
            f"adapter_config.json), not on the declared base {request.base_model}.",
            hint="Declare the base the adapter was trained on.")


def _check_tensors(request: SubmissionRequest, model: ResolvedModel, base: ResolvedModel) -> None:
    from podium.engine.weights import WeightsError, check_adapter, check_delta

    try:
        if request.weight_type == "Delta":
            check_delta(_shapes(base), _shapes(model))
        elif model.source != "hub":  # a hub adapter's tensors are checked when the worker merges them
            check_adapter(base.meta_dir, model.meta_dir)
    except WeightsError as err:
        raise SubmissionRejected("shapes", str(err), hint="Declare the base the weights were made from.") from None


def check_overlay(request: SubmissionRequest, model: ResolvedModel, facts: ModelFacts, base: ResolvedModel,
                  base_facts: ModelFacts) -> None:
    """Every rule of Delta/Adapter weights (nothing for Original weights, which only name a base)."""
    if request.weight_type == "Original":
        return
    if base_facts.needs_remote_code:
        raise SubmissionRejected(
            "remote_code", f"The base model {request.base_model} needs trust_remote_code=True (its config or "
            "tokenizer points to custom Python code), which the leaderboard never runs.")
    if request.precision == "gptq":
        raise SubmissionRejected(
            "precision", f"{request.weight_type} weights are merged into a full-precision base, so they cannot be "
            f"{request.precision} models.", hint="Submit them in float16, bfloat16, float32, 8bit or 4bit.")
    if request.weight_type == "Delta" and facts.weight_format != "safetensors":
        raise SubmissionRejected("weights", "Delta weights are added to the base tensor by tensor from "
                                 "safetensors files, and this model has none.")
    if request.weight_type == "Adapter":
        check_adapter_base(request, model, facts)
    _check_tensors(request, model, base)
