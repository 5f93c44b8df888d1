"""Brief, seeded training of toy models on a token stream (AdamW, warm-up, cosine decay)."""

from __future__ import annotations

import math

import torch


def token_stream(tokenizer, texts: list[str]) -> torch.Tensor:
    """The texts as one stream of ids, each text preceded by BOS."""
    ids: list[int] = []
    for t in texts:
        ids.append(tokenizer.bos_token_id)
        ids.extend(tokenizer(t, add_special_tokens=False)["input_ids"])
    return torch.tensor(ids, dtype=torch.long)


def train(model, stream: torch.Tensor, *, steps: int, batch: int, context: int, lr: float, seed: int,
          params=None) -> list[float]:
    """AdamW with linear warm-up and cosine decay on random windows of `stream`; returns losses."""
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
    """Mean loss on `n` seeded windows of `stream`."""
    g = torch.Generator().manual_seed(seed)
    starts = torch.randint(0, len(stream) - context - 1, (n,), generator=g)
    x = torch.stack([stream[s : s + context] for s in starts.tolist()])
    return float(model(input_ids=x, labels=x).loss)
