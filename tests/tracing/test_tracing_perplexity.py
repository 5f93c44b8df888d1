"""Perplexity on the tracing passage: definition, strided windows, bits per byte."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F

from podium.errors import DataMissingError
from podium.tracing.perplexity import load_passage, passage_path, perplexity


class CharTokenizer:
    """One token per byte (ids 1..256), BOS id 0 when `bos`."""

    def __init__(self, bos: bool = True):
        self.bos_token_id = 0 if bos else None
        self.eos_token_id = None

    def __call__(self, text, add_special_tokens=False):
        return {"input_ids": [b + 1 for b in text.encode("utf-8")]}

    def decode(self, ids):
        return bytes(i - 1 for i in ids).decode("utf-8", errors="replace")


class UniformModel(torch.nn.Module):
    def __init__(self, vocab: int, ctx: int = 64):
        super().__init__()
        self.vocab = vocab
        self.config = SimpleNamespace(n_positions=ctx)

    def forward(self, input_ids):
        return SimpleNamespace(logits=torch.zeros(*input_ids.shape, self.vocab))


class BigramModel(torch.nn.Module):
    """Logits depend on the previous token and the position within the window (so windows matter)."""

    def __init__(self, vocab: int = 257, ctx: int = 32):
        super().__init__()
        g = torch.Generator().manual_seed(0)
        self.table = torch.randn(vocab, vocab, generator=g)
        self.pos = torch.randn(ctx, vocab, generator=g) * 0.3
        self.config = SimpleNamespace(n_positions=ctx)

    def forward(self, input_ids):
        return SimpleNamespace(logits=self.table[input_ids] + self.pos[: input_ids.shape[1]])


TEXT = "Artificial intelligence has transformed the way we live and work. 한국어 too."


def test_uniform_logits_give_vocabulary_size():
    for vocab in (257, 1000):
        res = perplexity(UniformModel(vocab), CharTokenizer(), TEXT)
        assert res.perplexity == pytest.approx(vocab, rel=1e-9)
        assert res.tokens_scored == len(TEXT.encode("utf-8"))
        assert res.bits_per_byte == pytest.approx(math.log2(vocab), rel=1e-9)


def _independent_nll(model, ids, ctx, stride):
    """Reference: score token k with the window the HF recipe assigns it, one token at a time."""
    total, count = 0.0, 0
    prev_end, begin = 0, 0
    owner = {}
    while True:
        end = min(begin + ctx, len(ids))
        for k in range(max(prev_end, begin + 1), end):
            owner[k] = begin
        prev_end = end
        if end == len(ids):
            break
        begin += stride
    for k, b in owner.items():
        window = torch.tensor(ids[b:k]).unsqueeze(0)
        logp = F.log_softmax(model(window).logits[0, -1].double(), -1)
        total -= float(logp[ids[k]])
        count += 1
    assert sorted(owner) == list(range(1, len(ids)))  # every token but position 0 exactly once
    return total, count


def test_perplexity_is_exp_mean_nll_single_window():
    model, tok = BigramModel(ctx=256), CharTokenizer()
    res = perplexity(model, tok, TEXT)
    ids = [0] + tok(TEXT)["input_ids"]
    nll, count = _independent_nll(model, ids, 256, 128)
    assert res.windows == 1 and res.tokens_scored == count == len(ids) - 1
    assert res.perplexity == pytest.approx(math.exp(nll / count), rel=1e-9)
    assert res.bits_per_byte == pytest.approx(nll / math.log(2) / len(TEXT.encode("utf-8")), rel=1e-9)


@pytest.mark.parametrize("stride", [8, 16, 31])
def test_strided_windows_score_each_token_once(stride):
    model, tok = BigramModel(ctx=32), CharTokenizer()
    text = TEXT * 3
    res = perplexity(model, tok, text, stride=stride)
    ids = [0] + tok(text)["input_ids"]
    nll, count = _independent_nll(model, ids, 32, stride)
    assert res.windows > 1 and res.tokens_scored == count == len(ids) - 1
    assert res.nll_sum == pytest.approx(nll, rel=1e-9)
    assert res.perplexity == pytest.approx(math.exp(nll / count), rel=1e-9)


def test_stride_must_leave_context():
    with pytest.raises(ValueError):
        perplexity(BigramModel(ctx=32), CharTokenizer(), TEXT * 3, stride=32)


def test_without_bos_the_first_token_is_context_only():
    model, tok = BigramModel(ctx=256), CharTokenizer(bos=False)
    res = perplexity(model, tok, TEXT)
    ids = tok(TEXT)["input_ids"]
    nll, count = _independent_nll(model, ids, 256, 128)
    assert res.bos_token_id is None and res.tokens_scored == count == len(ids) - 1
    assert res.bytes_scored == len(TEXT.encode("utf-8")) - 1
    assert res.perplexity == pytest.approx(math.exp(nll / count), rel=1e-9)


def test_passage_is_read_without_trailing_newline(tmp_path):
    (tmp_path / "perplexity").mkdir()
    (tmp_path / "perplexity" / "passage.txt").write_text("line one\nline two\n", encoding="utf-8")
    assert load_passage(tmp_path) == "line one\nline two"


def test_missing_passage_names_the_file(tmp_path):
    with pytest.raises(DataMissingError) as err:
        passage_path(tmp_path)
    assert "perplexity/passage.txt" in err.value.render()
