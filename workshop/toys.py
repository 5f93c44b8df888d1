"""The toy-model spec and its builders: a locally trained tokenizer, a random-init GPT-2 or Llama.

The Hugging Face Hub is unreachable where the tests run, and most checks do not need a
trained model: they need a real `AutoModelForCausalLM` folder and a real tokenizer, so that
lm-eval's `hf` backend and Podium's load exactly the same thing. A byte-level BPE is trained
on local text and a config is initialised with a fixed seed. The same spec describes the
briefly trained models of `workshop.trained` (its training fields) and the demo's models.

Llama tokenizers built here prepend BOS themselves (as real Llama tokenizers do); GPT-2
ones do not, so both of lm-eval's BOS code paths are exercised.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from workshop.corpus import corpus_lines

SPECIALS = {"bos": "<s>", "eos": "</s>", "pad": "<pad>", "unk": "<unk>"}


@dataclass(frozen=True)
class ToySpec:
    """One toy model: its shape and seed, its own tokenizer (`build_toy_model`) and its training
    schedule (`workshop.trained`). The defaults are tiny; `gpt2_small()` is the engine benchmark's size."""

    arch: str = "gpt2"  # "gpt2" or "llama"
    layers: int = 2
    width: int = 64
    heads: int = 2
    kv_heads: int | None = None
    """Llama key/value heads; None: half the heads (grouped-query attention)."""
    mlp: int | None = None
    """MLP width; None: the architecture's own default (GPT-2 4 x width), Llama 3 x width."""
    context: int = 1024
    seed: int = 0
    init_std: float | None = None
    """Weight init scale; None keeps the config default (0.02). The parity tests use a larger one so
    that logits are far from uniform and greedy choices depend on the input."""
    dropout: float | None = None
    """GPT-2's dropout probabilities; None keeps the config's. Trained models use 0."""
    vocab: int = 2048
    """Size of the model's own tokenizer (`build_toy_model`)."""
    broad_corpus: bool = False
    corpus_limit: int = 7473
    """GSM8K training rows used for the tokenizer (fewer trains faster)."""
    chat_template: str | None = None
    steps: int = 300
    """Training steps, batch and learning rate of a trained model (`workshop.trained`)."""
    batch: int = 16
    lr: float = 3e-3

    @staticmethod
    def gpt2_small(vocab: int = 16384, context: int = 1024, seed: int = 0) -> ToySpec:
        return ToySpec("gpt2", layers=12, width=768, heads=12, vocab=vocab, context=context, seed=seed,
                       broad_corpus=True)

    def key(self) -> str:
        """A folder name: the architecture and every field that differs from the defaults."""
        changed = (f"{f.name}{getattr(self, f.name)}" for f in fields(self)
                   if f.name != "arch" and getattr(self, f.name) != f.default)
        return "-".join((self.arch, *changed))


def train_tokenizer(lines: list[str], vocab: int, *, specials: tuple[str, ...] = tuple(SPECIALS.values()),
                    roles: dict[str, str] = SPECIALS, bos_in_encode: bool = False, context: int | None = None):
    """A byte-level BPE trained on `lines`, with `specials` as its first ids (e.g. the four standard
    tokens, then chat markers) and `roles` naming which of them is bos, eos, unk and pad."""
    from tokenizers import ByteLevelBPETokenizer, processors
    from transformers import PreTrainedTokenizerFast

    tok = ByteLevelBPETokenizer()
    tok.train_from_iterator(lines, vocab_size=vocab, min_frequency=2, special_tokens=list(specials),
                            show_progress=False)
    if bos_in_encode:
        bos = roles["bos"]
        tok.post_processor = processors.TemplateProcessing(
            single=f"{bos} $A", pair=f"{bos} $A $B", special_tokens=[(bos, tok.token_to_id(bos))]
        )
    kw = {f"{role}_token": token for role, token in roles.items()}
    if context is not None:
        kw["model_max_length"] = context
    return PreTrainedTokenizerFast(tokenizer_object=tok._tokenizer, **kw)


def build_model(spec: ToySpec, tokenizer):
    """A random-init model of `spec`'s shape for `tokenizer` (seeded with `spec.seed`)."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

    torch.manual_seed(spec.seed)
    ids = dict(vocab_size=len(tokenizer), bos_token_id=tokenizer.bos_token_id,
               eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    if spec.arch == "gpt2":
        extra = {} if spec.mlp is None else {"n_inner": spec.mlp}
        if spec.dropout is not None:
            extra.update(resid_pdrop=spec.dropout, embd_pdrop=spec.dropout, attn_pdrop=spec.dropout)
        cfg = GPT2Config(n_positions=spec.context, n_embd=spec.width, n_layer=spec.layers, n_head=spec.heads,
                         **ids, **extra)
        model_class = GPT2LMHeadModel
    elif spec.arch == "llama":
        cfg = LlamaConfig(hidden_size=spec.width, intermediate_size=spec.mlp or spec.width * 3,
                          num_hidden_layers=spec.layers, num_attention_heads=spec.heads,
                          num_key_value_heads=spec.kv_heads or max(1, spec.heads // 2),
                          max_position_embeddings=spec.context, tie_word_embeddings=False, **ids)
        model_class = LlamaForCausalLM
    else:
        raise ValueError(f"unknown toy architecture {spec.arch!r}")
    if spec.init_std is not None:
        cfg.initializer_range = spec.init_std
    return model_class(cfg)


def build_toy_model(spec: ToySpec, out: Path, data_dir: Path | None = None) -> Path:
    """Build (or reuse, when the folder already holds this spec) a model folder at `out` with its own
    tokenizer trained on `data_dir`'s text (a built-in corpus without one)."""
    out = Path(out)
    marker = out / ".podium-toy.json"
    key = json.dumps(asdict(spec), sort_keys=True)
    if marker.exists() and marker.read_text() == key:
        return out
    out.mkdir(parents=True, exist_ok=True)
    lines = corpus_lines(data_dir, limit=spec.corpus_limit, broad=spec.broad_corpus)
    tok = train_tokenizer(lines, spec.vocab, bos_in_encode=spec.arch == "llama", context=spec.context)
    if spec.chat_template:
        tok.chat_template = spec.chat_template
    tok.save_pretrained(out)
    build_model(spec, tok).save_pretrained(out, safe_serialization=True)
    marker.write_text(key)
    return out
