"""Tiny demo models, built deterministically and offline.

The hub is not reachable everywhere Podium runs (tests, CI, air-gapped operators), so
the demo and the tests use models built here: a byte-level BPE tokenizer trained on
local benchmark text, and random-init GPT-2 and Llama configs with fixed seeds, made
with the toy builders of the `workshop` package (the product's only use of it). Each
model folder looks like a hub repository (safetensors weights, tokenizer, license in
the model card) so submission validation treats it like any other model.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from podium.paths import data_dir as default_data_dir
from podium.paths import models_root
from workshop.toys import SPECIALS, ToySpec, build_model, train_tokenizer

DEMO_ORG = "podium-demo"
VOCAB_SIZE = 4096
CONTEXT = 2048
CHAT_MARKERS = ("<|im_start|>", "<|im_end|>")
CHATML = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


@dataclass(frozen=True)
class DemoModel:
    name: str
    architecture: str  # "gpt2" or "llama"
    seed: int
    chat: bool = False
    model_type: str = "pretrained"
    extra: dict = field(default_factory=dict)
    derived_from: str | None = None
    """A demo "fine-tune": the named demo model's weights plus small seeded noise (same tokenizer);
    it declares that model as its base, so the demo shows the provenance check and tracing board."""

    @property
    def base_model(self) -> str | None:
        return f"{DEMO_ORG}/{self.derived_from}" if self.derived_from else None


DEMO_MODELS = (
    DemoModel("gpt2-tiny", "gpt2", seed=1),
    DemoModel("llama-tiny", "llama", seed=2),
    DemoModel("llama-tiny-chat", "llama", seed=3, chat=True, model_type="chat"),
    DemoModel("gpt2-tiny-ft", "gpt2", seed=4, model_type="fine-tuned", derived_from="gpt2-tiny"),
)
DERIVED_NOISE = 0.01  # relative to each weight tensor's standard deviation


def _corpus_lines(data: Path | None) -> list[str]:
    """Text to train the tokenizer on: English and Korean benchmark text when present."""
    lines: list[str] = []
    if data is not None:
        for rel, key in (("gsm8k/train.jsonl", "question"), ("gsm8k/train.jsonl", "answer")):
            p = data / rel
            if p.exists():
                with open(p, encoding="utf-8") as f:
                    lines += [json.loads(line)[key] for line in f][:4000]
        ko = data / "ko_commongen_v2" / "korean_commongen_v2_847_shuffled.jsonl"
        if ko.exists():
            with open(ko, encoding="utf-8") as f:
                for line in f:
                    row = json.loads(line)
                    lines += [row["concept_set"]] + [row[k] for k in ("1", "2", "3", "4")]
    if not lines:  # no data folder: a small built-in corpus keeps the build offline and deterministic
        words = "the a model answer question choice because which what is of to and in that it for on with".split()
        lines = [" ".join(words[(i * 7 + j * 3) % len(words)] for j in range(12)) + f" {i}." for i in range(2000)]
        lines += ["나는 교훈적인 내용을 주제로 강연을 했다.", "옳고 그름을 판단하다."] * 50
    return lines


def _train_tokenizer(lines: list[str], out: Path, *, bos_in_encode: bool, chat: bool):
    specials = (*SPECIALS.values(), *CHAT_MARKERS) if chat else tuple(SPECIALS.values())
    roles = {**SPECIALS, "eos": CHAT_MARKERS[1]} if chat else SPECIALS
    tok = train_tokenizer(lines, VOCAB_SIZE, specials=specials, roles=roles, bos_in_encode=bos_in_encode,
                          context=CONTEXT)
    if chat:
        tok.chat_template = CHATML
    tok.save_pretrained(out)
    return tok


def _build_model(spec: DemoModel, tokenizer):
    shape = ToySpec(spec.architecture, layers=2, width=64, heads=2, context=CONTEXT, seed=spec.seed,
                    mlp=176 if spec.architecture == "llama" else None, kv_heads=2)
    return build_model(shape, tokenizer)


def _model_card(spec: DemoModel) -> str:
    return (
        f"---\nlicense: apache-2.0\nlibrary_name: transformers\ntags: [podium-demo, {spec.architecture}]\n---\n"
        f"# {DEMO_ORG}/{spec.name}\n\n"
        f"A tiny randomly initialised {spec.architecture} model (2 layers, 64 wide, seed {spec.seed}) built "
        "offline by `podium models build-demo`, with a byte-level BPE tokenizer trained on local benchmark "
        "text. It exists so that Podium's demo and tests run without the Hugging Face Hub; its scores are "
        "near chance by construction and say nothing about any real model."
        + (" It has a ChatML chat template." if spec.chat else "")
        + (f" It is {spec.base_model} with {DERIVED_NOISE:g} x std of seeded noise added to every weight (a stand-in "
           "for a fine-tune of that base, declared as its base model)." if spec.derived_from else "")
        + "\n"
    )


def _derive_model(spec: DemoModel, base_dir: Path, out: Path) -> None:
    """Copy the base's tokenizer; its weights plus noise of DERIVED_NOISE x each tensor's std."""
    import torch
    from transformers import AutoModelForCausalLM

    for f in base_dir.iterdir():
        if f.is_file() and f.name not in ("model.safetensors", "README.md", ".podium-demo.json", "config.json"):
            shutil.copy2(f, out / f.name)
    model = AutoModelForCausalLM.from_pretrained(base_dir)
    gen = torch.Generator().manual_seed(spec.seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn(p.shape, generator=gen) * DERIVED_NOISE * float(p.std() if p.numel() > 1 else 0))
    model.save_pretrained(out, safe_serialization=True)


def build_demo_model(spec: DemoModel, root: Path, data: Path | None) -> Path:
    out = root / DEMO_ORG / spec.name
    marker = out / ".podium-demo.json"
    stamp = {"seed": spec.seed, "vocab": VOCAB_SIZE,
             **({"derived_from": spec.derived_from} if spec.derived_from else {})}
    if marker.exists() and json.loads(marker.read_text()) == stamp:
        return out
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    if spec.derived_from:
        _derive_model(spec, root / DEMO_ORG / spec.derived_from, tmp)
    else:
        tokenizer = _train_tokenizer(
            _corpus_lines(data), tmp, bos_in_encode=spec.architecture == "llama", chat=spec.chat
        )
        _build_model(spec, tokenizer).save_pretrained(tmp, safe_serialization=True)
    (tmp / "README.md").write_text(_model_card(spec), encoding="utf-8")
    (tmp / ".podium-demo.json").write_text(json.dumps(stamp))
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return out


def build_demo_models(root: Path | None = None, data: Path | None = None) -> dict[str, Path]:
    """Build (or reuse) every demo model under `root/podium-demo/<name>`; returns id -> folder."""
    root = Path(root) if root else models_root()
    data = data if data is not None else default_data_dir()
    return {f"{DEMO_ORG}/{spec.name}": build_demo_model(spec, root, data) for spec in DEMO_MODELS}
