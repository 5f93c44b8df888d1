"""Does a model's config and tokenizer load the way the evaluator will load them?

Both are loaded with transformers and trust_remote_code=False, so a model that only works
with its own Python code is caught before any compute is spent. `load_report` never raises:
it says what failed; the platform turns that into rejections, `require_loadable` into the
evaluator's errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from podium.errors import ChatTemplateError, ModelLoadError
from podium.modelref.resolve import ModelRef


@dataclass(frozen=True)
class LoadReport:
    config_error: str | None = None
    tokenizer_error: str | None = None
    needs_remote_code: bool = False
    has_chat_template: bool = False
    architecture: str | None = None
    model_type: str | None = None
    vocab_size: int | None = None


def _why(err: Exception) -> str:
    text = str(err).strip()
    return f"{type(err).__name__}: {text.splitlines()[0] if text else ''}"


def load_report(path: str | Path, **hub_kwargs) -> LoadReport:
    """Load config and tokenizer of a local folder or hub id (hub_kwargs: its revision)."""
    from transformers import AutoConfig, AutoTokenizer

    facts: dict = {}
    remote = False
    config = None
    if Path(path).is_dir() and not (Path(path) / "config.json").exists():
        facts["config_error"] = "there is no config.json"
    else:
        try:
            config = AutoConfig.from_pretrained(path, trust_remote_code=False, **hub_kwargs)
        except Exception as err:  # transformers raises ValueError, OSError, KeyError, ...
            remote = "trust_remote_code" in str(err)
            facts["config_error"] = _why(err)
    if config is not None:
        facts.update(architecture=(config.architectures or [config.model_type])[0], model_type=config.model_type,
                     vocab_size=getattr(config, "vocab_size", None))
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=False, **hub_kwargs)
    except Exception as err:
        remote = remote or "trust_remote_code" in str(err)
        facts["tokenizer_error"] = _why(err)
    else:
        # Without its files transformers builds an empty tokenizer instead of failing.
        if len(tokenizer) < 2 or not tokenizer("Hello world")["input_ids"]:
            facts["tokenizer_error"] = "it has an empty vocabulary (tokenizer.json or the vocabulary files are missing)"
        else:
            facts["has_chat_template"] = bool(getattr(tokenizer, "chat_template", None))
    return LoadReport(needs_remote_code=remote, **facts)


def require_loadable(ref: ModelRef, *, chat_template: bool) -> dict:
    """The evaluator's check: raise ModelLoadError / ChatTemplateError, or return the facts results record."""
    report = load_report(ref.load_path, **ref.hub_kwargs)
    if report.config_error:
        raise ModelLoadError(
            f"Could not load the configuration of model '{ref.name}': {report.config_error}",
            hint="Check that the folder or hub id holds a transformers model (config.json) that loads "
            "without trust_remote_code.")
    if report.tokenizer_error:
        raise ModelLoadError(
            f"Could not load the tokenizer of model '{ref.name}': {report.tokenizer_error}",
            hint="The model folder needs tokenizer files that load without trust_remote_code.")
    if chat_template and not report.has_chat_template:
        raise ChatTemplateError(
            f"--chat-template was asked for, but the tokenizer of '{ref.name}' has no chat template.",
            hint="Drop --chat-template to evaluate it as a base model, or add a chat_template to its "
            "tokenizer_config.json.")
    return {"architecture": report.architecture, "model_type": report.model_type,
            "has_chat_template": report.has_chat_template, "vocab_size": report.vocab_size}
