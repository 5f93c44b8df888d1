"""Tiny trained GPT-2 / Llama models for the tracing tests and the tracing benchmarks.

Tracing needs models that learned something (random-init weights share no features to
match): models trained briefly on GSM8K text with one shared byte-level BPE tokenizer, and
variants derived from them in known ways (`workshop.derive`). Everything is deterministic
and cached as ordinary Hugging Face folders under `cache_dir()` (PODIUM_TRACE_CACHE,
default PODIUM_HOME/tracing-cache, which is gitignored).
"""

from __future__ import annotations

import copy
import json
import shutil
from dataclasses import asdict
from pathlib import Path

import torch

from podium.paths import data_dir as default_data_dir
from workshop.corpus import training_texts
from workshop.derive import add_weight_noise, permute_hidden_units, reinit_and_retrain_layer, rotate_residual
from workshop.toys import ToySpec, build_model, train_tokenizer
from workshop.training import eval_loss, token_stream, train

BOS = "<|endoftext|>"
INFO = "podium-tiny.json"


def cache_dir() -> Path:
    from podium.settings import current

    return current().tracing_cache


def shared_tokenizer(out: Path, *, vocab_size: int, data: Path | None):
    """GPT-2 style byte-level BPE (<|endoftext|> is BOS, EOS and UNK), trained once and cached at `out`."""
    from transformers import PreTrainedTokenizerFast

    out = Path(out)
    if (out / "tokenizer.json").exists():
        return PreTrainedTokenizerFast.from_pretrained(out)
    lines = training_texts("gsm8k", data) + training_texts("mmlu", data, limit=3000)
    tok = train_tokenizer(lines, vocab_size, specials=(BOS,), roles={"bos": BOS, "eos": BOS, "unk": BOS})
    out.mkdir(parents=True, exist_ok=True)
    tok.save_pretrained(out)
    return tok


class TrainedModels:
    """Builds and caches tiny trained models that share one tokenizer and one training stream."""

    DERIVED_DEFAULTS = {
        # fine-tuning on another distribution (MMLU questions) at a tenth of the pre-training learning rate
        "finetune": lambda spec: {"steps": spec.steps // 2, "lr": spec.lr / 10},
        "noise": lambda spec: {"scale": 0.5},
        "permute": lambda spec: {},
        "rotate": lambda spec: {},
        "retrain-layer": lambda spec: {"layer": 0, "steps": spec.steps // 2},
    }

    def __init__(self, root: Path | None = None, *, vocab_size: int = 2048, data: Path | None = None):
        self.data = data if data is not None else default_data_dir()
        # Models trained on the data folder's text and on the built-in corpus never share a cache.
        found = self.data is not None and (self.data / "gsm8k/train.jsonl").exists()
        self.root = (Path(root) if root else cache_dir()) / f"corpus-{'data' if found else 'builtin'}"
        self.tokenizer = shared_tokenizer(self.root / f"tokenizer-v{vocab_size}", vocab_size=vocab_size,
                                          data=self.data)
        self._stream: dict[str, torch.Tensor] = {}

    def stream(self, kind: str = "gsm8k") -> torch.Tensor:
        if kind not in self._stream:
            self._stream[kind] = token_stream(self.tokenizer, training_texts(kind, self.data))
        return self._stream[kind]

    def heldout(self) -> torch.Tensor:
        return token_stream(self.tokenizer, training_texts("gsm8k", self.data)[-300:])

    def path(self, name: str) -> Path:
        return self.root / "models" / name

    def cached(self, name: str, build):
        """The model cached under `name`, or `build()`'s (model, info) saved there first."""
        from transformers import AutoModelForCausalLM

        path = self.path(name)
        if (path / INFO).exists():
            model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()
            return model, json.loads((path / INFO).read_text())
        model, info = build()
        tmp = path.with_name(path.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        model.save_pretrained(tmp)
        self.tokenizer.save_pretrained(tmp)
        (tmp / INFO).write_text(json.dumps(info, indent=1))
        shutil.rmtree(path, ignore_errors=True)
        tmp.rename(path)
        return model.eval(), info

    def pretrained(self, spec: ToySpec):
        """A model trained from scratch on GSM8K text (cached); returns (model, info)."""

        def build():
            model = build_model(spec, self.tokenizer)
            held = self.heldout()
            before = eval_loss(model, held, context=spec.context)
            losses = train(model, self.stream("gsm8k"), steps=spec.steps, batch=spec.batch, context=spec.context,
                           lr=spec.lr, seed=spec.seed)
            return model, {"spec": asdict(spec), "heldout_loss_init": before,
                           "heldout_loss": eval_loss(model, held, context=spec.context),
                           "train_loss_first": losses[0], "train_loss_last": sum(losses[-10:]) / 10}

        return self.cached(spec.key(), build)

    def derived_name(self, spec: ToySpec, how: str, seed: int = 100, **kw) -> str:
        kw = {**self.DERIVED_DEFAULTS[how](spec), **kw}
        return f"{spec.key()}--{how}-s{seed}" + "".join(
            f"-{k}{v:g}" if isinstance(v, float) else f"-{k}{v}" for k, v in sorted(kw.items()))

    def derived(self, spec: ToySpec, how: str, *, seed: int = 100, **kw):
        """A variant of `pretrained(spec)`: 'finetune', 'noise', 'permute', 'rotate', 'retrain-layer'
        (parameters default to DERIVED_DEFAULTS and are part of the cache name)."""
        base, _ = self.pretrained(spec)
        kw = {**self.DERIVED_DEFAULTS[how](spec), **kw}
        name = self.derived_name(spec, how, seed, **kw)

        def build():
            m = copy.deepcopy(base)
            info = {"base": spec.key(), "how": how, "seed": seed, **kw}
            if how == "finetune":
                losses = train(m, self.stream("mmlu"), steps=kw["steps"], batch=spec.batch, context=spec.context,
                               lr=kw["lr"], seed=seed)
                info["finetune_loss_first"], info["finetune_loss_last"] = losses[0], sum(losses[-10:]) / 10
            elif how == "noise":
                add_weight_noise(m, kw["scale"], seed)
            elif how == "permute":
                info["max_logit_diff"] = permute_hidden_units(m, seed, check=True)
            elif how == "rotate":
                info["max_logit_diff"] = rotate_residual(m, seed, check=True)
            elif how == "retrain-layer":
                reinit_and_retrain_layer(m, kw["layer"], self.stream("gsm8k"), steps=kw["steps"], batch=spec.batch,
                                         context=spec.context, lr=spec.lr, seed=seed)
            info["heldout_loss"] = eval_loss(m, self.heldout(), context=spec.context)
            return m, info

        return self.cached(name, build)
