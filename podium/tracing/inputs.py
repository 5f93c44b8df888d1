"""The token inputs both models see, and the check that their tokenizers agree.

Tracing corpus (`TRACE_CORPUS`): the questions of GSM8K test (in file order) followed by
those of ARC-Challenge test, joined with blank lines, from the data folder
(PODIUM_DATA_DIR or ../shared/data). It is tokenized once with each model's tokenizer
(no special tokens); the two id sequences must be identical, otherwise tracing refuses:
the tests compare the models' responses to the same token ids. The stream is cut into
sequences of `seq_len - 1` tokens, each prefixed with BOS when the tokenizer has one
(position 0 is left out of the statistics). Without a data folder the inputs are
uniformly random token ids from a fixed seed (recorded as such).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch

from podium.paths import data_dir as default_data_dir
from podium.tracing.errors import TokenizerMismatchError

CORPUS_FILES = ("gsm8k/test.jsonl", "arc_challenge/test.jsonl")
TRACE_CORPUS = " + ".join(f"{rel}:question" for rel in CORPUS_FILES)


@dataclass(frozen=True)
class TraceInputs:
    input_ids: torch.Tensor  # [n_seq, seq_len]
    description: str
    n_tokens: int  # tokens that enter the statistics (BOS excluded)
    bos_prefixed: bool


def corpus_text(data: Path | None) -> str | None:
    if data is None:
        return None
    parts: list[str] = []
    for rel in CORPUS_FILES:
        p = data / rel
        if not p.exists():
            continue
        with open(p, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    parts.append(str(json.loads(line)["question"]).strip())
    return "\n\n".join(parts) if parts else None


def _encode(tokenizer, text: str) -> list[int]:
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])


def check_same_tokenization(tok1, tok2, texts: list[str], names=("base", "model")) -> None:
    """Refuse unless both tokenizers give identical ids (and the same BOS) for every text."""
    for text in texts:
        a, b = _encode(tok1, text), _encode(tok2, text)
        if a != b:
            k = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            raise TokenizerMismatchError(
                f"The tokenizers of {names[0]} and {names[1]} disagree: on the same text they give "
                f"{len(a)} and {len(b)} tokens, first differing at token {k} "
                f"({a[k:k + 3]} vs {b[k:k + 3]}). Model tracing feeds both models the same token ids, "
                "so it only compares models that share a tokenizer.",
                hint="Trace this model against a base with the same tokenizer; perplexity and bits per byte "
                "still compare across tokenizers.",
            )
    if getattr(tok1, "bos_token_id", None) != getattr(tok2, "bos_token_id", None):
        raise TokenizerMismatchError(
            f"The tokenizers of {names[0]} and {names[1]} have different BOS tokens "
            f"({tok1.bos_token_id} vs {tok2.bos_token_id}); model tracing needs identical token ids.",
        )


def build_inputs(
    tok1,
    tok2,
    *,
    n_tokens: int,
    seq_len: int,
    vocab_limit: int,
    data: Path | None = None,
    seed: int = 0,
    names=("base", "model"),
) -> TraceInputs:
    data = data if data is not None else default_data_dir()
    text = corpus_text(data)
    bos = getattr(tok1, "bos_token_id", None)
    if bos is None:
        bos = getattr(tok1, "eos_token_id", None)
    body = seq_len - 1 if bos is not None else seq_len
    n_seq = max(1, round(n_tokens / body))
    if text is not None:
        check_same_tokenization(tok1, tok2, [text], names)
        ids = _encode(tok1, text)
        need = n_seq * body
        if len(ids) < need:
            ids = (ids * (need // max(1, len(ids)) + 1))[:need]
        stream = torch.tensor(ids[:need], dtype=torch.long)
        description = f"{TRACE_CORPUS} ({data}), first {need} tokens"
    else:
        check_same_tokenization(tok1, tok2, ["Model tracing check: the quick brown fox, 12 + 30 = 42."], names)
        g = torch.Generator().manual_seed(seed)
        stream = torch.randint(0, vocab_limit, (n_seq * body,), generator=g)
        description = f"uniform random token ids < {vocab_limit}, seed {seed} (no data folder)"
    if int(stream.max()) >= vocab_limit:
        raise TokenizerMismatchError(
            f"The tracing text uses token id {int(stream.max())}, beyond the smaller embedding table ({vocab_limit}).",
        )
    seqs = stream.view(n_seq, body)
    if bos is not None:
        seqs = torch.cat([torch.full((n_seq, 1), int(bos), dtype=torch.long), seqs], dim=1)
    return TraceInputs(seqs, description, n_seq * body, bos is not None)
