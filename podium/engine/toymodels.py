"""Random-init models with locally trained tokenizers, for the engine's parity tests and benchmark.

The Hugging Face Hub is unreachable where the tests run, and parity does not need a
trained model: it needs a real `AutoModelForCausalLM` folder and a real tokenizer, so
that lm-eval's `hf` backend and ours load exactly the same thing. A byte-level BPE is
trained on local text (GSM8K questions when the data folder is there, a built-in
corpus otherwise) and a GPT-2 or Llama config is initialised with a fixed seed.

Llama tokenizers prepend BOS themselves (as real Llama tokenizers do); GPT-2 ones do
not, so both of lm-eval's BOS code paths are exercised.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

SPECIALS = {"bos": "<s>", "eos": "</s>", "pad": "<pad>", "unk": "<unk>"}


@dataclass(frozen=True)
class ToySpec:
    """Shape of a toy model. The defaults are tiny; `gpt2_small()` is the benchmark's size."""

    arch: str = "gpt2"  # "gpt2" or "llama"
    layers: int = 2
    width: int = 64
    heads: int = 2
    vocab: int = 2048
    context: int = 1024
    seed: int = 0
    bos_in_encode: bool | None = None  # None: Llama yes, GPT-2 no
    pad_token: bool = True
    broad_corpus: bool = False
    init_std: float | None = None
    """Weight init scale; None keeps the config default (0.02). Tests use a larger one so that
    logits are far from uniform and greedy choices depend on the input."""
    chat_template: str | None = None
    corpus_limit: int = 7473
    """GSM8K training rows used for the tokenizer (fewer trains faster)."""
    intermediate: int | None = None
    """Llama MLP width; None: 3 x width."""
    kv_heads: int | None = None
    """Llama key/value heads; None: half the heads."""

    @staticmethod
    def gpt2_small(vocab: int = 16384, context: int = 1024, seed: int = 0) -> "ToySpec":
        return ToySpec(
            "gpt2", layers=12, width=768, heads=12, vocab=vocab, context=context, seed=seed, broad_corpus=True
        )


def corpus_lines(data_dir: Path | None, limit: int = 7473, broad: bool = False) -> list[str]:
    """Tokenizer training text from training/dev splits only (never test data).

    GSM8K train questions and answers; with `broad`, also ARC-Challenge train, WinoGrande
    train and MMLU dev, so that the benchmark tokenizer splits general English text about
    as finely as a real 16k-vocabulary tokenizer would. Without a data folder, a small
    built-in corpus keeps the build offline and deterministic."""
    lines: list[str] = []
    if data_dir is not None:
        d = Path(data_dir)
        p = d / "gsm8k" / "train.jsonl"
        if p.exists():
            with open(p, encoding="utf-8") as f:
                for i, line in enumerate(f):
                    if i >= limit:
                        break
                    row = json.loads(line)
                    lines += [row["question"], row["answer"]]
        if broad:
            lines += _broad_lines(d)
    if not lines:
        words = (
            "the a model answer question choice because which what is of to and in that it for on with "
            "how many more than less each she he they sold bought has had apples dollars minutes total"
        ).split()
        lines = [" ".join(words[(i * 7 + j * 3) % len(words)] for j in range(14)) + f" {i}." for i in range(3000)]
        lines += [f"Question: {a} + {b} = ?\nAnswer: {a + b}" for a in range(40) for b in range(20)]
    return lines


def _broad_lines(d: Path) -> list[str]:
    import csv

    lines: list[str] = []
    arc = d / "arc_challenge" / "train_filtered_1056.jsonl"
    if arc.exists():
        for line in arc.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            lines += [row["question"], *row["choices"]["text"]]
    wino = d / "winogrande" / "train_l.jsonl"
    if wino.exists():
        for line in wino.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            lines.append(row["sentence"].replace("_", row["option1"]))
    for csv_path in sorted((d / "mmlu" / "dev").glob("*.csv")) if (d / "mmlu" / "dev").is_dir() else []:
        with open(csv_path, encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                lines += [row["question"], row.get("choice0", ""), row.get("choice1", ""), row.get("choice2", ""), row.get("choice3", "")]
    return [x for x in lines if x]


def train_tokenizer(lines: list[str], vocab: int, *, bos_in_encode: bool, context: int, pad_token: bool = True,
                    extra_specials: tuple[str, ...] = (), eos_token: str | None = None):
    """A byte-level BPE trained on `lines`; `extra_specials` (e.g. chat markers) follow the four
    standard special tokens, and `eos_token` may name one of them as EOS."""
    from tokenizers import ByteLevelBPETokenizer, processors
    from transformers import PreTrainedTokenizerFast

    tok = ByteLevelBPETokenizer()
    tok.train_from_iterator(
        lines, vocab_size=vocab, min_frequency=2, special_tokens=[*SPECIALS.values(), *extra_specials],
        show_progress=False,
    )
    if bos_in_encode:
        bos = SPECIALS["bos"]
        tok.post_processor = processors.TemplateProcessing(
            single=f"{bos} $A", pair=f"{bos} $A $B", special_tokens=[(bos, tok.token_to_id(bos))]
        )
    kw = dict(bos_token=SPECIALS["bos"], eos_token=eos_token or SPECIALS["eos"], unk_token=SPECIALS["unk"])
    if pad_token:
        kw["pad_token"] = SPECIALS["pad"]
    return PreTrainedTokenizerFast(tokenizer_object=tok._tokenizer, model_max_length=context, **kw)


def build_model(spec: ToySpec, tokenizer):
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

    torch.manual_seed(spec.seed)
    ids = dict(
        vocab_size=len(tokenizer),
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    if spec.arch == "gpt2":
        cfg = GPT2Config(n_positions=spec.context, n_embd=spec.width, n_layer=spec.layers, n_head=spec.heads, **ids)
        if spec.init_std is not None:
            cfg.initializer_range = spec.init_std
        return GPT2LMHeadModel(cfg)
    if spec.arch == "llama":
        cfg = LlamaConfig(
            hidden_size=spec.width,
            intermediate_size=spec.intermediate or spec.width * 3,
            num_hidden_layers=spec.layers,
            num_attention_heads=spec.heads,
            num_key_value_heads=spec.kv_heads or max(1, spec.heads // 2),
            max_position_embeddings=spec.context,
            tie_word_embeddings=False,
            **ids,
        )
        if spec.init_std is not None:
            cfg.initializer_range = spec.init_std
        return LlamaForCausalLM(cfg)
    raise ValueError(f"unknown toy architecture {spec.arch!r}")


def build_toy_model(spec: ToySpec, out: Path, data_dir: Path | None = None) -> Path:
    """Build (or reuse, when the folder already holds this spec) a model folder at `out`."""
    out = Path(out)
    marker = out / ".podium-toy.json"
    key = json.dumps(spec.__dict__, sort_keys=True)
    if marker.exists() and marker.read_text() == key:
        return out
    out.mkdir(parents=True, exist_ok=True)
    bos = spec.bos_in_encode if spec.bos_in_encode is not None else spec.arch == "llama"
    tok = train_tokenizer(
        corpus_lines(data_dir, limit=spec.corpus_limit, broad=spec.broad_corpus), spec.vocab, bos_in_encode=bos, context=spec.context, pad_token=spec.pad_token
    )
    if spec.chat_template:
        tok.chat_template = spec.chat_template
    tok.save_pretrained(out)
    model = build_model(spec, tok)
    model.save_pretrained(out, safe_serialization=True)
    marker.write_text(key)
    return out
