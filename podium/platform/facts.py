"""The facts a submission is judged on, read from a resolved model folder without running it.

Config and tokenizer are loaded by `podium.modelref.checks`, the evaluator's own check, so a
model that only works with its own Python code is caught here rather than on a worker.
Nothing in this module decides; `validation` does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from podium.modelref.checks import load_report
from podium.platform.model_source import ResolvedModel
from podium.platform.weights import CorruptWeights, count_parameters, weight_format

EXPERT_KEYS = ("num_local_experts", "num_experts", "n_routed_experts", "moe_num_experts")
MERGE_TAGS = {"merge", "mergekit"}


@dataclass
class ModelFacts:
    config: dict = field(default_factory=dict)
    config_error: str | None = None
    needs_remote_code: bool = False
    tokenizer_error: str | None = None
    has_chat_template: bool = False
    card_text: str = ""
    card_meta: dict = field(default_factory=dict)
    license: str | None = None
    weight_format: str = "none"
    weights_error: str | None = None
    params: int | None = None
    adapter_base: str | None = None

    @property
    def architecture(self) -> str | None:
        archs = self.config.get("architectures") or []
        return archs[0] if archs else None

    @property
    def quant_method(self) -> str | None:
        return (self.config.get("quantization_config") or {}).get("quant_method")

    @property
    def is_moe(self) -> bool:
        experts = max((int(self.config.get(k) or 0) for k in EXPERT_KEYS), default=0)
        return experts > 1 or "moe" in str(self.config.get("model_type", "")).lower()

    @property
    def is_merge(self) -> bool:
        tags = self.card_meta.get("tags") or []
        return bool(MERGE_TAGS & {str(t).lower() for t in tags})


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def split_card(text: str) -> tuple[dict, str]:
    """README.md -> (YAML front matter, body text)."""
    if text.startswith("---"):
        parts = text.split("\n---", 1)
        if len(parts) == 2:
            try:
                meta = yaml.safe_load(parts[0][3:]) or {}
            except yaml.YAMLError:
                meta = {}
            return (meta if isinstance(meta, dict) else {}), parts[1].lstrip("-").strip()
    return {}, text.strip()


def _license(meta: dict, files: list[str]) -> str | None:
    value = meta.get("license")
    if isinstance(value, list):
        value = ", ".join(map(str, value))
    if value == "other" and meta.get("license_name"):
        value = str(meta["license_name"])
    if value:
        return str(value)
    return "other" if any(f.split("/")[-1].upper().startswith("LICENSE") for f in files) else None


def read_facts(model: ResolvedModel) -> ModelFacts:
    folder = model.meta_dir
    facts = ModelFacts(config=_read_json(folder / "config.json"))
    readme = folder / "README.md"
    facts.card_meta, facts.card_text = split_card(readme.read_text(errors="replace") if readme.exists() else "")
    facts.license = _license(facts.card_meta, model.files)
    tokenizer_config = _read_json(folder / "tokenizer_config.json")
    facts.needs_remote_code = "auto_map" in facts.config or "auto_map" in tokenizer_config
    facts.adapter_base = _read_json(folder / "adapter_config.json").get("base_model_name_or_path")
    facts.weight_format = weight_format(model.files)
    if facts.weight_format == "safetensors":
        try:
            bits = (facts.config.get("quantization_config") or {}).get("bits") if facts.quant_method == "gptq" else None
            facts.params = count_parameters(model.safetensors_headers(), gptq_bits=bits)
        except CorruptWeights as err:
            facts.weights_error = str(err)
    if not facts.needs_remote_code:
        report = load_report(folder)
        facts.config_error, facts.tokenizer_error = report.config_error, report.tokenizer_error
        facts.needs_remote_code, facts.has_chat_template = report.needs_remote_code, report.has_chat_template
    return facts
