"""Tiny trained GPT-2 / Llama models for the tracing tests and the validation benchmark.

Everything is built offline and deterministically: a byte-level BPE tokenizer trained
with `tokenizers` on local text (GSM8K train questions and answers; a small built-in
corpus when there is no data folder), models trained briefly with AdamW on that text,
and the derived variants the validation needs (fine-tune, weight noise, permuted hidden
units, rotated residual stream for Llama, one block re-initialised and retrained).
Built models are cached as ordinary Hugging Face folders under `cache_dir()`
(PODIUM_TRACE_CACHE, default PODIUM_HOME/tracing-cache, which is gitignored).
"""

from __future__ import annotations

import copy
import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn

from podium.paths import data_dir as default_data_dir
from podium.settings import current

BOS = "<|endoftext|>"


def cache_dir() -> Path:
    return current().tracing_cache


# ---------------------------------------------------------------- text and tokenizer


def corpus(kind: str = "gsm8k", data: Path | None = None, limit: int | None = None) -> list[str]:
    """Training text. 'gsm8k': GSM8K train question + answer; 'mmlu': MMLU dev/test questions
    (a different distribution, used for fine-tuning)."""
    data = data if data is not None else default_data_dir()
    texts: list[str] = []
    if data is not None and kind == "gsm8k" and (data / "gsm8k/train.jsonl").exists():
        with open(data / "gsm8k/train.jsonl", encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                texts.append(row["question"].strip() + "\n" + row["answer"].strip())
    elif data is not None and kind == "mmlu" and (data / "mmlu/test").is_dir():
        import csv

        for p in sorted((data / "mmlu/test").glob("*.csv")):
            with open(p, encoding="utf-8", newline="") as f:
                for row in csv.DictReader(f):
                    texts.append(row["question"].strip() + " " + " ".join(row.get(f"choice{k}", "") for k in range(4)))
    if not texts:  # built-in fallback: deterministic pseudo-English with arithmetic
        import random

        rng = random.Random(0 if kind == "gsm8k" else 1)
        words = ("the a model answer question because which what is of to and in that it for on with has "
                 "apples books total each more less than how many she he they bought sold left").split()
        for i in range(6000):
            a, b = rng.randint(1, 99), rng.randint(1, 99)
            texts.append(" ".join(rng.choice(words) for _ in range(rng.randint(8, 20)))
                         + f" {a} + {b} = {a + b}." if kind == "gsm8k" else f"Question {i}: " + " ".join(rng.choice(words) for _ in range(15)))
    return texts[:limit] if limit else texts


def train_tokenizer(out: Path, *, vocab_size: int = 2048, data: Path | None = None):
    """Byte-level BPE (GPT-2 style: <|endoftext|> is BOS and EOS) saved as a fast tokenizer."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import PreTrainedTokenizerFast

    out = Path(out)
    if (out / "tokenizer.json").exists():
        return PreTrainedTokenizerFast.from_pretrained(out)
    tok = ByteLevelBPETokenizer()
    tok.train_from_iterator(corpus("gsm8k", data) + corpus("mmlu", data, limit=3000), vocab_size=vocab_size,
                            min_frequency=2, special_tokens=[BOS], show_progress=False)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok._tokenizer, bos_token=BOS, eos_token=BOS, unk_token=BOS)
    out.mkdir(parents=True, exist_ok=True)
    fast.save_pretrained(out)
    return fast


def token_stream(tokenizer, texts: list[str]) -> torch.Tensor:
    ids: list[int] = []
    for t in texts:
        ids.append(tokenizer.bos_token_id)
        ids.extend(tokenizer(t, add_special_tokens=False)["input_ids"])
    return torch.tensor(ids, dtype=torch.long)


# ---------------------------------------------------------------- models


@dataclass(frozen=True)
class TinySpec:
    arch: str = "gpt2"  # "gpt2" or "llama"
    d_model: int = 64
    n_layers: int = 2
    n_heads: int = 4
    mlp: int = 256
    context: int = 128
    steps: int = 300
    batch: int = 16
    lr: float = 3e-3
    seed: int = 0

    def key(self) -> str:
        return "-".join(f"{k}{v}" for k, v in asdict(self).items())


def make_model(spec: TinySpec, vocab_size: int, bos_id: int):
    from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

    torch.manual_seed(spec.seed)
    if spec.arch == "gpt2":
        cfg = GPT2Config(vocab_size=vocab_size, n_positions=spec.context, n_embd=spec.d_model, n_layer=spec.n_layers,
                         n_head=spec.n_heads, n_inner=spec.mlp, bos_token_id=bos_id, eos_token_id=bos_id,
                         resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)
        return GPT2LMHeadModel(cfg)
    cfg = LlamaConfig(vocab_size=vocab_size, hidden_size=spec.d_model, intermediate_size=spec.mlp,
                      num_hidden_layers=spec.n_layers, num_attention_heads=spec.n_heads, num_key_value_heads=spec.n_heads,
                      max_position_embeddings=spec.context, bos_token_id=bos_id, eos_token_id=bos_id,
                      tie_word_embeddings=False)
    return LlamaForCausalLM(cfg)


def train(model, stream: torch.Tensor, *, steps: int, batch: int, context: int, lr: float, seed: int,
          params=None) -> list[float]:
    """AdamW with linear warm-up and cosine decay on random windows of `stream`; returns losses."""
    import math

    g = torch.Generator().manual_seed(seed)
    params = list(params if params is not None else model.parameters())
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01, betas=(0.9, 0.95))
    warm = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps)))
    model.train()
    losses = []
    for _ in range(steps):
        starts = torch.randint(0, len(stream) - context - 1, (batch,), generator=g)
        x = torch.stack([stream[s : s + context] for s in starts.tolist()])
        loss = model(input_ids=x, labels=x).loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
    model.eval()
    return losses


@torch.no_grad()
def eval_loss(model, stream: torch.Tensor, *, context: int, n: int = 16, seed: int = 12345) -> float:
    g = torch.Generator().manual_seed(seed)
    starts = torch.randint(0, len(stream) - context - 1, (n,), generator=g)
    x = torch.stack([stream[s : s + context] for s in starts.tolist()])
    return float(model(input_ids=x, labels=x).loss)


class Workshop:
    """Builds and caches tiny models that share one tokenizer and one training stream."""

    def __init__(self, root: Path | None = None, *, vocab_size: int = 2048, data: Path | None = None):
        # Models trained on the data folder's text and on the built-in corpus never share a cache.
        found = data if data is not None else default_data_dir()
        source = "data" if found is not None and (found / "gsm8k/train.jsonl").exists() else "builtin"
        self.root = (Path(root) if root else cache_dir()) / f"corpus-{source}"
        self.data = data
        self.tokenizer = train_tokenizer(self.root / f"tokenizer-v{vocab_size}", vocab_size=vocab_size, data=data)
        self._stream: dict[str, torch.Tensor] = {}

    def stream(self, kind: str = "gsm8k") -> torch.Tensor:
        if kind not in self._stream:
            self._stream[kind] = token_stream(self.tokenizer, corpus(kind, self.data))
        return self._stream[kind]

    def heldout(self) -> torch.Tensor:
        return token_stream(self.tokenizer, corpus("gsm8k", self.data)[-300:])

    def _cached(self, name: str, build):
        from transformers import AutoModelForCausalLM

        path = self.root / "models" / name
        if (path / "podium-tiny.json").exists():
            model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()
            return model, json.loads((path / "podium-tiny.json").read_text())
        model, info = build()
        tmp = path.with_name(path.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        model.save_pretrained(tmp)
        self.tokenizer.save_pretrained(tmp)
        (tmp / "podium-tiny.json").write_text(json.dumps(info, indent=1))
        shutil.rmtree(path, ignore_errors=True)
        tmp.rename(path)
        return model.eval(), info

    def path(self, name: str) -> Path:
        return self.root / "models" / name

    def pretrained(self, spec: TinySpec):
        """A model trained from scratch on GSM8K text (cached); returns (model, info)."""

        def build():
            model = make_model(spec, len(self.tokenizer), self.tokenizer.bos_token_id)
            held = self.heldout()
            before = eval_loss(model, held, context=spec.context)
            losses = train(model, self.stream("gsm8k"), steps=spec.steps, batch=spec.batch, context=spec.context,
                           lr=spec.lr, seed=spec.seed)
            info = {"spec": asdict(spec), "heldout_loss_init": before, "heldout_loss": eval_loss(model, held, context=spec.context),
                    "train_loss_first": losses[0], "train_loss_last": sum(losses[-10:]) / 10}
            return model, info

        return self._cached(spec.key(), build)

    DERIVED_DEFAULTS = {
        # fine-tuning on another distribution (MMLU questions) at a tenth of the pre-training learning rate
        "finetune": lambda spec: {"steps": spec.steps // 2, "lr": spec.lr / 10},
        "noise": lambda spec: {"scale": 0.5},
        "permute": lambda spec: {},
        "rotate": lambda spec: {},
        "retrain-layer": lambda spec: {"layer": 0, "steps": spec.steps // 2},
    }

    def derived_name(self, spec: TinySpec, how: str, seed: int = 100, **kw) -> str:
        kw = {**self.DERIVED_DEFAULTS[how](spec), **kw}
        return f"{spec.key()}--{how}-s{seed}" + "".join(
            f"-{k}{v:g}" if isinstance(v, float) else f"-{k}{v}" for k, v in sorted(kw.items()))

    def derived(self, spec: TinySpec, how: str, *, seed: int = 100, **kw):
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

        return self._cached(name, build)


# ---------------------------------------------------------------- derived-model transforms


@torch.no_grad()
def add_weight_noise(model, scale: float, seed: int) -> None:
    """Adds Gaussian noise with std `scale` x (each tensor's own std) to every weight matrix."""
    g = torch.Generator().manual_seed(seed)
    for p in model.parameters():
        if p.ndim >= 2:
            p.add_(torch.randn(p.shape, generator=g) * p.std() * scale)


def _probe_ids(model, seed: int = 7) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, model.get_input_embeddings().weight.shape[0], (2, 32), generator=g)


@torch.no_grad()
def _max_logit_diff(before: torch.Tensor, model, ids) -> float:
    return float((model(input_ids=ids).logits - before).abs().max())


@torch.no_grad()
def permute_hidden_units(model, seed: int, *, check: bool = True) -> float:
    """Permutes every block's MLP units and the residual dimensions; the function is unchanged.

    Returns the largest absolute logit difference on a probe batch (verification)."""
    g = torch.Generator().manual_seed(seed)
    ids = _probe_ids(model)
    before = model(input_ids=ids).logits.clone() if check else None
    mt = model.config.model_type
    if mt == "gpt2":
        d = model.config.n_embd
        r = torch.randperm(d, generator=g)  # residual permutation: new dim k = old dim r[k]
        tr = model.transformer
        tr.wte.weight.copy_(tr.wte.weight[:, r])
        tr.wpe.weight.copy_(tr.wpe.weight[:, r])
        for blk in tr.h:
            for ln in (blk.ln_1, blk.ln_2):
                ln.weight.copy_(ln.weight[r])
                ln.bias.copy_(ln.bias[r])
            blk.attn.c_attn.weight.copy_(blk.attn.c_attn.weight[r, :])  # Conv1D [in, out]
            blk.attn.c_proj.weight.copy_(blk.attn.c_proj.weight[:, r])
            blk.attn.c_proj.bias.copy_(blk.attn.c_proj.bias[r])
            u = torch.randperm(blk.mlp.c_fc.weight.shape[1], generator=g)
            blk.mlp.c_fc.weight.copy_(blk.mlp.c_fc.weight[r, :][:, u])
            blk.mlp.c_fc.bias.copy_(blk.mlp.c_fc.bias[u])
            blk.mlp.c_proj.weight.copy_(blk.mlp.c_proj.weight[u, :][:, r])
            blk.mlp.c_proj.bias.copy_(blk.mlp.c_proj.bias[r])
        tr.ln_f.weight.copy_(tr.ln_f.weight[r])
        tr.ln_f.bias.copy_(tr.ln_f.bias[r])
        if model.lm_head.weight.data_ptr() != tr.wte.weight.data_ptr():
            model.lm_head.weight.copy_(model.lm_head.weight[:, r])
    else:  # Llama-style
        d = model.config.hidden_size
        r = torch.randperm(d, generator=g)
        body = model.model
        body.embed_tokens.weight.copy_(body.embed_tokens.weight[:, r])
        for blk in body.layers:
            for ln in (blk.input_layernorm, blk.post_attention_layernorm):
                ln.weight.copy_(ln.weight[r])
            for lin in (blk.self_attn.q_proj, blk.self_attn.k_proj, blk.self_attn.v_proj):
                lin.weight.copy_(lin.weight[:, r])
            blk.self_attn.o_proj.weight.copy_(blk.self_attn.o_proj.weight[r, :])
            mlp = blk.mlp
            u = torch.randperm(mlp.up_proj.weight.shape[0], generator=g)
            mlp.gate_proj.weight.copy_(mlp.gate_proj.weight[u][:, r])
            mlp.up_proj.weight.copy_(mlp.up_proj.weight[u][:, r])
            mlp.down_proj.weight.copy_(mlp.down_proj.weight[r][:, u])
        body.norm.weight.copy_(body.norm.weight[r])
        model.lm_head.weight.copy_(model.lm_head.weight[:, r])
    return _max_logit_diff(before, model, ids) if check else 0.0


@torch.no_grad()
def rotate_residual(model, seed: int, *, check: bool = True) -> float:
    """Llama only: folds every RMSNorm gain into the next linear layers and rotates the residual
    stream by a random orthogonal matrix (plus permutes MLP units). The function is unchanged."""
    if model.config.model_type == "gpt2":
        raise ValueError("GPT-2's LayerNorm (mean-centring with per-dimension bias) does not commute with rotations")
    g = torch.Generator().manual_seed(seed)
    ids = _probe_ids(model)
    before = model(input_ids=ids).logits.clone() if check else None
    body = model.model
    d = model.config.hidden_size
    q, _ = torch.linalg.qr(torch.randn(d, d, generator=g, dtype=torch.float64))
    q = q.to(torch.float32)  # residual x -> x @ q
    body.embed_tokens.weight.copy_(body.embed_tokens.weight @ q)
    for blk in body.layers:
        gi = blk.input_layernorm.weight.clone()
        for lin in (blk.self_attn.q_proj, blk.self_attn.k_proj, blk.self_attn.v_proj):
            lin.weight.copy_((lin.weight * gi[None, :]) @ q)
        blk.input_layernorm.weight.fill_(1.0)
        blk.self_attn.o_proj.weight.copy_(q.T @ blk.self_attn.o_proj.weight)
        gp = blk.post_attention_layernorm.weight.clone()
        mlp = blk.mlp
        u = torch.randperm(mlp.up_proj.weight.shape[0], generator=g)
        mlp.gate_proj.weight.copy_(((mlp.gate_proj.weight * gp[None, :]) @ q)[u])
        mlp.up_proj.weight.copy_(((mlp.up_proj.weight * gp[None, :]) @ q)[u])
        mlp.down_proj.weight.copy_((q.T @ mlp.down_proj.weight)[:, u])
        blk.post_attention_layernorm.weight.fill_(1.0)
    gf = body.norm.weight.clone()
    model.lm_head.weight.copy_((model.lm_head.weight * gf[None, :]) @ q)
    body.norm.weight.fill_(1.0)
    return _max_logit_diff(before, model, ids) if check else 0.0


def reinit_and_retrain_layer(model, layer: int, stream, *, steps: int, batch: int, context: int, lr: float, seed: int):
    """Re-initialises block `layer` (fresh random weights) and retrains only that block."""
    from podium.tracing.arch import layers

    torch.manual_seed(seed)
    blk = layers(model)[layer]
    for mod in blk.modules():
        if mod is not blk and hasattr(mod, "reset_parameters"):
            mod.reset_parameters()
        elif type(mod).__name__ == "Conv1D":
            nn.init.normal_(mod.weight, std=0.02)
            nn.init.zeros_(mod.bias)
    for mod in blk.modules():  # RMSNorm gains
        if type(mod).__name__.endswith("RMSNorm"):
            nn.init.ones_(mod.weight)
    for p in model.parameters():
        p.requires_grad_(False)
    for p in blk.parameters():
        p.requires_grad_(True)
    losses = train(model, stream, steps=steps, batch=batch, context=context, lr=lr, seed=seed, params=blk.parameters())
    for p in model.parameters():
        p.requires_grad_(True)
    return losses


@torch.no_grad()
def drop_mlp_units(model, n_drop: int, seed: int):
    """A copy with `n_drop` MLP units removed from every block (a narrower MLP: rectangular matching)."""
    g = torch.Generator().manual_seed(seed)
    cfg = copy.deepcopy(model.config)
    if cfg.model_type == "gpt2":
        n = model.transformer.h[0].mlp.c_fc.weight.shape[1]
        cfg.n_inner = n - n_drop
    else:
        n = cfg.intermediate_size
        cfg.intermediate_size = n - n_drop
    new = type(model)(cfg)
    sd = model.state_dict()
    keep = {}
    for name, t in sd.items():
        if ".mlp." not in name:
            continue
        layer = name.split(".mlp.")[0]
        if layer not in keep:
            keep[layer] = torch.randperm(n, generator=g)[: n - n_drop].sort().values
        k = keep[layer]
        if name.endswith("c_fc.weight"):
            sd[name] = t[:, k]
        elif name.endswith("c_fc.bias"):
            sd[name] = t[k]
        elif name.endswith("c_proj.weight") and ".mlp." in name:
            sd[name] = t[k, :]
        elif name.endswith(("gate_proj.weight", "up_proj.weight")):
            sd[name] = t[k, :]
        elif name.endswith("down_proj.weight"):
            sd[name] = t[:, k]
    new.load_state_dict(sd, strict=False)
    if getattr(model.config, "tie_word_embeddings", False):
        new.tie_weights()
    return new.eval()


@torch.no_grad()
def add_block(model, seed: int):
    """A copy with one freshly initialised block appended (a deeper model: all-pairs comparison)."""
    torch.manual_seed(seed)
    cfg = copy.deepcopy(model.config)
    if cfg.model_type == "gpt2":
        cfg.n_layer += 1
    else:
        cfg.num_hidden_layers += 1
        if getattr(cfg, "layer_types", None):
            cfg.layer_types = list(cfg.layer_types) + [cfg.layer_types[-1]]
    new = type(model)(cfg)
    missing, unexpected = new.load_state_dict(model.state_dict(), strict=False)
    assert not unexpected, unexpected
    if getattr(model.config, "tie_word_embeddings", False):
        new.tie_weights()
    return new.eval()
