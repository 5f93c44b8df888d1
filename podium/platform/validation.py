"""Submission rules that need only the model's files: one function per rule, in the order
a submitter would want to hear about problems. Each raises `SubmissionRejected(rule, ...)`.

Rules that need the database (duplicates, quota) live in `submission`; existence and
revision pinning happen while resolving the model (`model_source`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from podium.errors import UsageError
from podium.eval.suites import get_suite
from podium.platform.config import Settings
from podium.platform.errors import SubmissionRejected
from podium.platform.facts import ModelFacts
from podium.platform.vocab import MODEL_TYPES, PRECISIONS, WEIGHT_TYPES
from podium.platform.weights import params_from_name

Precision = Literal[PRECISIONS]  # type: ignore[valid-type]


class SubmissionRequest(BaseModel):
    """What a submitter asks for. Who submits is passed separately (an authenticated Actor)."""

    model_config = ConfigDict(extra="forbid")

    model: str
    revision: str | None = None
    precision: Precision = "bfloat16"
    weight_type: Literal[WEIGHT_TYPES] = "Original"  # type: ignore[valid-type]
    base_model: str | None = None
    model_type: Literal[MODEL_TYPES]  # type: ignore[valid-type]
    use_chat_template: bool | None = None
    """None: on for chat models, off otherwise (decided here, for the CLI, the web and the API alike)."""
    suite: str | None = None
    idempotency_key: str | None = None

    @model_validator(mode="after")
    def _chat_default(self):
        if self.use_chat_template is None:
            self.use_chat_template = self.model_type == "chat"
        return self


def check_opt_out(repo_id: str, settings: Settings) -> None:
    org = repo_id.split("/")[0]
    if repo_id in settings.opt_out or org in settings.opt_out:
        raise SubmissionRejected(
            "opt_out",
            f"The owners of {repo_id} asked for their models not to be evaluated here, so it cannot be submitted.",
        )


def check_suite(suite: str) -> None:
    """The suite rule is `get_suite`'s; here it is a rejection like the others."""
    try:
        get_suite(suite)
    except UsageError as err:
        raise SubmissionRejected("suite", err.message, hint=err.hint) from None


def check_base_model(request: SubmissionRequest) -> None:
    if request.weight_type != "Original" and not request.base_model:
        raise SubmissionRejected(
            "base_model", f"{request.weight_type} weights need the base model they apply to (base_model=org/name)."
        )


def check_precision(request: SubmissionRequest, facts: ModelFacts, settings: Settings) -> None:
    if request.precision not in settings.accepted_precisions:
        raise SubmissionRejected(
            "precision",
            f"This deployment does not evaluate {request.precision} models; "
            f"accepted precisions: {', '.join(settings.accepted_precisions)}.",
        )
    if facts.quant_method and facts.quant_method != "gptq":
        raise SubmissionRejected(
            "precision", f"The model is {facts.quant_method}-quantized, which this leaderboard does not evaluate.",
            hint="Submit its full-precision weights (8bit and 4bit are quantized at load time) or a GPTQ version.")
    is_gptq = facts.quant_method == "gptq"
    if is_gptq != (request.precision == "gptq"):
        raise SubmissionRejected(
            "precision",
            "The model is GPTQ-quantized; submit it with precision gptq." if is_gptq
            else "Precision gptq needs a model whose config has a GPTQ quantization_config.",
        )


def check_remote_code(facts: ModelFacts, base: ModelFacts | None) -> None:
    if facts.needs_remote_code or (base and base.needs_remote_code):
        raise SubmissionRejected(
            "remote_code",
            "The model needs trust_remote_code=True (its config or tokenizer points to custom Python code), "
            "which the leaderboard never runs.",
            hint="Submit a version that loads with the architectures built into transformers.",
        )


def _loadable(facts: ModelFacts, base: ModelFacts | None, overlay: bool) -> ModelFacts:
    """Adapters and deltas often ship no config or tokenizer of their own: the base model's are used."""
    return base if overlay and base is not None and facts.config_error else facts


def check_config_and_tokenizer(request: SubmissionRequest, facts: ModelFacts, base: ModelFacts | None) -> None:
    source = _loadable(facts, base, request.weight_type != "Original")
    if source.config_error:
        raise SubmissionRejected(
            "config", f"The model config could not be loaded by transformers: {source.config_error}.")
    if facts.tokenizer_error and (base is None or base.tokenizer_error):
        raise SubmissionRejected(
            "tokenizer", f"The tokenizer could not be loaded by transformers: {facts.tokenizer_error}.")


def check_weights(facts: ModelFacts, settings: Settings) -> None:
    if facts.weight_format == "none":
        raise SubmissionRejected("weights", "The model has no weight files (.safetensors).")
    if facts.weight_format == "pickle" and not settings.allow_pickle:
        raise SubmissionRejected(
            "weights",
            "The model's weights are only in pickle format (.bin/.pt), which can run arbitrary code when loaded.",
            hint="Convert them to safetensors (model.save_pretrained(..., safe_serialization=True)) and resubmit.",
        )
    if facts.weights_error:
        raise SubmissionRejected(
            "weights", f"A weights file is damaged: {facts.weights_error}. Re-upload it and resubmit.")


def parameter_count(request: SubmissionRequest, facts: ModelFacts, base: ModelFacts | None) -> tuple[float, str]:
    """(billions, source). Adapters count adapter plus base; the name is used only without metadata."""
    if facts.params is not None:
        extra = base.params if request.weight_type == "Adapter" and base and base.params else 0
        return (facts.params + extra) / 1e9, "safetensors"
    guess = params_from_name(request.model)
    if guess is None:
        raise SubmissionRejected(
            "params",
            "The parameter count could not be determined: there is no safetensors metadata and the name gives no size.",
        )
    return guess, "name"


def check_license(facts: ModelFacts) -> None:
    if not facts.license:
        raise SubmissionRejected(
            "license", "The model has no license.",
            hint="Add `license: <id>` to the YAML header of README.md (or a LICENSE file) and resubmit.",
        )


def check_card(facts: ModelFacts, settings: Settings) -> None:
    if len(facts.card_text) < settings.min_card_chars:
        raise SubmissionRejected(
            "model_card",
            f"The model card (README.md) has {len(facts.card_text)} characters of text; at least "
            f"{settings.min_card_chars} are needed to say what the model is, how it was trained and on what data.",
        )


def check_chat_template(request: SubmissionRequest, facts: ModelFacts, base: ModelFacts | None) -> None:
    has_template = facts.has_chat_template or bool(base and facts.tokenizer_error and base.has_chat_template)
    if request.use_chat_template and not has_template:
        raise SubmissionRejected(
            "chat_template", "use_chat_template was asked but the tokenizer has no chat template.",
            hint="Add a chat_template to tokenizer_config.json, or submit without the chat template.",
        )


def check_size(precision: str, billions: float, settings: Settings) -> None:
    cap = settings.size_caps_billion.get(precision)
    if cap is not None and billions > cap:
        raise SubmissionRejected(
            "size",
            f"The model has {billions:.3g}B parameters; the limit for {precision} is {cap:g}B on this deployment.",
        )


def validate(request: SubmissionRequest, facts: ModelFacts, base: ModelFacts | None,
             settings: Settings) -> tuple[float, str]:
    """Run every file-level rule; returns the parameter count (billions) and where it came from."""
    check_precision(request, facts, settings)
    check_remote_code(facts, base)
    check_config_and_tokenizer(request, facts, base)
    check_weights(facts, settings)
    billions, source = parameter_count(request, facts, base)
    check_license(facts)
    check_card(facts, settings)
    check_chat_template(request, facts, base)
    check_size(request.precision, billions, settings)
    return billions, source
