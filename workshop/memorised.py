"""Tiny models trained on chosen texts until they know them: the contamination check's positives
(trained on a task's test questions) and negatives (the same budget on other text).

A byte-level BPE trained on `tokenizer_lines`, a seeded GPT-2 of `ToySpec`'s shape, and the
texts repeated into one stream (each text after BOS, as `podium eval` scores it) trained with
`workshop.training`. Deterministic; about 25 s of CPU at the defaults, on one thread.
"""

from __future__ import annotations

from pathlib import Path

from workshop.toys import ToySpec, build_model, train_tokenizer
from workshop.training import token_stream, train

SPEC = ToySpec("gpt2", layers=2, width=128, heads=4, context=256, vocab=2048, steps=250, batch=8, lr=3e-3, dropout=0.0)
"""Big enough to memorise a few thousand tokens in a few hundred steps on a CPU."""
WINDOW = 128


def train_on(texts: list[str], out: Path, *, tokenizer_lines: list[str], spec: ToySpec = SPEC) -> Path:
    """A model folder at `out` trained on `texts` (cycled to fill the stream) with its own tokenizer."""
    import torch

    torch.manual_seed(spec.seed)
    tok = train_tokenizer(tokenizer_lines, spec.vocab, context=spec.context)
    model = build_model(spec, tok)
    stream = token_stream(tok, texts)
    while len(stream) < 8 * WINDOW:
        stream = torch.cat([stream, stream])
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a model this small gains nothing from more, and loses much on a shared machine
    try:
        train(model, stream, steps=spec.steps, batch=spec.batch, context=WINDOW, lr=spec.lr, seed=spec.seed)
    finally:
        torch.set_num_threads(threads)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    tok.save_pretrained(out)
    return out
